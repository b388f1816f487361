"""How names and terms are folded for matching, standard library only: case, look-alikes,
confusables.
"""

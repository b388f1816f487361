"""The chat's pure models (no Textual): the scrollback, search, history, the stage invite,
time labels.
"""

"""The small modal screens: confirmations, pickers, the admin menu, the stage link and WHIP
settings.
"""

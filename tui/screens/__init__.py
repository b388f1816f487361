"""Screens of the TUI: the chat screen and its modals. Import each from its own module."""

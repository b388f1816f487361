"""Widgets of the chat screen. Import each from its own module; nothing is imported here."""

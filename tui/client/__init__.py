"""The TUI's side of the app server: the HTTP client, the chat session, moderation and
history calls.
"""

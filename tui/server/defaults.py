"""The app server's names and defaults that need no settings machinery: the demo's
`--help` shows them without importing pydantic (tui/cli.py imports lazily)."""

from __future__ import annotations

APP_NAME = "ivs-chat-tui"
DEFAULT_PORT = 8750
"""`serve`'s port, and the demo's: the local stack and the app server share it."""
ENV_PREFIX = "IVS_CHAT_TUI_"

"""What the TUI and the app server call themselves (stdlib only): one program name, one
environment prefix and where each keeps its configuration file, so the two settings
modules cannot drift apart."""

from __future__ import annotations

APP_NAME = "ivs-chat-tui"
"""The program's name: its config and data directories (platformdirs) are named after it."""
ENV_PREFIX = "IVS_CHAT_TUI_"
"""The environment prefix both programs read: IVS_CHAT_TUI_NAME, IVS_CHAT_TUI_PORT, …"""
TUI_CONFIG_FILE_NAME = "config.toml"
"""The TUI's file in the user config directory."""
SERVER_CONFIG_FILE_NAME = "server.toml"
"""The app server's file in the same directory."""

__all__ = ["APP_NAME", "ENV_PREFIX", "SERVER_CONFIG_FILE_NAME", "TUI_CONFIG_FILE_NAME"]

"""The app server's names and defaults that need no settings machinery: the demo's
`--help` shows them without importing pydantic (tui/cli/main.py imports lazily)."""

from __future__ import annotations

from tui.common.app_identity import APP_NAME, ENV_PREFIX

DEFAULT_PORT = 8750
"""`serve`'s port, and the demo's: the local stack and the app server share it."""

__all__ = ["APP_NAME", "DEFAULT_PORT", "ENV_PREFIX"]

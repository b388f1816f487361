"""The TUI's configuration: flags, then `IVS_CHAT_TUI_*` environment variables, then a TOML
file in the user's config directory (posting's order).

    # ~/.config/ivs-chat-tui/config.toml
    server = "http://127.0.0.1:8750"
    name = "Alice"
    scrollback = 20000
    timezone = "Europe/Paris"

    [keymap]                       # binding id -> key(s), as Textual's App.set_keymap takes
    "chat.join_stage" = "ctrl+j"
    "composer.history_previous" = ["up", "ctrl+up"]

Other programs of this project may keep their own keys in the same file; unknown keys are
ignored here.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_config_path
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import SettingsConfigDict

from tui.config_sources import FlagsEnvTomlSettings, settings_from

APP_NAME = "ivs-chat-tui"
ENV_PREFIX = "IVS_CHAT_TUI_"
DEFAULT_SCROLLBACK = 10_000


def default_config_file() -> Path:
    return user_config_path(APP_NAME) / "config.toml"


class SettingsError(Exception):
    """The configuration cannot be used; `str()` says where and why, in one line."""


class TuiSettings(FlagsEnvTomlSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    server: str | None = None
    """App server URL, e.g. http://127.0.0.1:8750."""
    name: str | None = None
    """Display name in the room."""
    broadcaster_key: str | None = None
    """Key that makes the app server give you the broadcaster's token."""
    scrollback: int = Field(DEFAULT_SCROLLBACK, ge=100, le=1_000_000)
    """How many messages the list keeps."""
    timezone: str | None = None
    """IANA zone for message times; the local zone when unset."""
    theme: str | None = None
    """A Textual theme name."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id -> key(s)."""

    @field_validator("keymap", mode="before")
    @classmethod
    def _join_key_lists(cls, value: Any) -> Any:
        # TOML users write lists of keys; Textual wants "a,b".
        if isinstance(value, dict):
            return {k: ",".join(v) if isinstance(v, list | tuple) else v for k, v in value.items()}
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def tz(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None


def _source_of(field: str, path: Path, flags: dict[str, Any]) -> str:
    """Where `field`'s value came from, in the order the sources are read: the flag, the
    environment variable, else the file (named only when there is one)."""
    if flags.get(field) is not None:
        return f"flag --{field.replace('_', '-')}"
    variable = f"{ENV_PREFIX}{field}".upper()
    if any(name.upper() == variable for name in os.environ):  # read case-insensitively
        return f"environment {variable}"
    if path.is_file():
        return f"file {path}"
    return ""


def load_settings(config_file: Path | None = None, **flags: Any) -> TuiSettings:
    """Settings from flags (None values are "not given"), the environment and the TOML
    file (`config_file`, else the user's config dir). Raises SettingsError."""
    path = config_file if config_file is not None else default_config_file()
    try:
        return settings_from(TuiSettings, path, flags)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        field = str(first["loc"][0]) if first["loc"] else ""
        source = _source_of(field, path, flags)
        raise SettingsError(
            f"configuration {where}: {first['msg']}" + (f" ({source})" if source else "")
        ) from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None

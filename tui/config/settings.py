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

    [alerts]                       # tui/config/alert_settings.py
    desktop = false

    [moderation]                   # tui/config/presets.py
    timeout_presets = ["30s", "10m", "1h", "1d"]
    reasons = ["spam", "slurs"]

A setting this program does not know is refused with the file, line and key as written
(a misspelt key would otherwise do nothing, silently), as the app server refuses one in
server.toml; so is a key in the keymap that no terminal can send ("ctrl+banana"), and a
binding id the app does not have ("chat.bann").
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_config_path
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import SettingsConfigDict

from tui.common.app_identity import APP_NAME, ENV_PREFIX, TUI_CONFIG_FILE_NAME
from tui.common.validation import validation_words
from tui.config.alert_settings import AlertSettings
from tui.config.keys import binding_id_problem, key_problem, known_binding_ids
from tui.config.presets import ModerationPresets
from tui.config.sources import FlagsEnvTomlSettings, settings_from

DEFAULT_SCROLLBACK = 10_000


def default_config_file() -> Path:
    return user_config_path(APP_NAME) / TUI_CONFIG_FILE_NAME


class SettingsError(Exception):
    """The configuration cannot be used; `str()` says where and why, in one line."""


class TuiSettings(FlagsEnvTomlSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    server: str | None = None
    """App server URL, e.g. http://127.0.0.1:8750."""
    name: str | None = None
    """Display name in the room."""
    broadcaster_key: str | None = None
    """Key that makes the app server give you the broadcaster's token."""
    scrollback: int = Field(DEFAULT_SCROLLBACK, ge=100, le=1_000_000)
    """How many messages the list keeps."""
    history_on_join: int = Field(50, ge=0, le=1000)
    """How many recent messages are shown on join (0: none)."""
    timezone: str | None = None
    """IANA zone for message times; the local zone when unset."""
    theme: str | None = None
    """A Textual theme name."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id -> key(s)."""
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """What rings the bell or shows a desktop notification: the `[alerts]` table."""
    moderation: ModerationPresets = Field(default_factory=ModerationPresets)
    """The timeout presets and the reasons the dialogs offer: the `[moderation]` table."""

    @field_validator("keymap", mode="before")
    @classmethod
    def _join_key_lists(cls, value: Any) -> Any:
        # TOML users write lists of keys; Textual wants "a,b".
        if isinstance(value, dict):
            return {k: ",".join(v) if isinstance(v, list | tuple) else v for k, v in value.items()}
        return value

    @field_validator("keymap")
    @classmethod
    def _pressable(cls, value: dict[str, str]) -> dict[str, str]:
        known = known_binding_ids() if value else set()
        for binding_id, keys in value.items():
            if problem := binding_id_problem(binding_id, known):
                raise ValueError(problem)
            for key in keys.split(","):
                if problem := key_problem(key.strip()):
                    raise ValueError(f"{binding_id!r} = {keys!r}: {problem}")
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
        errors = exc.errors(include_url=False, include_input=False)
        unknown = [
            ".".join(map(str, e["loc"]))
            for e in errors
            if e["type"] == "extra_forbidden" and e["loc"]
        ]
        if unknown:
            raise SettingsError(_unknown_settings(path, unknown)) from None
        field = str(errors[0]["loc"][0]) if errors[0]["loc"] else ""
        source = _source_of(field, path, flags)
        words = validation_words(exc, whole="settings", first_only=True)
        raise SettingsError(f"configuration {words}" + (f" ({source})" if source else "")) from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _unknown_settings(path: Path, keys: list[str]) -> str:
    """Where the first unknown key is written, and what the file (or its table) may hold."""
    key = keys[0]
    table, _, inner = key.partition(".")
    if inner:  # a key in a table, `[alerts] bel = true`
        model = TuiSettings.model_fields[table].annotation
        known = ", ".join(getattr(model, "model_fields", {}))
        line = _line_in_table(path, table, inner)
        where = f"{path}:{line}" if line else str(path)
        more = f" (and {', '.join(keys[1:])})" if keys[1:] else ""
        return f"{where}: unknown setting {key!r}{more}; [{table}] takes: {known}"
    known = ", ".join(TuiSettings.model_fields)
    where = f"{path}:{line}" if (line := _line_of(path, key)) else str(path)
    more = f" (and {', '.join(keys[1:])})" if keys[1:] else ""
    return f"{where}: unknown setting {key!r}{more}; the settings are: {known}"


def _line_of(path: Path, key: str) -> int | None:
    """The line where top-level `key` is written: `key = …`, `key.sub = …` or `[key]`."""
    name = rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""
    assignment = re.compile(rf"^\s*{name}\s*[=.]")
    table = re.compile(rf"^\s*\[+\s*{name}\s*[.\]]")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if table.match(line) or (not in_table and assignment.match(line)):
            return number
        in_table = in_table or line.lstrip().startswith("[")
    return None


def _line_in_table(path: Path, table: str, key: str) -> int | None:
    """The line where `key` is written inside the `[table]` table."""
    header = re.compile(rf"^\s*\[\s*(?:{re.escape(table)}|\"{re.escape(table)}\")\s*\]")
    assignment = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}")\s*=""")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
        elif inside and assignment.match(line):
            return number
    return None

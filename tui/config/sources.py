"""Where the TUI's and the app server's settings come from: flags, then `IVS_CHAT_TUI_*`
environment variables, then one TOML file (posting's order).

Both programs subclass `FlagsEnvTomlSettings` and build it with `settings_from`, which
names the file and drops the flags the user did not give (None), so an unset flag never
hides an environment variable or a file value. Built directly, the settings read no file.
"""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, TomlConfigSettingsSource

# The file of the settings being built now; a context variable, so that concurrent
# builds (tests, threads) never read each other's file.
_toml_file: ContextVar[Path | None] = ContextVar("toml_file", default=None)

S = TypeVar("S", bound="FlagsEnvTomlSettings")


class FlagsEnvTomlSettings(BaseSettings):
    """Init kwargs (the flags), the environment, then the TOML file of `settings_from`;
    no .env file and no secrets directory."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        path = _toml_file.get()
        if path is not None:
            # A file that does not exist reads as empty.
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=path),)
        return sources


def settings_from(cls: type[S], toml_file: Path, flags: dict[str, Any]) -> S:
    """`cls` from `flags` (None values are "not given"), the environment and `toml_file`.
    Raises what pydantic and the TOML reader raise; the callers word it."""
    token = _toml_file.set(toml_file)
    try:
        return cls(**{k: v for k, v in flags.items() if v is not None})
    finally:
        _toml_file.reset(token)

"""The `[moderation]` table of the TUI's config: the moderator's own presets.

    [moderation]
    timeout_presets = ["30s", "10m", "1h", "1d"]   # keys 1-9 in the timeout picker
    reasons = ["spam", "slurs", "harassment"]      # keys a-z in the ban and timeout dialogs

Presets are chosen by number and reasons by letter, so the two never share a key; hence
at most nine presets and twenty-six reasons.
"""

from __future__ import annotations

import string

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tui.common.timing.durations import DAY, DurationError, describe_duration, parse_duration
from tui.ivs.protocol import REASON_MAX_LENGTH

MAX_TIMEOUT_SECONDS = 14 * DAY
"""The app server's longest timeout (tui/server/moderation/policy.py)."""
PRESET_KEYS = "123456789"
REASON_KEYS = string.ascii_lowercase
DEFAULT_TIMEOUT_PRESETS = ("30s", "10m", "1h", "1d")


class ModerationPresets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout_presets: tuple[str, ...] = Field(
        DEFAULT_TIMEOUT_PRESETS, min_length=1, max_length=len(PRESET_KEYS)
    )
    """The timeout picker's durations, keys 1-9 in this order."""
    reasons: tuple[str, ...] = Field((), max_length=len(REASON_KEYS))
    """Reasons offered in the ban and timeout dialogs, keys a-z in this order."""

    @field_validator("timeout_presets")
    @classmethod
    def _durations(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            try:
                seconds = parse_duration(text, what="a timeout preset")
            except DurationError as exc:
                raise ValueError(str(exc)) from None
            if seconds > MAX_TIMEOUT_SECONDS:
                raise ValueError(f"timeout preset {text!r} is over the longest timeout, 14 days")
        return value

    @field_validator("reasons")
    @classmethod
    def _reasons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for reason in value:
            if not reason.strip():
                raise ValueError("a reason is empty")
            if len(reason) > REASON_MAX_LENGTH:
                raise ValueError(f"a reason is over {REASON_MAX_LENGTH} characters")
        return tuple(reason.strip() for reason in value)

    def timeouts(self) -> tuple[tuple[int, str], ...]:
        """(seconds, words) per preset, in key order: (600, "10 min")."""
        seconds = [parse_duration(text) for text in self.timeout_presets]
        return tuple((s, describe_duration(s)) for s in seconds)


__all__ = [
    "DEFAULT_TIMEOUT_PRESETS",
    "MAX_TIMEOUT_SECONDS",
    "PRESET_KEYS",
    "REASON_KEYS",
    "ModerationPresets",
]

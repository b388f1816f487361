"""The room's moderation settings: `GET` and `PUT /api/moderation/settings`.

`{blockedTerms: [...], flood: {messages, seconds, timeoutSeconds}, newIdentityWaitSeconds}`
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tui.common.timing.durations import DAY, HOUR, MINUTE
from tui.ivs.protocol import MAX_MESSAGE_RATE_PER_SECOND
from tui.server import models as wire
from tui.server.domain_errors import InvalidRequest
from tui.server.moderation.policy import MAX_TIMEOUT_SECONDS
from tui.server.moderation.terms import BlockedTerms, compile_terms

MAX_FLOOD_SECONDS = HOUR
"""The flood window is at most an hour: the keeper keeps each sender's sends for it."""
MAX_FLOOD_MESSAGES = MAX_MESSAGE_RATE_PER_SECOND * MAX_FLOOD_SECONDS
MAX_NEW_IDENTITY_WAIT_SECONDS = 7 * DAY


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """More than `messages` messages in `seconds` seconds is a flood, and brings a
    timeout of `timeout_seconds`."""

    messages: int = 5
    seconds: int = 5
    timeout_seconds: int = MINUTE
    """The shortest preset: a flood is mostly a burst, rarely malice."""

    def wire(self) -> wire.FloodLimits:
        return wire.FloodLimits(
            messages=self.messages, seconds=self.seconds, timeout_seconds=self.timeout_seconds
        )


@dataclass(frozen=True, slots=True)
class RoomSettings:
    blocked_terms: tuple[str, ...] = ()
    flood: FloodLimits = field(default_factory=FloodLimits)
    new_identity_wait_seconds: int = 0
    """Off by default: a fresh room would otherwise make every first-time viewer wait."""

    def to_json(self) -> dict[str, object]:
        """The body both sides read (`tui.server.models.RoomSettings`), without the IVS
        room's own limits (`tui.server.room_limits` adds them)."""
        return wire.RoomSettings(
            blocked_terms=list(self.blocked_terms),
            flood=self.flood.wire(),
            new_identity_wait_seconds=self.new_identity_wait_seconds,
        ).to_json()

    def terms(self) -> BlockedTerms:
        """The compiled blocked terms (they were checked when the settings were made)."""
        return compile_terms(self.blocked_terms, check_cost=False)


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"{name} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidRequest(f"{name} must be a whole number")
        value = int(value)
    if not low <= value <= high:
        raise InvalidRequest(f"{name} must be from {low} to {high}, not {value}")
    return value


def parse_settings(
    body: object, current: RoomSettings | None = None, *, check_cost: bool = True
) -> RoomSettings:
    """Checked settings from a PUT body. A field left out keeps its `current` value (the
    defaults without one), so a client may send only what it changes. Blocked terms are
    compiled here, so a bad term is refused before anything is stored; timing the
    patterns can take a few hundred milliseconds (`compile_terms`): call it in a worker
    thread (`asyncio.to_thread`)."""
    base = current or RoomSettings()
    if not isinstance(body, Mapping):
        raise InvalidRequest(
            "the body must be a JSON object: {blockedTerms, flood, newIdentityWaitSeconds}"
        )
    terms = base.blocked_terms
    if "blockedTerms" in body:
        terms = compile_terms(body["blockedTerms"], check_cost=check_cost).terms
    flood = base.flood
    if "flood" in body:
        raw = body["flood"]
        if not isinstance(raw, Mapping):
            raise InvalidRequest("flood must be an object: {messages, seconds, timeoutSeconds}")
        flood = FloodLimits(
            messages=_whole(
                raw.get("messages", flood.messages), "flood.messages", 1, MAX_FLOOD_MESSAGES
            ),
            seconds=_whole(
                raw.get("seconds", flood.seconds), "flood.seconds", 1, MAX_FLOOD_SECONDS
            ),
            timeout_seconds=_whole(
                raw.get("timeoutSeconds", flood.timeout_seconds),
                "flood.timeoutSeconds",
                1,
                MAX_TIMEOUT_SECONDS,
            ),
        )
    wait = base.new_identity_wait_seconds
    if "newIdentityWaitSeconds" in body:
        wait = _whole(
            body["newIdentityWaitSeconds"],
            "newIdentityWaitSeconds",
            0,
            MAX_NEW_IDENTITY_WAIT_SECONDS,
        )
    return RoomSettings(terms, flood, wait)


__all__ = ["FloodLimits", "RoomSettings", "parse_settings"]

"""The room's moderation settings: `GET` and `PUT /api/moderation/settings`.

`{blockedTerms: [...], flood: {messages, seconds, timeoutSeconds}, newIdentityWaitSeconds,
holdTerms: [...], shield: {minutes, minIdentityAgeSeconds, slowModeSeconds}}`

Hold terms are written, checked and matched as blocked terms are (`terms.py`); a message
that matches one is held for a moderator's review instead of being refused
(`tui.server.raid`). `shield` holds shield mode's defaults.
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
MAX_SHIELD_MINUTES = 24 * 60
"""Shield mode lasts a day at most: it is for a raid, and it turns itself off."""
MAX_SHIELD_IDENTITY_AGE_SECONDS = 7 * DAY
MAX_SHIELD_SLOW_MODE_SECONDS = HOUR


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
class ShieldSettings:
    """Shield mode's defaults: it lasts `minutes` unless turned on for another time; while
    it is on, viewers' messages from identities younger than `min_identity_age_seconds`
    are held for review, and a viewer may send one message per `slow_mode_seconds` (0 is
    no wait for either)."""

    minutes: int = 30
    min_identity_age_seconds: int = 10 * MINUTE
    slow_mode_seconds: int = 10

    def wire(self) -> wire.ShieldSettings:
        return wire.ShieldSettings(
            minutes=self.minutes,
            min_identity_age_seconds=self.min_identity_age_seconds,
            slow_mode_seconds=self.slow_mode_seconds,
        )


@dataclass(frozen=True, slots=True)
class RoomSettings:
    blocked_terms: tuple[str, ...] = ()
    flood: FloodLimits = field(default_factory=FloodLimits)
    new_identity_wait_seconds: int = 0
    """Off by default: a fresh room would otherwise make every first-time viewer wait."""
    hold_terms: tuple[str, ...] = ()
    shield: ShieldSettings = field(default_factory=ShieldSettings)

    def to_json(self) -> dict[str, object]:
        """The body both sides read (`tui.server.models.RoomSettings`), without the IVS
        room's own limits (`tui.server.room_limits` adds them)."""
        return wire.RoomSettings(
            blocked_terms=list(self.blocked_terms),
            flood=self.flood.wire(),
            new_identity_wait_seconds=self.new_identity_wait_seconds,
            hold_terms=list(self.hold_terms),
            shield=self.shield.wire(),
        ).to_json()

    def terms(self) -> BlockedTerms:
        """The compiled blocked terms (they were checked when the settings were made)."""
        return compile_terms(self.blocked_terms, check_cost=False)

    def compiled_hold_terms(self) -> BlockedTerms:
        """The compiled hold terms, likewise."""
        return compile_terms(self.hold_terms, check_cost=False)


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
    hold = base.hold_terms
    if "holdTerms" in body:
        try:
            hold = compile_terms(body["holdTerms"], check_cost=check_cost).terms
        except InvalidRequest as exc:  # its words name a "blocked term"
            raise InvalidRequest(f"holdTerms: {exc.message}") from None
    shield = base.shield
    if "shield" in body:
        shield = _shield(body["shield"], shield)
    return RoomSettings(terms, flood, wait, hold_terms=hold, shield=shield)


def _shield(raw: object, base: ShieldSettings) -> ShieldSettings:
    if not isinstance(raw, Mapping):
        raise InvalidRequest(
            "shield must be an object: {minutes, minIdentityAgeSeconds, slowModeSeconds}"
        )
    return ShieldSettings(
        minutes=_whole(raw.get("minutes", base.minutes), "shield.minutes", 1, MAX_SHIELD_MINUTES),
        min_identity_age_seconds=_whole(
            raw.get("minIdentityAgeSeconds", base.min_identity_age_seconds),
            "shield.minIdentityAgeSeconds",
            0,
            MAX_SHIELD_IDENTITY_AGE_SECONDS,
        ),
        slow_mode_seconds=_whole(
            raw.get("slowModeSeconds", base.slow_mode_seconds),
            "shield.slowModeSeconds",
            0,
            MAX_SHIELD_SLOW_MODE_SECONDS,
        ),
    )


__all__ = ["FloodLimits", "RoomSettings", "ShieldSettings", "parse_settings"]

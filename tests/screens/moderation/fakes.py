"""In-memory stand-ins for the screens' Protocols (LogSource, SettingsStore), with fixed
records: the screens are views, and these are the data they are handed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tui.client.moderation_api import (
    DEFAULT_LOG_LIMIT,
    FloodLimits,
    ModerationRecord,
    Party,
    Refused,
    RoomSettings,
    Unavailable,
)

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
HOST = Party(user_id="user-host", display_name="Host")
MIA = Party(user_id="viewer-mia", display_name="Mia")
BOB = Party(user_id="viewer-bob", display_name="Bob")
EVE = Party(user_id="viewer-eve", display_name="[red]Eve\x1b[2J")
KEEPER = Party(user_id="room-keeper", display_name="room keeper")


def record(
    n: int,
    actor: Party,
    action: str,
    target: Party,
    *,
    minutes: int,
    seconds: int | None = None,
    reason: str | None = None,
    automatic: bool = False,
    ban_address: bool = False,
) -> ModerationRecord:
    at = T0 + timedelta(minutes=minutes)
    return ModerationRecord(
        id=n,
        at=at,
        actor=actor,
        automatic=automatic,
        action=action,
        target=target,
        reason=reason,
        duration_seconds=seconds,
        expires_at=at + timedelta(seconds=seconds) if seconds else None,
        ban_address=ban_address,
    )


def the_log() -> list[ModerationRecord]:
    """Newest first, as the server answers."""
    return [
        record(6, HOST, "mod", MIA, minutes=31),
        record(
            5,
            MIA,
            "ban",
            EVE,
            minutes=24,
            reason="[@click=app.quit]slurs\x1b]52;c;aGk=\x07",
            ban_address=True,
        ),
        record(4, KEEPER, "timeout", BOB, minutes=12, seconds=60, reason="flood", automatic=True),
        record(3, KEEPER, "delete", BOB, minutes=12, reason="blocked term", automatic=True),
        record(2, HOST, "untimeout", BOB, minutes=5),
        record(1, HOST, "timeout", BOB, minutes=2, seconds=600, reason="caps"),
    ]


@dataclass
class FakeLog:
    records: list[ModerationRecord] = field(default_factory=the_log)
    failure: str | None = None
    asked: list[tuple[str | None, int]] = field(default_factory=list)

    async def moderation_log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]:
        self.asked.append((user_id, limit))
        if self.failure:
            raise Unavailable(None, self.failure)
        return [
            r for r in self.records if not user_id or user_id in (r.actor.user_id, r.target.user_id)
        ][:limit]


def default_settings() -> RoomSettings:
    return RoomSettings(
        blocked_terms=["spam", r"fr[e3]{2}\s*v-?bucks"],
        flood=FloodLimits(messages=5, seconds=5, timeout_seconds=60),
        new_identity_wait_seconds=600,
        max_message_rate=10,
        max_message_length=500,
    )


@dataclass
class FakeSettings:
    settings: RoomSettings = field(default_factory=default_settings)
    saved: list[RoomSettings] = field(default_factory=list)
    load_failure: str | None = None

    async def room_settings(self) -> RoomSettings:
        if self.load_failure:
            raise Unavailable(None, self.load_failure)
        return self.settings

    async def save_room_settings(self, settings: RoomSettings) -> RoomSettings:
        # The server's check of a pattern, in its words.
        for term in settings.blocked_terms:
            try:
                re.compile(term)
            except re.error as exc:
                raise Refused(400, f"blocked term {term!r} is not a valid pattern: {exc}") from None
        self.saved.append(settings)
        self.settings = settings
        return settings

"""An in-memory held queue for the held-queue screen (its `HeldDesk`), with fixed
messages: the screen is a view, and these are the data it is handed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tui.client.moderation_api import Refused, Unavailable

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Sender:
    user_id: str
    display_name: str


@dataclass(frozen=True)
class Held:
    id: str
    at: datetime
    sender: Sender
    content: str
    reason: str
    term: str | None = None
    expires_at: datetime | None = None


def the_queue() -> list[Held]:
    """Oldest first, as the server answers; a hostile name and words among them."""
    return [
        Held(
            "h1",
            T0,
            Sender("viewer-bob", "Bob"),
            "get cheap followers at my SPAM site",
            "hold term: spam",
            "spam",
            T0 + timedelta(minutes=10),
        ),
        Held(
            "h2",
            T0 + timedelta(minutes=1),
            Sender("viewer-eve", "[red]Eve\x1b[2J"),
            "[@click=app.quit]hi\x1b]52;c;aGk=\x07 \u202eevil",
            "held for review",
            None,
            T0 + timedelta(minutes=11),
        ),
        Held(
            "h3",
            T0 + timedelta(minutes=2),
            Sender("viewer-zed", "Zed"),
            "buy-followers today",
            "hold term: buy followers",
            "buy followers",
            T0 + timedelta(minutes=12),
        ),
    ]


@dataclass
class FakeDesk:
    held: list[Held] = field(default_factory=the_queue)
    failure: str | None = None
    decided: list[tuple[str, str]] = field(default_factory=list)
    reads: int = 0

    async def held_messages(self) -> list[Held]:
        self.reads += 1
        if self.failure:
            raise Unavailable(None, self.failure)
        return list(self.held)

    async def approve_held(self, held_id: str) -> None:
        self._decide(held_id, "approve")

    async def deny_held(self, held_id: str) -> None:
        self._decide(held_id, "deny")

    def _decide(self, held_id: str, decision: str) -> None:
        if self.failure:
            raise Unavailable(None, self.failure)
        if held_id not in {h.id for h in self.held}:
            raise Refused(404, "that message is no longer held (another moderator decided)")
        self.decided.append((held_id, decision))
        self.held = [h for h in self.held if h.id != held_id]

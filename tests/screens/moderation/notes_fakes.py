"""In-memory stand-ins for the user card's lookups with notes and offences: the card is a
view, and these are the data it is handed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.app_helpers import BOB, T0, chat_message
from tui.client.moderation_api import Refused
from tui.ivs.events import ChatMessage


@dataclass(frozen=True)
class Author:
    user_id: str
    display_name: str


@dataclass(frozen=True)
class Note:
    id: int
    at: datetime
    author: Author
    text: str


@dataclass(frozen=True)
class Offences:
    automatic: int
    manual: int


MIA = Author("viewer-mia", "Mia")
HOST = Author("user-host", "Host")


@dataclass(frozen=True)
class Profile:
    """`GET /api/moderation/users/{userId}` as the card reads it, offences included."""

    user_id: str
    display_name: str
    role: str
    created_at: datetime
    banned_until: datetime | None = None
    timed_out_until: datetime | None = None
    offences: Offences | None = None


def bob_profile() -> Profile:
    return Profile(BOB.user_id, "Bob", "viewer", T0 - timedelta(days=3), offences=Offences(2, 1))


@dataclass
class FakeProfiles:
    profile: Profile = field(default_factory=bob_profile)

    async def user_profile(self, user_id: str) -> Profile:
        return self.profile

    async def recent_messages(self, user_id: str) -> list[ChatMessage]:
        return [chat_message(90, BOB, "buy followers at my site", minutes=-5)]


@dataclass
class FakeNotes:
    notes: list[Note] = field(
        default_factory=lambda: [
            Note(1, T0 - timedelta(days=2), MIA, "posted a scam link, warned"),
            Note(2, T0 - timedelta(hours=1), HOST, "[@click=app.quit]second\x1b[2J warning"),
        ]
    )
    refuse: str | None = None
    added: list[tuple[str, str]] = field(default_factory=list)

    async def user_notes(self, user_id: str) -> list[Note]:
        return list(self.notes)

    async def add_user_note(self, user_id: str, text: str) -> Note:
        if self.refuse:
            raise Refused(400, self.refuse)
        self.added.append((user_id, text))
        note = Note(len(self.notes) + 1, T0, HOST, text)
        self.notes.append(note)
        return note

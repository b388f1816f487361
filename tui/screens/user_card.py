"""The user card: `u` on a selected message shows its sender.

Name and role (the role from the token attributes every client sees), identity age and
status (timed out, banned: `GET /api/moderation/users/{userId}`, which only moderators
may read; a viewer is told so), and their recent messages, from the scrollback and from
the room's history. A moderator's card offers the moderation actions, each one key away:
the card is dismissed with a `UserCardChoice` and the chat screen carries it out.

A moderator's card also shows how many offences the moderation log holds on them
(automatic: blocked terms and floods; manual: a moderator's actions) and the notes that
moderators share on them, newest first; `n` adds one (tui/screens/dialogs/note_input.py),
and the card itself asks the server, so a refusal reopens the note with its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from tui.action_table import BY_ID, bindings_for
from tui.client.moderation_api import ModeratedUser, ModerationAction, NotPermitted
from tui.common.roles import Role
from tui.error_words import error_words
from tui.ivs.events import ChatMessage
from tui.screens.dialogs.dialog import DialogScreen
from tui.screens.dialogs.note_input import NoteInput
from tui.terminal.untrusted import as_content, clean

RECENT = 8
"""Messages shown on the card: the newest, from the scrollback and the history."""
NOTES_SHOWN = 4
"""Notes shown on the card: the newest (the card must fit 80x24)."""


class UserLookup(Protocol):
    """What the card asks of the controller (tui/controller.py)."""

    async def user_profile(self, user_id: str) -> ModeratedUser: ...
    async def recent_messages(self, user_id: str) -> list[ChatMessage]: ...


class NoteAuthor(Protocol):
    @property
    def display_name(self) -> str: ...


class UserNote(Protocol):
    """A note as the card shows it (the app server's `UserNote` is one)."""

    @property
    def at(self) -> datetime: ...
    @property
    def author(self) -> NoteAuthor: ...
    @property
    def text(self) -> str: ...


class NoteBook(Protocol):
    """The notes moderators share on users (tui/client/moderation_api.py's
    `ModerationClient` is one)."""

    async def user_notes(self, user_id: str) -> Sequence[UserNote]: ...
    async def add_user_note(self, user_id: str, text: str) -> object: ...


def offence_words(user: object) -> str:
    """The profile's offence count in words, or "" from a server that does not say."""
    offences = getattr(user, "offences", None)
    if offences is None:
        return ""
    automatic, manual = int(offences.automatic), int(offences.manual)
    if not automatic and not manual:
        return "no offences"
    total = automatic + manual
    return f"{total} offence{'' if total == 1 else 's'} ({automatic} automatic, {manual} manual)"


@dataclass(frozen=True, slots=True)
class UserCardChoice:
    """A moderation action picked on the card, for the chat screen to carry out."""

    action: ModerationAction
    user_id: str
    name: str


def age_words(created: datetime, now: datetime) -> str:
    """How long the identity has existed, in the largest unit that fits."""
    seconds = max((now - created).total_seconds(), 0)
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} old"
    return "new (under a minute old)"


PERMANENT_FROM_YEAR = 9998
"""The server writes a permanent ban as banned until 9998-01-01 (a real time, so its checks
need no special case): a ban that far off is said as permanent, as the log says it."""


def status_words(user: ModeratedUser, now: datetime) -> str:
    if user.banned_until is not None:
        if user.banned_until.year >= PERMANENT_FROM_YEAR:
            return "banned permanently"
        return f"banned until {user.banned_until:%Y-%m-%d %H:%M} UTC"
    if user.timed_out_until is not None and user.timed_out_until > now:
        left = int((user.timed_out_until - now).total_seconds() // 60) + 1
        return f"timed out for {left} more minute{'' if left == 1 else 's'}"
    return "in good standing"


# What the card offers; the keys and their words are the action table's (`user_card.*`).
_MODERATOR_ACTIONS = (
    ModerationAction.TIMEOUT,
    ModerationAction.UNTIMEOUT,
    ModerationAction.BAN,
    ModerationAction.UNBAN,
)
_BROADCASTER_ACTIONS = (ModerationAction.MOD, ModerationAction.UNMOD)


class UserCard(DialogScreen[UserCardChoice | None]):
    DEFAULT_CSS = """
    UserCard > #dialog { width: 72; padding: 0 1; }
    UserCard .-muted { color: $text-muted; }
    """
    BINDINGS = bindings_for("user_card")  # tui/action_table.py; the keymap's keys: compose

    def __init__(
        self,
        message: ChatMessage,
        *,
        lookup: UserLookup,
        scrollback: list[ChatMessage],
        now: datetime,
        tz: tzinfo | None,
        moderator: bool,
        broadcaster: bool,
        notes: NoteBook | None = None,
    ) -> None:
        """`notes`: where moderators' notes are read and added (a moderator's card)."""
        super().__init__()
        self.user_id = message.sender_id
        self.name_shown = message.sender_name
        self.role = message.sender_attributes.get("role") or Role.VIEWER
        self._lookup = lookup
        self._recent = list(scrollback)
        self._now = now
        self._tz = tz
        self._actions = (_MODERATOR_ACTIONS if moderator else ()) + (
            _BROADCASTER_ACTIONS if broadcaster else ()
        )
        self.status = ""
        """What the status line says once looked up (for tests and the screen)."""
        self._notes = notes if moderator else None
        self.notes: list[UserNote] = []
        self.offences = ""
        """The offence count in words, once looked up (for tests)."""
        self.notes_words = "notes: looking up…"
        """What the notes part says (for tests)."""

    def compose(self) -> ComposeResult:
        self.follow_keymap("user_card")
        # The name as literal Content: a border title given as a string is markup.
        with self.frame(as_content(self.name_shown), "escape closes"):
            yield Static(as_content(f"role: {self.role} · id: {self.user_id}"), id="who")
            yield Static("identity and status: looking up…", id="status", classes="-muted")
            if self._notes is not None:
                offences = Static(id="offences", classes="-muted")
                offences.display = False  # until the profile says
                yield offences
                yield Static(as_content(self.notes_words), id="notes")
            yield Static("Recent messages", classes="-muted")
            yield Static(self._recent_content(), id="recent")
            keys = [f"user_card.{a}" for a in self._actions]
            if self._notes is not None:
                keys.append("user_card.note")
            if keys:
                words = " · ".join(f"{self.key_in_force(k)} {BY_ID[k].label}" for k in keys)
                yield Static(as_content(words), id="keys")

    def on_mount(self) -> None:
        self._look_up()
        if self._notes is not None:
            self._read_notes(self._notes)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return bool(parameters) and parameters[0] in self._actions
        if action == "add_note":
            return self._notes is not None
        return True

    def _recent_content(self) -> Content:
        shown = self._recent[-RECENT:]
        if not shown:
            return as_content("  (none here or in the history)")
        # Content(), not markup; each message cleaned on its own, so only our line
        # breaks are line breaks.
        return Content(
            "\n".join(
                f"  {m.send_time.astimezone(self._tz):%H:%M} {clean(m.content)}" for m in shown
            )
        )

    @work(group="user_card", exit_on_error=False)
    async def _look_up(self) -> None:
        try:
            user = await self._lookup.user_profile(self.user_id)
        except NotPermitted:
            self.status = "identity age and status: only moderators see these"
        except Exception as exc:
            self.status = f"identity and status unknown: {error_words(exc)}"
        else:
            self.role = user.role
            self.status = (
                f"identity {age_words(user.created_at, self._now)} · "
                f"{status_words(user, self._now)}"
            )
            if self._notes is not None and (offences := offence_words(user)):
                self.offences = offences
                shown = self.query_one("#offences", Static)
                shown.update(as_content(f"in the moderation log: {offences}"))
                shown.display = True
            self.query_one("#who", Static).update(
                as_content(f"role: {self.role} · id: {self.user_id}")
            )
        self.query_one("#status", Static).update(as_content(self.status))
        try:
            older = await self._lookup.recent_messages(self.user_id)
        except Exception:
            return  # the scrollback's are shown; the history is a bonus
        known = {m.id for m in self._recent}
        merged = [m for m in older if m.id not in known] + self._recent
        self._recent = sorted(merged, key=lambda m: (m.send_time, m.id))
        self.query_one("#recent", Static).update(self._recent_content())

    @work(group="user_card_notes", exclusive=True, exit_on_error=False)
    async def _read_notes(self, book: NoteBook) -> None:
        try:
            self.notes = list(await book.user_notes(self.user_id))
        except Exception as exc:
            self.notes_words = clean(f"notes unknown: {error_words(exc)}")
        else:
            self.notes_words = self._notes_text()
        # Content(), not markup; every part of it was cleaned on its own.
        self.query_one("#notes", Static).update(Content(self.notes_words))

    def _notes_text(self) -> str:
        if not self.notes:
            return "notes: none yet"
        newest = sorted(self.notes, key=lambda note: note.at, reverse=True)
        more = len(newest) - NOTES_SHOWN
        lines = [f"notes ({len(newest)}, newest first):"]
        lines += [
            # Each part cleaned on its own, so only our line breaks are line breaks.
            f"  {n.at.astimezone(self._tz):%m-%d %H:%M} {clean(n.author.display_name)}: "
            f"{clean(n.text)}"
            for n in newest[:NOTES_SHOWN]
        ]
        if more > 0:
            lines.append(f"  … and {more} older")
        return "\n".join(lines)

    def action_add_note(self) -> None:
        if self._notes is not None:
            self._add_note(self._notes)

    @work(group="user_card_add_note", exclusive=True, exit_on_error=False)
    async def _add_note(self, book: NoteBook) -> None:
        """The note dialog, then the server; a refusal opens the dialog again with what
        was typed and the server's words."""
        typed, error = "", ""
        while True:
            text = await self.app.push_screen_wait(
                NoteInput(self.name_shown, initial=typed, error=error)
            )
            if text is None:
                return
            try:
                await book.add_user_note(self.user_id, text)
            except Exception as exc:
                typed, error = text, f"could not add the note: {error_words(exc)}"
                continue
            self._read_notes(book)
            return

    def action_choose(self, action: str) -> None:
        if action in self._actions:
            self.dismiss(UserCardChoice(ModerationAction(action), self.user_id, self.name_shown))

    def action_dismiss_card(self) -> None:
        self.dismiss(None)


__all__ = [
    "NoteBook",
    "UserCard",
    "UserCardChoice",
    "UserLookup",
    "age_words",
    "offence_words",
    "status_words",
]

"""The broadcaster's room settings: blocked terms, flood limits, how
long new identities wait before they may send, and the IVS room's own limits (messages
a second for the whole room, the longest message).

A thin view over `SettingsStore`: loaded when it opens, saved whole with ctrl+s (PUT),
escape cancels. Bad input, the fields' or the server's (a blocked term that is not a
valid pattern), is said in place and keeps everything typed. Durations are typed as
moderators say them (`5s`, `10m`, `1h`; tui/common/timing/durations.py).
"""

from __future__ import annotations

from typing import Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Button, Input, Static, TextArea

from tui.client.app_server import AppServerError
from tui.client.moderation_api import FloodLimits, RoomSettings
from tui.common.timing.durations import DAY, HOUR, DurationError, format_duration, parse_duration
from tui.ivs.protocol import MAX_MESSAGE_LENGTH, MAX_MESSAGE_RATE_PER_SECOND
from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.untrusted import as_content, clean
from tui.widgets.line_input import LineInput
from tui.widgets.text_box import TextBox

# The app server's bounds (its room settings), checked here too so that a typo such as
# 99999d is said in words beside its field, not as the server's "flood.timeoutSeconds".
MOST_FLOOD_WINDOW = HOUR
MOST_FLOOD_TIMEOUT = 14 * DAY
MOST_NEW_IDENTITY_WAIT = 7 * DAY

ABOUT = (
    "A message with a blocked term is deleted for everyone. Terms are words or "
    "patterns, matched with case and look-alike letters folded. A flood (more than "
    "N messages in S seconds from one user) brings a timeout."
)


class SettingsStore(Protocol):
    """What the screen asks for (tui.client.moderation_api.ModerationClient is one)."""

    async def room_settings(self) -> RoomSettings: ...

    async def save_room_settings(self, settings: RoomSettings) -> RoomSettings: ...


class FieldError(ValueError):
    """A field cannot be read; `field` is its widget id."""

    def __init__(self, field: str, words: str) -> None:
        super().__init__(words)
        self.field = field


def terms_text(terms: list[str]) -> str:
    # Cleaned: the terms come over the network, and a control character must not reach
    # the terminal raw (it would match nothing a viewer can type anyway).
    return "\n".join(clean(term) for term in terms)


def terms_from(text: str) -> list[str]:
    """One term per line; blank lines and the spaces around a term do not count."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class RoomSettingsScreen(DialogScreen[RoomSettings | None]):
    """Dismisses with the settings as saved, or None when cancelled."""

    DEFAULT_CSS = """
    RoomSettingsScreen > #dialog {
        width: 78;
        max-height: 100%;
        padding: 0 1;
        overflow-y: auto;  /* a short terminal scrolls the dialog, never clips it */
    }
    RoomSettingsScreen #about {
        color: $text-muted;
    }
    RoomSettingsScreen TextArea {
        height: 8;
        border-title-color: $text-muted;
    }
    RoomSettingsScreen Input {
        width: 1fr;
        border-title-color: $text-muted;
    }
    RoomSettingsScreen .row {
        height: auto;
    }
    RoomSettingsScreen #error {
        color: $text-error;
        height: auto;
    }
    RoomSettingsScreen #status {
        color: $text-muted;
        height: 1;
    }
    RoomSettingsScreen Button {
        margin: 0 0 0 1;
        min-width: 10;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="room_settings.cancel"),
        Binding("ctrl+s", "save", "Save", id="room_settings.save"),
        Binding("ctrl+r", "reload", "Reload", id="room_settings.reload"),
    ]

    # Both gate ctrl+s: a change re-asks `check_action`.
    loaded: var[RoomSettings | None] = var(None, init=False, bindings=True)
    saving: var[bool] = var(False, init=False, bindings=True)

    def __init__(self, store: SettingsStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with self.frame("Room settings", "ctrl+s save · esc cancel"):
            yield Static(ABOUT, id="about")
            terms = TextBox(id="terms", tab_behavior="focus", soft_wrap=False)
            terms.border_title = "Blocked terms, one per line"
            yield terms
            yield Static(id="error")
            with Horizontal(classes="row"):
                yield self._field("messages", "Flood: N messages", "e.g. 5")
                yield self._field("seconds", "in S seconds", "e.g. 5s")
                yield self._field("timeout", "timeout for", "e.g. 1m")
            with Horizontal(classes="row"):
                yield self._field("rate", "Room: messages a second", "1-100")
                yield self._field("length", "Longest message", "1-500 characters")
            with Horizontal(classes="row"):
                yield self._field("wait", "New identities wait", "e.g. 10m; 0 is off")
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")
            yield Static(id="status")

    @staticmethod
    def _field(field_id: str, title: str, placeholder: str) -> LineInput:
        field = LineInput(placeholder=placeholder, max_length=20, id=field_id)
        field.border_title = title
        return field

    def on_mount(self) -> None:
        self.query_one("#error").display = False
        self.action_reload()

    # --- actions -----------------------------------------------------------------------

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self._status("loading…")
        self._load()

    def action_save(self) -> None:
        try:
            wanted = self.chosen()
        except FieldError as exc:
            self._say(str(exc))
            self.query_one(f"#{exc.field}").focus()
            return
        self.saving = True
        self._say("")
        self._status("saving…")
        self._save(wanted)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.loaded is not None and not self.saving
        return True

    # --- reading the fields ------------------------------------------------------------

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def _duration(self, field_id: str, what: str, most: int, *, allow_zero: bool = False) -> int:
        try:
            seconds = parse_duration(self._value(field_id), what=what, allow_zero=allow_zero)
        except DurationError as exc:
            raise FieldError(field_id, str(exc)) from None
        if seconds > most:
            raise FieldError(field_id, f"{what} is at most {format_duration(most)}")
        return seconds

    def _whole(self, field_id: str, what: str, high: int, loaded: int | None) -> int | None:
        """A number from 1 to `high`; None when left empty where the server sent none
        (an older server)."""
        typed = self._value(field_id).strip()
        if not typed and loaded is None:
            return None
        if not typed.isdigit() or not 1 <= int(typed) <= high:
            raise FieldError(field_id, f"{what}: type a whole number from 1 to {high}")
        return int(typed)

    def chosen(self) -> RoomSettings:
        """The settings the fields say; raises FieldError naming the field."""
        typed = self._value("messages").strip()
        if not typed.isdigit() or int(typed) < 1:
            raise FieldError("messages", "flood messages: type a whole number of at least 1")
        loaded = self.loaded
        return RoomSettings(
            max_message_rate=self._whole(
                "rate",
                "the room's messages a second",
                MAX_MESSAGE_RATE_PER_SECOND,
                loaded.max_message_rate if loaded else None,
            ),
            max_message_length=self._whole(
                "length",
                "the longest message",
                MAX_MESSAGE_LENGTH,
                loaded.max_message_length if loaded else None,
            ),
            blocked_terms=terms_from(self.query_one("#terms", TextArea).text),
            flood=FloodLimits(
                messages=int(typed),
                seconds=self._duration("seconds", "a flood window", MOST_FLOOD_WINDOW),
                timeout_seconds=self._duration("timeout", "a flood timeout", MOST_FLOOD_TIMEOUT),
            ),
            new_identity_wait_seconds=self._duration(
                "wait", "a wait for new identities", MOST_NEW_IDENTITY_WAIT, allow_zero=True
            ),
        )

    # --- the store ---------------------------------------------------------------------

    @work(group="room_settings", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        try:
            settings = await self.store.room_settings()
        except AppServerError as exc:
            self._status("")
            self._say(f"could not load the settings: {exc.message} (ctrl+r to try again)")
            return
        self.loaded = settings
        terms = self.query_one("#terms", TextArea)
        terms.text = terms_text(settings.blocked_terms)
        terms.move_cursor(terms.document.end)  # ready for the next term
        self.query_one("#messages", Input).value = str(settings.flood.messages)
        self.query_one("#seconds", Input).value = format_duration(settings.flood.seconds)
        self.query_one("#timeout", Input).value = format_duration(settings.flood.timeout_seconds)
        self.query_one("#wait", Input).value = format_duration(settings.new_identity_wait_seconds)
        for field_id, limit in (
            ("rate", settings.max_message_rate),
            ("length", settings.max_message_length),
        ):
            self.query_one(f"#{field_id}", Input).value = "" if limit is None else str(limit)
        self._say("")
        self._count_terms()
        terms.focus()

    @work(group="room_settings", exclusive=True, exit_on_error=False)
    async def _save(self, wanted: RoomSettings) -> None:
        try:
            saved = await self.store.save_room_settings(wanted)
        except AppServerError as exc:
            # Everything typed stays; the server's words say what to fix.
            self.saving = False
            self._status("not saved")
            self._say(exc.message)
            return
        self.dismiss(saved)

    # --- drawing -----------------------------------------------------------------------

    def _say(self, words: str) -> None:
        error = self.query_one("#error", Static)
        error.update(as_content(words))
        error.display = bool(words)

    def _status(self, words: str) -> None:
        self.query_one("#status", Static).update(as_content(words))

    def _count_terms(self) -> None:
        """The count of the terms as typed now, and whether that is what is saved."""
        typed = terms_from(self.query_one("#terms", TextArea).text)
        count = f"{len(typed)} blocked term{'' if len(typed) == 1 else 's'}"
        if self.loaded is not None and typed != self.loaded.blocked_terms:
            count += f" (not saved yet; {len(self.loaded.blocked_terms)} saved)"
        self._status(count)

    @on(TextArea.Changed, "#terms")
    def _terms_edited(self) -> None:
        if self.loaded is not None and not self.saving:
            self._count_terms()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        if self.check_action("save", ()):
            self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _field_entered(self) -> None:
        self.focus_next()

"""The composer: where you type, with the characters left and your history on up/down.

Enter takes the text out of the input at once: keys that arrive in the same burst (over
SSH, a paste without bracketed paste) belong to the next message, and a second Enter
finds nothing to send. A line the room refuses (the rate limit, moderation) is never put
back into the input: the next line may already be on its way there, and the two would be
sent as one. It waits, in the order sent, and the line under the input says how many
wait ("2 not sent: ↑ to recall"); up brings each back whole, the oldest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.action_table import BY_ID, bindings_for
from tui.ivs.events import ChatError
from tui.ivs.protocol import MAX_MESSAGE_LENGTH, ErrorCode, code_points
from tui.terminal.untrusted import as_content, clean
from tui.widgets.line_input import LineInput

HISTORY_SIZE = 100
RECALL_ID = "composer.history_previous"
BLANK_WORDS = "nothing sent: the message is only spaces"
SLASH_WORDS = "not sent: no /commands here (esc, then / searches); // sends a leading /"
"""Short enough for one line at 80 columns: cut, it lost the // hint."""

_SEND_WORDS: dict[int, str] = {
    ErrorCode.TOO_MANY_REQUESTS: "you are sending too fast",
    ErrorCode.NOT_ACCEPTABLE: "blocked by moderation",
    ErrorCode.TOO_LARGE: "too long",
    ErrorCode.FORBIDDEN: "not allowed",
}


_NO_REASON = "message denied by review handler"
"""What a DENY without a `Reason` says (the local stack's words): nothing to add."""
HELD_REASON = "held for review"
"""The review handler's reason for a message it holds for a moderator to decide."""
HELD_WORDS = "held for review: a moderator lets it in or drops it"


def is_held(error: ChatError) -> bool:
    """The room held the message for review: not refused, so not to be sent again (if a
    moderator approves it, it goes into the room as ours, and a second send would post it
    twice)."""
    return error.code == ErrorCode.NOT_ACCEPTABLE and error.message.strip() == HELD_REASON


def send_error_words(error: ChatError) -> str:
    """Why a send failed, as the composer says it; a review's DENY with its reason
    (`banned`, `timed out`, `blocked term`, `flood`, ...)."""
    reason = error.message.strip()
    if error.code == ErrorCode.NOT_ACCEPTABLE and reason and reason != _NO_REASON:
        return f"{_SEND_WORDS[ErrorCode.NOT_ACCEPTABLE]}: {clean(reason[:100])}"
    if error.code is not None and error.code in _SEND_WORDS:
        return _SEND_WORDS[error.code]
    return str(error)


class History:
    """What up and down bring back: first the lines that wait to be sent again (refused
    by the room, oldest first, so they go out in the order typed), then the lines sent
    (newest first). The line being written when up was pressed is kept (down brings it
    back); if a line brought back is edited or sent instead, it waits in its turn."""

    def __init__(self, size: int = HISTORY_SIZE) -> None:
        self._lines: list[str] = []  # sent, newest last
        self.waiting: list[str] = []
        """Lines not sent, oldest first: each comes back whole on up, never joined."""
        self._size = size
        self._at: int | None = None  # index into _entries() while browsing
        self._draft = ""

    def _entries(self) -> list[str]:
        return [*self.waiting, *reversed(self._lines)]

    def add(self, line: str) -> None:
        """`line` was sent."""
        if self._lines and self._lines[-1] == line:
            return
        self._lines.append(line)
        del self._lines[: -self._size]
        if self._at is not None and self._at >= len(self.waiting):
            # Browsing the sent lines: stay on the one shown, now one further up.
            self._at = min(self._at + 1, len(self._entries()) - 1)

    def wait(self, line: str) -> None:
        """`line` was not sent: it waits for up, after those already waiting."""
        if self._at is not None and self._at >= len(self.waiting):
            self._at += 1  # the sent lines shown move one down the list
        self.waiting.append(line)

    def previous(self, current: str) -> str | None:
        entries = self._entries()
        if self._at is None:
            if not entries:
                return None
            self._draft = current
            self._at = 0
        elif self._at + 1 < len(entries):
            self._at += 1
        else:
            return None
        return entries[self._at]

    def next(self) -> str | None:
        if self._at is None:
            return None
        if self._at > 0:
            self._at -= 1
            return self._entries()[self._at]
        self._at = None
        return self._draft

    def settle(self) -> None:
        """The line shown is edited or sent: browsing ends there. A waiting line taken
        this way waits no more; the line that was being written waits in its place."""
        if self._at is None:
            return
        if self._at < len(self.waiting):
            del self.waiting[self._at]
        if self._draft.strip():
            self.waiting.append(self._draft)
        self._at = None
        self._draft = ""


class ComposerInput(LineInput):
    """Over the limit a paste stays, and the counter goes negative, as if typed."""

    BINDINGS = bindings_for("composer")  # tui/action_table.py

    @dataclass
    class Entered(Message):
        """Enter took `text` out of the input, to be sent."""

        text: str

    @dataclass
    class Refused(Message):
        """Enter found nothing that can be sent; `why` says so in words."""

        why: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="Say something…", id=id, select_on_focus=False)
        self.history = History()
        self.limit = MAX_MESSAGE_LENGTH
        """The most characters (code points, as IVS counts them) a message may have."""
        self._showing = False  # up or down is putting a line in: not an edit
        self.leave_to: Callable[[], None] | None = None
        """What escape does (the chat screen's move to the message list). Called at once,
        in the app's loop, as the key is read: its binding has priority, so the keys after
        it in the same read (SSH) go where it moved focus (tui/screens/chat/keys.py)."""

    def action_history_previous(self) -> None:
        line = self.history.previous(self.value)
        if line is not None:
            self._show(line)

    def action_history_next(self) -> None:
        line = self.history.next()
        if line is not None:
            self._show(line)

    def action_leave(self) -> None:
        if self.leave_to is not None:
            self.leave_to()

    async def action_submit(self) -> None:
        text = self.value
        if not text:
            return  # an Enter on an empty composer sends nothing and says nothing
        if not text.strip():
            self.post_message(self.Refused(BLANK_WORDS))
            return
        # "/" is the search key one Esc away, and an Esc that arrives in the same read
        # as the "/" (over SSH) is taken as Alt+/, leaving the "/" here: a search, or a
        # command from another chat's habits, must not go to the whole room. "//" sends
        # a line that starts with "/", as in IRC.
        if text.startswith("/"):
            if not text.startswith("//"):
                self.post_message(self.Refused(SLASH_WORDS))
                return
            text = text[1:]
        over = code_points(text) - self.limit
        if over > 0:
            too_long = f"too long: {over} characters over {self.limit}"
            self.post_message(self.Refused(too_long))
            return
        self.history.settle()  # a waiting line sent waits no more
        self.value = ""
        self.post_message(self.Entered(text))

    def _show(self, line: str) -> None:
        self._showing = True
        try:
            self.value = line
            self.cursor_position = len(line)
        finally:
            self._showing = False

    def watch_value(self, value: str) -> None:
        # As the value changes, not on the Changed message, which arrives behind the
        # rest of a burst: "↑⏎↑⏎" must send the first waiting line, then the second.
        if not self._showing:
            self.history.settle()  # editing a line brought back makes it the draft


class Composer(Widget):
    """Input, characters-left counter, and a line for what went wrong."""

    DEFAULT_CSS = """
    Composer {
        height: auto;
    }
    Composer Horizontal {
        height: auto;
    }
    Composer ComposerInput {
        width: 1fr;
    }
    Composer #composer-left {
        width: 6;
        height: 3;
        content-align: right middle;
        padding-right: 1;
        color: $text-muted;
    }
    Composer #composer-left.-low {
        color: $warning;
    }
    Composer #composer-left.-over {
        color: $error;
        text-style: bold;
    }
    Composer #composer-error {
        height: 1;
        padding: 0 1;
        color: $error;
        display: none;
    }
    Composer #composer-error.-shown {
        display: block;
    }
    Composer #composer-notice {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-style: italic;
        display: none;
    }
    Composer #composer-notice.-shown {
        display: block;
    }
    """

    @dataclass
    class Submitted(Message):
        """Enter took `text` out of the input: the screen sends it."""

        composer: Composer
        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._in_flight = 0  # sends the room has not answered yet
        self._complaint = ""  # why the last Enter or send failed; typing clears it
        self._read_only = False  # sending paused by read_only()

    @property
    def sending(self) -> bool:
        """A send is in flight: the room has neither accepted nor refused it yet."""
        return self._in_flight > 0

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ComposerInput(id="composer-input")
            yield Static(id="composer-left")
        yield Static(id="composer-error")
        yield Static(id="composer-notice")

    @property
    def input(self) -> ComposerInput:
        return self.query_one(ComposerInput)

    @property
    def text(self) -> str:
        return self.input.value

    @property
    def limit(self) -> int:
        """The most characters a message may have (the room's; IVS allows at most 500)."""
        return self.input.limit

    @limit.setter
    def limit(self, limit: int) -> None:
        self.input.limit = limit
        self._show_left()

    @property
    def left(self) -> int:
        """Characters left, in code points as IVS counts them (negative when over)."""
        return self.limit - code_points(self.input.value)

    @property
    def waiting(self) -> list[str]:
        """Lines not sent, oldest first: up brings each back."""
        return self.input.history.waiting

    @property
    def error(self) -> str:
        return str(self.query_one("#composer-error", Static).content)

    @property
    def notice(self) -> str:
        """What is happening to the message being sent (e.g. waiting to reconnect)."""
        return str(self.query_one("#composer-notice", Static).content)

    def focus_input(self) -> None:
        self.input.focus()

    def on_mount(self) -> None:
        self._show_left()

    def _show_left(self) -> None:
        left = self.left
        counter = self.query_one("#composer-left", Static)
        counter.update(str(left))
        counter.set_class(0 <= left < 50, "-low")
        counter.set_class(left < 0, "-over")

    @on(Input.Changed)
    def _count(self, event: Input.Changed) -> None:
        self._show_left()
        self.show_error("")  # typing again clears the complaint (the waiting count stays)

    @on(ComposerInput.Entered)
    def _entered(self, event: ComposerInput.Entered) -> None:
        event.stop()
        self.post_message(self.Submitted(self, event.text))

    @on(ComposerInput.Refused)
    def _refused(self, event: ComposerInput.Refused) -> None:
        event.stop()
        self.show_error(event.why)

    def begin_send(self) -> None:
        self._in_flight += 1
        self.show_error("")

    def pending(self, words: str) -> None:
        """Say what the sends in flight wait for ("" when they wait for nothing)."""
        line = self.query_one("#composer-notice", Static)
        shown = bool(words) and self.sending
        line.update(as_content(words) if shown else "")
        line.set_class(shown, "-shown")

    def sent(self, text: str) -> None:
        """The room confirmed `text`: into the history."""
        self._done()
        self.input.history.add(text)

    def failed(self, text: str, words: str) -> None:
        """The send of `text` failed: say why, and keep the text whole among the lines
        that wait for up ("" for `words`: the composer is done, and says so itself)."""
        self._done()
        if not words:
            return
        self.input.history.wait(text)
        self.show_error(words)

    def held(self, text: str) -> None:
        """The send of `text` was held for review: said, and NOT kept among the lines that
        wait for up (see `is_held`)."""
        self._done()
        self.show_error(HELD_WORDS)

    def _done(self) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if not self.sending:
            self.pending("")

    def show_error(self, words: str) -> None:
        """Say what went wrong ("" when nothing did), after how many lines wait."""
        self._complaint = words
        self._show_status()

    def _show_status(self) -> None:
        # The count and its key first: at 80 columns a long reason may be cut, never
        # the way to get the lines back.
        waiting = len(self.waiting)
        parts = [f"{waiting} not sent: {self._recall_key()} to recall"] if waiting else []
        if self._complaint:
            parts.append(self._complaint)
        words = " · ".join(parts)
        line = self.query_one("#composer-error", Static)
        line.update(as_content(words))  # the server's words may quote what was sent
        line.set_class(bool(words), "-shown")

    def _recall_key(self) -> str:
        keys = self.app._keymap.get(RECALL_ID) or BY_ID[RECALL_ID].keys
        return clean(self.app.get_key_display(Binding(keys.split(",")[0].strip(), "")))

    def read_only(self, words: str) -> None:
        """Sending is paused (a timeout) with `words` saying until when; "" resumes it.
        The input keeps its text either way: nothing typed is lost."""
        if not words and not self._read_only:
            return  # not paused: a pending send's notice and a disabled input stay
        self._read_only = bool(words)
        self.input.disabled = bool(words)
        if not words and self.screen.focused is None:
            # Disabled, the input lost the keys and nothing took them: they come back here.
            self.input.focus()
        line = self.query_one("#composer-notice", Static)
        line.update(as_content(words))
        line.set_class(bool(words), "-shown")

    def disable(self, why: str) -> None:
        self._read_only = False  # for good now
        self.input.disabled = True
        # Input draws its placeholder as plain Text, controls and all: `why` may quote
        # the server's or a moderator's words.
        self.input.placeholder = clean(why)
        self.show_error("")
        self.pending("")

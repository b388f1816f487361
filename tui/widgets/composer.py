"""The composer: where you type, with the characters left and your history on up/down.

Enter takes the text out of the input at once: keys that arrive in the same burst (over
SSH, a paste without bracketed paste) belong to the next message, and a second Enter
finds nothing to send. A failed send puts its text back when the input is empty, else
in the history (up brings it back), with the reason in words underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.actions import bindings_for
from tui.ivs.events import ChatError
from tui.ivs.protocol import MAX_MESSAGE_LENGTH, ErrorCode, code_points
from tui.terminal_output import cursor_should_blink
from tui.widgets.line_input import LineInput
from tui.widgets.untrusted import as_content, clean

HISTORY_SIZE = 100
BLANK_WORDS = "nothing sent: the message is only spaces"
SLASH_WORDS = "not sent: no /commands here (esc, then / searches); // sends a leading /"
"""Short enough for one line at 80 columns: cut, it lost the // hint."""

_SEND_WORDS: dict[int, str] = {
    ErrorCode.TOO_MANY_REQUESTS: "you are sending too fast",
    ErrorCode.NOT_ACCEPTABLE: "blocked by moderation",
    ErrorCode.TOO_LARGE: "too long",
    ErrorCode.FORBIDDEN: "not allowed",
}


def send_error_words(error: ChatError) -> str:
    """Why a send failed, as the composer says it."""
    if error.code is not None and error.code in _SEND_WORDS:
        return _SEND_WORDS[error.code]
    return str(error)


class History:
    """Sent lines, newest last; up/down walk it, keeping the line being written."""

    def __init__(self, size: int = HISTORY_SIZE) -> None:
        self._lines: list[str] = []
        self._size = size
        self._at: int | None = None  # index into _lines while browsing
        self._draft = ""

    def add(self, line: str) -> None:
        if not self._lines or self._lines[-1] != line:
            self._lines.append(line)
            del self._lines[: -self._size]
        self._at = None

    def previous(self, current: str) -> str | None:
        if not self._lines:
            return None
        if self._at is None:
            self._draft = current
            self._at = len(self._lines) - 1
        elif self._at > 0:
            self._at -= 1
        else:
            return None
        return self._lines[self._at]

    def next(self) -> str | None:
        if self._at is None:
            return None
        if self._at < len(self._lines) - 1:
            self._at += 1
            return self._lines[self._at]
        self._at = None
        return self._draft

    def reset(self) -> None:
        self._at = None


class ComposerInput(LineInput):
    """Over the limit a paste stays, and the counter goes negative, as if typed."""

    BINDINGS = bindings_for("composer")  # tui/actions.py

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
        self.cursor_blink = cursor_should_blink()  # solid over SSH: idle writes nothing
        self.history = History()
        self._walking = False
        self.limit = MAX_MESSAGE_LENGTH
        """The room's longest message in code points (`Composer.set_limit`)."""
        self.leave_to: Callable[[], None] | None = None
        """What escape does (the chat screen's move to the message list). Called at once,
        in the app's loop, as the key is read: its binding has priority, so the keys after
        it in the same read (SSH) go where it moved focus (tui/screens/chat.py)."""

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

    async def _on_key(self, event: events.Key) -> None:
        # Textual runs a widget's bindings when its key has bubbled back to the app, by
        # then behind the rest of a burst (over SSH one read holds "first⏎second⏎"): the
        # characters after Enter would join this message. So the send key (as the keymap
        # has it) is handled here, before the next key is read.
        if not event.is_printable:
            active = self.screen.active_bindings.get(event.key)
            if active is not None and active.node is self and active.binding.action == "submit":
                event.stop()
                event.prevent_default()
                await self.action_submit()
                return
        await super()._on_key(event)

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
        self.value = ""
        self.post_message(self.Entered(text))

    def _show(self, line: str) -> None:
        self._walking = True
        self.value = line
        self.cursor_position = len(line)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # Editing a line from history makes it the new draft.
        if self._walking:
            self._walking = False
        else:
            self.history.reset()


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
        self._given_back: str | None = None
        self._read_only = False  # sending paused by read_only()

    @property
    def sending(self) -> bool:
        """A send is in flight: the room has neither accepted nor refused it yet."""
        return self._in_flight > 0

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ComposerInput(id="composer-input")
            yield Static(str(MAX_MESSAGE_LENGTH), id="composer-left")
        yield Static(id="composer-error")
        yield Static(id="composer-notice")

    @property
    def input(self) -> ComposerInput:
        return self.query_one(ComposerInput)

    @property
    def text(self) -> str:
        return self.input.value

    @property
    def left(self) -> int:
        """Characters left, in code points as IVS counts them (negative when over)."""
        return self.input.limit - code_points(self.input.value)

    def set_limit(self, limit: int) -> None:
        """Count against the room's own limit (the chat token's `maxMessageLength`)."""
        if limit != self.input.limit:
            self.input.limit = limit
            self._show_left()

    @property
    def error(self) -> str:
        return str(self.query_one("#composer-error", Static).content)

    @property
    def notice(self) -> str:
        """What is happening to the message being sent (e.g. waiting to reconnect)."""
        return str(self.query_one("#composer-notice", Static).content)

    def focus_input(self) -> None:
        self.input.focus()

    def _show_left(self) -> None:
        left = self.left
        counter = self.query_one("#composer-left", Static)
        counter.update(str(left))
        counter.set_class(0 <= left < 50, "-low")
        counter.set_class(left < 0, "-over")

    @on(Input.Changed)
    def _count(self, event: Input.Changed) -> None:
        self._show_left()
        if self._given_back is not None and event.value == self._given_back:
            self._given_back = None  # a failed send's text, put back: its reason stays
        else:
            self.show_error("")  # typing again clears the complaint

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
        """The send of `text` failed: say why, and give the text back, into the input
        when it is empty, else into the history, so nothing typed is lost."""
        self._done()
        if not words:
            return
        if self.input.value or self.input.disabled:
            self.input.history.add(text)
            words += " (up brings the message back)"
        else:
            self._given_back = text
            self.input.value = text
            self.input.cursor_position = len(text)
        self.show_error(words)

    def _done(self) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if not self.sending:
            self.pending("")

    def show_error(self, words: str) -> None:
        line = self.query_one("#composer-error", Static)
        line.update(as_content(words))  # the server's words may quote what was sent
        line.set_class(bool(words), "-shown")

    def read_only(self, words: str) -> None:
        """Sending is paused (a timeout) with `words` saying until when; "" resumes it.
        The input keeps its text either way: nothing typed is lost."""
        if not words and not self._read_only:
            return  # not paused: a pending send's notice and a disabled input stay
        self._read_only = bool(words)
        self.input.disabled = bool(words)
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

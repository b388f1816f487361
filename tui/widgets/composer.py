"""The composer: where you type, with the characters left and your history on up/down.

What you typed stays until the room confirms the message; a failed send leaves it in
place with the reason in words underneath.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.ivs.events import ChatError
from tui.ivs.protocol import MAX_MESSAGE_LENGTH, ErrorCode, code_points
from tui.widgets.line_input import LineInput
from tui.widgets.untrusted import as_content, clean

HISTORY_SIZE = 100

_SEND_WORDS: dict[int, str] = {
    ErrorCode.TOO_MANY_REQUESTS: "you are sending too fast",
    ErrorCode.NOT_ACCEPTABLE: "blocked by moderation",
    ErrorCode.TOO_LARGE: "too long",
    ErrorCode.BAD_REQUEST: "too long",
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

    BINDINGS = [
        Binding("enter", "submit", "Send", id="composer.send"),
        Binding("up", "history_previous", "History", show=False, id="composer.history_previous"),
        Binding("down", "history_next", "History", show=False, id="composer.history_next"),
        Binding("escape", "leave", "Messages", id="composer.focus_messages"),
    ]

    @dataclass
    class Leave(Message):
        """Escape: the user wants the message list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="Say something…", id=id, select_on_focus=False)
        self.history = History()
        self._walking = False

    def action_history_previous(self) -> None:
        line = self.history.previous(self.value)
        if line is not None:
            self._show(line)

    def action_history_next(self) -> None:
        line = self.history.next()
        if line is not None:
            self._show(line)

    def action_leave(self) -> None:
        self.post_message(self.Leave())

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
        """Enter with something to send."""

        composer: Composer
        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sending = False

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
        return MAX_MESSAGE_LENGTH - code_points(self.input.value)

    @property
    def error(self) -> str:
        return str(self.query_one("#composer-error", Static).content)

    @property
    def notice(self) -> str:
        """What is happening to the message being sent (e.g. waiting to reconnect)."""
        return str(self.query_one("#composer-notice", Static).content)

    def focus_input(self) -> None:
        self.input.focus()

    @on(Input.Changed)
    def _count(self, event: Input.Changed) -> None:
        left = self.left
        counter = self.query_one("#composer-left", Static)
        counter.update(str(left))
        counter.set_class(0 <= left < 50, "-low")
        counter.set_class(left < 0, "-over")
        if not self.sending:
            self.show_error("")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if self.sending or not text.strip():
            return
        if self.left < 0:
            self.show_error(f"too long: {-self.left} characters over {MAX_MESSAGE_LENGTH}")
            return
        self.post_message(self.Submitted(self, text))

    def begin_send(self) -> None:
        self.sending = True
        self.show_error("")

    def pending(self, words: str) -> None:
        """Say what the send in flight waits for ("" when it waits for nothing); the text
        stays, and Enter sends nothing more, until the room accepts or refuses it."""
        line = self.query_one("#composer-notice", Static)
        shown = bool(words) and self.sending
        line.update(as_content(words) if shown else "")
        line.set_class(shown, "-shown")

    def sent(self, text: str) -> None:
        """The room confirmed `text`: into the history, out of the input."""
        self.sending = False
        self.pending("")
        self.input.history.add(text)
        if self.input.value == text:
            self.input.value = ""
        self.show_error("")

    def failed(self, words: str) -> None:
        """The send failed: keep what was typed, say why."""
        self.sending = False
        self.pending("")
        self.show_error(words)

    def show_error(self, words: str) -> None:
        line = self.query_one("#composer-error", Static)
        line.update(as_content(words))  # the server's words may quote what was sent
        line.set_class(bool(words), "-shown")

    def disable(self, why: str) -> None:
        self.input.disabled = True
        # Input draws its placeholder as plain Text, controls and all: `why` may quote
        # the server's or a moderator's words.
        self.input.placeholder = clean(why)
        self.show_error("")
        self.pending("")

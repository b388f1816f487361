"""Pick a timeout for someone: a preset (keys 1-9, the config's `timeout_presets`) or a
typed duration, a reason (keys a-z pick the config's `reasons`, or type one), and
whether their last 10 minutes of messages go too (off by default).

The user is disconnected and may rejoin read-only until it ends. The
screen only chooses; the caller asks the server and, if it refuses, opens the picker
again with `initial` (what was chosen) and `error` (the server's words), so nothing typed
is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.common.timing.durations import DAY, DurationError, format_duration, parse_duration
from tui.config.presets import PRESET_KEYS, ModerationPresets
from tui.ivs.protocol import REASON_MAX_LENGTH
from tui.screens.dialogs.dialog import ConfirmDialog
from tui.screens.dialogs.presets import PURGE_SECONDS, ReasonList, purge_checkbox, reason_bindings
from tui.terminal.key_bursts import BURST_GAP_S, continues
from tui.terminal.untrusted import as_content, content_from
from tui.widgets.line_input import LineInput

PRESETS: tuple[tuple[int, str], ...] = ModerationPresets().timeouts()
"""(seconds, words) of the default presets; the config's `[moderation]` may set others."""
MAX_TIMEOUT_SECONDS = 14 * DAY
"""The app server's longest timeout (tui/server/moderation/policy.py); checked here too
so that a typo such as 30d is said at once, beside the field."""


@dataclass(frozen=True, slots=True)
class TimeoutChoice:
    seconds: int
    reason: str = ""
    purge: bool = False
    """Also delete their messages of the last PURGE_SECONDS, for everyone."""

    @property
    def purge_seconds(self) -> int | None:
        """The action's `purgeSeconds`, or None for no purge."""
        return PURGE_SECONDS if self.purge else None


class TimeoutPicker(ConfirmDialog[TimeoutChoice | None]):
    DEFAULT_CSS = """
    TimeoutPicker > #dialog {
        width: 60;
        max-height: 100%;
        padding: 0 1;
        overflow-y: auto;  /* a long error on a short terminal scrolls, never clips */
    }
    TimeoutPicker #about {
        margin: 1 0;
    }
    TimeoutPicker OptionList, TimeoutPicker OptionList:focus {
        height: auto;
        border: none;
        padding: 0;
        background: $surface;
    }
    TimeoutPicker #presets {
        margin-bottom: 1;
    }
    TimeoutPicker #reasons {
        max-height: 6;
    }
    TimeoutPicker Checkbox {
        border: none;
        padding: 0;
        background: $surface;
    }
    TimeoutPicker Input {
        border-title-color: $text-muted;
    }
    TimeoutPicker #error {
        color: $text-error;
        height: auto;
    }
    TimeoutPicker #buttons {
        height: auto;
        align-horizontal: right;
    }
    TimeoutPicker Button {
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="timeout_picker.cancel"),
        Binding("ctrl+s", "confirm", "Time out", id="timeout_picker.confirm"),
        Binding("ctrl+r", "toggle_purge", "Purge", id="timeout_picker.toggle_purge"),
        *(
            Binding(key, f"preset({n})", f"preset {n}", show=False, id=f"timeout_picker.preset_{n}")
            for n, key in enumerate(PRESET_KEYS, 1)
        ),
        *reason_bindings("timeout_picker"),
    ]

    _digit: events.Key | None = None
    """A preset's key, until the next key says whether it came alone."""
    _digit_queued = False
    _digit_number = 0
    _digit_chose = False
    _skip_preset = False

    def __init__(
        self,
        target_name: str,
        *,
        initial: TimeoutChoice | None = None,
        error: str = "",
        about: str = "",
        arming: float = 0.0,
        presets: tuple[tuple[int, str], ...] = PRESETS,
        reasons: tuple[str, ...] = (),
    ) -> None:
        """`about`: the message the timeout is for, as its first words (none from a card).
        `presets`: (seconds, words), keys 1-9 in order; `reasons`: keys a-z in order."""
        super().__init__(arming=arming)
        self.presets = presets[: len(PRESET_KEYS)]
        self.reasons = ReasonList.fit(reasons)
        self.target_name = target_name
        self.about = about
        self.initial = initial
        self.error = error

    def compose(self) -> ComposeResult:
        last = PRESET_KEYS[len(self.presets) - 1]
        keys = f"1-{last} preset · " + ("a-z reason · " if self.reasons else "") + "^r purge"
        # With reasons, the line is full: the Cancel button says what esc would.
        keys += " · ctrl+s time out" + ("" if self.reasons else " · esc cancel")
        with self.frame("Time out", keys):
            yield Static(
                content_from(
                    "[b]$name[/b]$about is disconnected and can rejoin to read, "
                    "but not send until the timeout ends.",
                    name=self.target_name,
                    about=f" ({self.about})" if self.about else "",
                ),
                id="about",
            )
            yield OptionList(
                *(
                    Option(Content.from_markup(f"[b]{n}[/b]  {label}"), id=f"preset-{n}")
                    for n, (_, label) in enumerate(self.presets, 1)
                ),
                id="presets",
            )
            duration = LineInput(
                value=format_duration(self.initial.seconds) if self.initial else "",
                placeholder="or type one: 90s, 15m, 2h, 3d",
                max_length=40,
                id="duration",
            )
            duration.border_title = "Duration"
            yield duration
            if self.reasons:
                yield ReasonList(self.reasons)
            reason = LineInput(
                value=self.initial.reason if self.initial else "",
                placeholder="optional; enter times out",
                max_length=REASON_MAX_LENGTH,
                id="reason",
            )
            reason.border_title = "Reason"
            yield reason
            yield purge_checkbox(self.initial.purge if self.initial else False)
            yield Static(as_content(self.error), id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Time out", variant="error", id="confirm")

    def on_mount(self) -> None:
        self.query_one("#error").display = bool(self.error)
        self.query_one("#presets" if self.initial is None else "#reason").focus()

    def _say(self, error: str) -> None:
        shown = self.query_one("#error", Static)
        shown.update(as_content(error))
        shown.display = bool(error)

    def accepts(self, event: events.Key) -> bool:
        """Every key the app reads for this dialog, in order, before it is routed (a
        preset's binding runs after the keys read with it). A digit 1-4 that arrived
        together with printable keys after it starts a typed duration ("15m" typed at
        once, as over SSH), not a preset: otherwise "15m" was the 1 min preset, the rest
        lost."""
        if not super().accepts(event):
            return False
        digit, self._digit = self._digit, None
        gap = None if self.app.is_headless else BURST_GAP_S
        if (
            digit is not None
            and event.is_printable
            and (self._digit_queued or continues(digit, event, gap))
        ):
            self._typed_not_preset(digit)
        elif event.character in self._preset_keys() and not isinstance(self.focused, Input):
            self._digit = event  # a preset, unless keys read with it follow
            self._digit_chose = False
            self._digit_number += 1
            self._digit_queued = True
            # Queued behind the keys already read: until it runs, a key is from that read.
            self.app.call_later(self._digit_read, self._digit_number)
        return True

    def _preset_keys(self) -> tuple[str, ...]:
        return tuple(PRESET_KEYS[: len(self.presets)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "preset":
            number = parameters[0] if parameters else 0
            return isinstance(number, int) and 1 <= number <= len(self.presets)
        if action == "reason":
            return ReasonList.applies(self, parameters)
        return super().check_action(action, parameters)

    def _digit_read(self, number: int) -> None:
        if number == self._digit_number:
            self._digit_queued = False

    def _typed_not_preset(self, first: events.Key) -> None:
        """`first` is the first character of a typed duration: its preset is taken back (or
        never chosen), and the keys that came with it are typed after it."""
        self._skip_preset = not self._digit_chose
        duration = self.query_one("#duration", Input)
        duration.select_on_focus = False  # selected, the digit would be typed over
        duration.value = first.character or ""
        duration.cursor_position = len(duration.value)
        self.query_one("#presets", OptionList).highlighted = None
        self.set_focus(duration)

    def action_preset(self, number: int) -> None:
        """Fill in preset `number` (1-9) and go on to the reason (its list, if any)."""
        if self._skip_preset:  # its key began a typed duration
            self._skip_preset = False
            return
        self._digit_chose = True
        if not 1 <= number <= len(self.presets):
            return
        seconds, _ = self.presets[number - 1]
        self.query_one("#duration", Input).value = format_duration(seconds)
        self.query_one("#presets", OptionList).highlighted = number - 1
        self._say("")
        self.set_focus(self.query_one("#reasons" if self.reasons else "#reason"))

    def action_reason(self, number: int) -> None:
        """Fill in reason `number` (1 for key a) and go on to the reason box."""
        ReasonList.choose(self, number)

    def action_toggle_purge(self) -> None:
        self.query_one("#purge", Checkbox).toggle()

    def chosen(self) -> TimeoutChoice:
        """What the fields say; raises DurationError in the user's words."""
        typed = self.query_one("#duration", Input).value
        seconds = parse_duration(typed, what="a timeout")
        if seconds > MAX_TIMEOUT_SECONDS:
            raise DurationError(
                f"a timeout lasts at most 14 days ({format_duration(MAX_TIMEOUT_SECONDS)}); "
                "for longer, ban"
            )
        return TimeoutChoice(
            seconds,
            self.query_one("#reason", Input).value.strip(),
            self.query_one("#purge", Checkbox).value,
        )

    def action_confirm(self) -> None:
        try:
            choice = self.chosen()
        except DurationError as exc:
            self._say(str(exc))
            self.query_one("#duration").focus()
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#presets")
    def _preset_chosen(self, event: OptionList.OptionSelected) -> None:
        self.action_preset(event.option_index + 1)

    @on(Input.Submitted, "#duration")
    def _duration_entered(self) -> None:
        try:
            self.chosen()
        except DurationError as exc:
            self._say(str(exc))
            return
        self._say("")
        self.query_one("#reason").focus()

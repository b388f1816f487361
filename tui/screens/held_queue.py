"""The held-for-review queue: messages the review handler held (a hold term, or a new
identity while shield mode is on), for a moderator to approve or deny.

A thin view over `HeldDesk` (tui/client/moderation_api.py's `ModerationClient` is
one). Each message shows its time, sender, why it was held and how long it has left,
then its words with the matched hold term highlighted (tui/chat/raid/held.py). `a` approves
the selected message (it goes into the room as its sender's), `x` denies it (it is
dropped); the keys are the action table's (`held_queue.*`). The queue is read again
after each decision and whenever the chat screen hears that it changed
(`queue_changed`), so a message another moderator decided, or one that expired, goes.

Names and words are other people's text: cleaned, and never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.action_table import bindings_for
from tui.chat.raid.held import HeldEntry, minutes_left, term_spans
from tui.common.timing.clock import utc_now
from tui.error_words import error_words
from tui.terminal.untrusted import as_content, clean, content_from

OUTCOME_SHOWN = timedelta(seconds=8)
"""How long a decision's outcome stays on the status line."""
TERM_STYLE = "bold reverse"
"""How the matched term stands out: by more than colour."""


class HeldDesk(Protocol):
    """What the screen asks of the app server (ModerationClient is one)."""

    async def held_messages(self) -> Sequence[HeldEntry]: ...
    async def approve_held(self, held_id: str) -> object: ...
    async def deny_held(self, held_id: str) -> object: ...


def held_words(entry: HeldEntry, *, tz: tzinfo | None, now: datetime) -> Content:
    """One held message as the list shows it: a head line, then its words indented,
    the matched term highlighted."""
    left = minutes_left(getattr(entry, "expires_at", None), now)
    head = content_from(
        "$time [b]$name[/b] · $reason$left",
        time=f"{entry.at.astimezone(tz):%H:%M}",
        name=entry.sender.display_name,
        reason=entry.reason,
        left="" if left is None else f" · {left} min left",
    )
    words = clean(entry.content)
    body = Content(words)
    for start, end in term_spans(words, entry.term):
        body = body.stylize(TERM_STYLE, start, end)
    return Content("\n").join([head, Content("  ") + body])


class HeldQueueScreen(Screen[None]):
    DEFAULT_CSS = """
    HeldQueueScreen #title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    HeldQueueScreen #held {
        height: 1fr;
        border: none;
    }
    HeldQueueScreen #held > .option-list--option {
        padding: 0 1;
    }
    HeldQueueScreen #status {
        height: auto;
        max-height: 2;
        padding: 0 1;
        color: $text-muted;
    }
    HeldQueueScreen #status.-error {
        color: $text-error;
    }
    """

    BINDINGS = bindings_for("held_queue")  # tui/action_table.py

    selectable: var[bool] = var(False, init=False, bindings=True)
    """A message is selected (what `a` and `x` need): a change redraws the keys."""

    HELP = """\
**Held for review**\\
`a` approve: it goes into the room as its sender's\\
`x` deny: it is dropped\\
`ctrl+r` read the queue again · `esc` back to the chat
"""

    def __init__(
        self,
        desk: HeldDesk,
        *,
        tz: tzinfo | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.tz = tz
        self.clock = clock
        self.held: list[HeldEntry] = []
        self.loaded = False
        self.status_words = ""
        self._outcome_until: datetime | None = None
        """Until then the status line keeps a decision's outcome: during a raid the queue
        is read again every second, and its hint would wipe an error before it is read."""

    def compose(self) -> ComposeResult:
        yield Static("Held for review", id="title")
        yield OptionList(id="held")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#held").focus()
        self.action_refresh_queue()

    # --- what the chat screen calls ----------------------------------------------------

    def queue_changed(self) -> None:
        """The queue changed on the server (the moderators' news said so): read it again."""
        self._load()

    # --- actions -----------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh_queue(self) -> None:
        if not self.loaded:
            self._status("loading…")
        self._load()

    def action_approve(self) -> None:
        if (entry := self.selected) is not None:
            self._decide(entry, approve=True)

    def action_deny(self) -> None:
        if (entry := self.selected) is not None:
            self._decide(entry, approve=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "deny"):
            return self.selectable or None
        return True

    @property
    def selected(self) -> HeldEntry | None:
        index = self.query_one("#held", OptionList).highlighted
        if index is None or not 0 <= index < len(self.held):
            return None
        return self.held[index]

    # --- loading and drawing -----------------------------------------------------------

    @work(group="held_queue", exclusive=True, exit_on_error=False)
    async def _load(self, keep_status: bool = False) -> None:
        """Read the queue; `keep_status`: what the status line says stays (a decision's
        outcome)."""
        try:
            held = list(await self.desk.held_messages())
        except Exception as exc:
            # What is shown stays: a failed refresh loses nothing.
            self._status(f"could not read the queue: {error_words(exc)} (ctrl+r: again)", True)
            return
        # Oldest first, as the server answers; sorted by time all the same (a stable
        # sort: messages held within one tick of its clock keep the server's order).
        self.held = sorted(held, key=lambda entry: entry.at)
        self.loaded = True
        self._fill(keep_status)

    @work(group="held_queue_decide", exit_on_error=False)
    async def _decide(self, entry: HeldEntry, *, approve: bool) -> None:
        name = entry.sender.display_name
        try:
            if approve:
                await self.desk.approve_held(entry.id)
            else:
                await self.desk.deny_held(entry.id)
        except Exception as exc:
            verb = "approve" if approve else "deny"
            self._outcome(f"could not {verb} {name}'s message: {error_words(exc)}", True)
        else:
            self._drop(entry.id)
            done = "approved: it is in the room as theirs" if approve else "denied: dropped"
            self._outcome(f"{name}'s message {done}")
        # The queue as it is now (another moderator may have decided too).
        self._load(keep_status=True)

    def _drop(self, held_id: str) -> None:
        self.held = [entry for entry in self.held if entry.id != held_id]
        self._fill(keep_status=True)

    def _fill(self, keep_status: bool = False) -> None:
        shown = self.query_one("#held", OptionList)
        chosen = self.selected
        index = shown.highlighted
        now = self.clock()
        shown.clear_options()
        shown.add_options(
            Option(held_words(entry, tz=self.tz, now=now), id=entry.id) for entry in self.held
        )
        if self.held:
            ids = [entry.id for entry in self.held]
            at = ids.index(chosen.id) if chosen is not None and chosen.id in ids else index or 0
            shown.highlighted = min(at, len(self.held) - 1)
        count = len(self.held)
        self.query_one("#title", Static).update(
            f"Held for review · {count} message{'' if count == 1 else 's'}"
        )
        self.selectable = self.selected is not None
        if self._outcome_until is not None and now < self._outcome_until:
            keep_status = True
        if not keep_status:
            approve, deny = self._key_of("approve", "a"), self._key_of("deny", "x")
            self._status(f"{approve} approves · {deny} denies" if self.held else "nothing is held")

    def _key_of(self, action: str, default: str) -> str:
        """The key bound to `action` here, as the footer shows it (a keymap may move it)."""
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return default

    def _outcome(self, words: str, error: bool = False) -> None:
        """A decision's outcome: it stays a while, whatever reading the queue again says."""
        self._outcome_until = self.clock() + OUTCOME_SHOWN
        self._status(words, error)

    def _status(self, words: str, error: bool = False) -> None:
        self.status_words = clean(words)
        status = self.query_one("#status", Static)
        status.update(as_content(self.status_words))
        status.set_class(error, "-error")

    @on(OptionList.OptionHighlighted, "#held")
    def _highlighted(self) -> None:
        self.selectable = self.selected is not None


__all__ = ["HeldDesk", "HeldQueueScreen", "held_words"]

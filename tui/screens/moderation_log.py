"""The moderation log: who did what to whom, when, for how long and why,
newest first, manual or automatic.

A thin view over `LogSource.moderation_log`. Typing in the filter narrows the records
shown to a name (of the actor or the target); `u` asks the server for everything about
the selected record's target, `a` for everyone again, `r` refreshes; `n` lifts the
selected record's ban (a banned user has no live message to act on from the chat); `h`
hides the room keeper's automatic records, so the few manual actions are not buried
among its deletions. Names and reasons are other people's text: drawn as literal text,
never markup. A row is as tall as its longest cell: at 80 columns a long name or reason
wraps in its column rather than being cut.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.chat.moderation_state import DONE_WORDS
from tui.client.app_server import AppServerError
from tui.client.moderation_api import DEFAULT_LOG_LIMIT, ModerationRecord, Party
from tui.common.timing.durations import describe_duration
from tui.terminal.untrusted import as_content, clean, content_from
from tui.widgets.line_input import LineInput


class LogSource(Protocol):
    """What the screen asks for (tui.client.moderation_api.ModerationClient is one)."""

    async def moderation_log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]: ...


class Unbanner(Protocol):
    """How the screen lifts a ban (tui.client.moderation_api.ModerationClient is one)."""

    async def act(self, action: str, user_id: str) -> ModerationRecord: ...


# (label, width): the reason takes what is left of the width; a cell wraps, never cuts.
# Whether a record was automatic is its actor (the room keeper) and the line under the
# table; `h` hides those records.
_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Time", 11),
    ("By", 12),
    ("Action", 9),
    ("Target", 12),
    ("For", 7),
)
REASON_MIN_WIDTH = 12


def duration_text(record: ModerationRecord) -> str:
    if record.duration_seconds:
        return describe_duration(record.duration_seconds)
    return "forever" if record.action == "ban" else ""


def action_text(record: ModerationRecord) -> str:
    """The action as the table says it: a ban says whether it took the addresses too."""
    if record.action == "ban" and record.ban_address:
        return "ban +address"
    return record.action


def address_words(record: ModerationRecord) -> str:
    """For a ban, whether the addresses the user was seen from were banned too."""
    if record.action != "ban":
        return ""
    return ", their addresses too" if record.ban_address else ", not their addresses"


def matches(record: ModerationRecord, typed: str) -> bool:
    """Whether the actor's or the target's name holds `typed` (case folded)."""
    wanted = typed.strip().casefold()
    return not wanted or any(
        wanted in party.display_name.casefold() for party in (record.actor, record.target)
    )


class RecordTable(DataTable[Text]):
    """One record per row; home and end go to the newest and the oldest record (the
    table's own keys would move between columns, and rows are what matter here)."""

    BINDINGS = [
        Binding("home", "scroll_top", "Newest", show=False, id="moderation_log.newest"),
        Binding("end", "scroll_bottom", "Oldest", show=False, id="moderation_log.oldest"),
    ]


class ModerationLogScreen(Screen[None]):
    DEFAULT_CSS = """
    ModerationLogScreen #title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    ModerationLogScreen #filter {
        border-title-color: $text-muted;
    }
    ModerationLogScreen DataTable {
        height: 1fr;
    }
    ModerationLogScreen #detail {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
    }
    ModerationLogScreen #status {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    ModerationLogScreen #status.-error {
        color: $text-error;
    }
    """

    offered: var[tuple[bool, ...]] = var((), init=False, bindings=True)
    """`_offers()` when the log or its selection last changed: a change redraws the keys."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="moderation_log.close"),
        Binding("ctrl+r,f5", "refresh_log", "Refresh", id="moderation_log.refresh"),
        Binding("slash", "focus_filter", "Find", id="moderation_log.filter"),
        # Short words: at 80 columns every key of a user's log fits the footer.
        Binding("u", "by_target", "User", id="moderation_log.by_target"),
        Binding("a", "everyone", "All", id="moderation_log.everyone"),
        Binding("n", "unban", "Unban", id="moderation_log.unban"),
        # One key, two words in the footer: the one that says what it will do now.
        Binding("h", "hide_automatic(True)", "Hide auto", id="moderation_log.hide_automatic"),
        Binding("h", "hide_automatic(False)", "Show auto", id="moderation_log.hide_automatic"),
    ]

    HELP = """\
**Moderation log**\\
`/` filter by name · `u` their log · `a` everyone\\
`h` manual only: hide the room keeper's automatic records (again: show them)\\
`n` unban the selected ban · `ctrl+r` refresh · `esc` close
"""

    def __init__(
        self,
        source: LogSource,
        *,
        user: Party | None = None,
        tz: tzinfo | None = None,
        limit: int = DEFAULT_LOG_LIMIT,
        unbanner: Unbanner | None = None,
    ) -> None:
        """`user`: start with that user's records only (e.g. from a message's sender);
        `unbanner`: offer `n` to lift the selected ban."""
        super().__init__()
        self.source = source
        self.unbanner = unbanner
        self.user = user
        self.tz = tz
        self.limit = limit
        self.records: list[ModerationRecord] = []
        self.loaded = False
        self.hide_automatic = False
        """`h`: the room keeper's automatic records are not shown."""
        self._reason_width = 0
        self.status_words = ""
        """What the status line under the table says."""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        field = LineInput(placeholder="type a name to narrow the list", id="filter")
        field.border_title = "Filter"
        yield field
        yield RecordTable(cursor_type="row", zebra_stripes=True, id="records")
        yield Static(id="detail")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_title()
        self.query_one(DataTable).focus()
        self.action_refresh_log()

    # --- actions -----------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#filter").focus()

    def action_refresh_log(self) -> None:
        self._status("loading…")
        self._load(self.user)

    def action_by_target(self) -> None:
        record = self.selected
        if record is None:
            return
        self.user = record.target
        self.query_one("#filter", Input).value = ""
        self._show_title()
        self.action_refresh_log()

    def action_hide_automatic(self, hide: bool) -> None:
        self.hide_automatic = hide
        if self.loaded:
            self._fill()

    def action_everyone(self) -> None:
        self.user = None
        self._show_title()
        self.action_refresh_log()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "by_target":
            return self.selected is not None or None
        if action == "everyone":
            return self.user is not None  # everyone's is what shows: not offered
        if action == "hide_automatic":
            return bool(parameters) and parameters[0] != self.hide_automatic
        if action == "unban":
            if self.unbanner is None:
                return False  # not offered here at all
            return self._ban_selected() is not None or None
        return True

    def _offers(self) -> tuple[bool, ...]:
        """What `check_action` answers from: a record selected, one user's log, the
        automatic hidden, a ban selected."""
        selected = self.selected is not None
        return (
            selected,
            self.user is not None,
            self.hide_automatic,
            self._ban_selected() is not None,
        )

    def _ban_selected(self) -> Party | None:
        """Whom `n` would unban: the selected record's target, if it is a ban."""
        record = self.selected
        if self.unbanner is None or record is None or record.action != "ban":
            return None
        return record.target

    def action_unban(self) -> None:
        if (target := self._ban_selected()) is not None:
            self._unban(target)

    # --- loading and drawing -----------------------------------------------------------

    @work(group="moderation_log", exclusive=True, exit_on_error=False)
    async def _load(self, user: Party | None) -> None:
        try:
            records = await self.source.moderation_log(
                user.user_id if user else None, limit=self.limit
            )
        except AppServerError as exc:
            # The records already shown stay: a failed refresh loses nothing.
            self._status(f"could not load the log: {exc.message} (ctrl+r to try again)", True)
            return
        self.records = records
        self.loaded = True
        self._fill()

    @work(group="moderation_log_unban", exit_on_error=False)
    async def _unban(self, target: Party) -> None:
        assert self.unbanner is not None
        try:
            await self.unbanner.act("unban", target.user_id)
        except AppServerError as exc:
            self._status(f"could not unban {target.display_name}: {exc.message}", True)
            return
        self._status(f"unbanned {target.display_name}")
        self._load(self.user)  # the unban is in the log now

    @property
    def shown(self) -> list[ModerationRecord]:
        typed = self.query_one("#filter", Input).value
        return [
            r
            for r in self.records
            if matches(r, typed) and not (self.hide_automatic and r.automatic)
        ]

    @property
    def selected(self) -> ModerationRecord | None:
        table = self.query_one(DataTable)
        shown = self.shown
        if not shown or not 0 <= table.cursor_row < len(shown):
            return None
        return shown[table.cursor_row]

    def _columns_width(self) -> int:
        """The reason column's width: what the other columns leave of the table's."""
        table = self.query_one(DataTable)
        width = table.size.width or self.size.width
        padding = 2 * table.cell_padding
        fixed = sum(w + padding for _, w in _COLUMNS) + padding
        # Room for the vertical scrollbar, which a long log shows.
        return max(REASON_MIN_WIDTH, width - fixed - table.styles.scrollbar_size_vertical)

    def on_resize(self) -> None:
        if self.loaded and self._columns_width() != self._reason_width:
            self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        # The columns are laid out anew with the rows: the reason's width follows the
        # terminal's, and each row's height follows its cells.
        table.clear(columns=True)
        self._reason_width = self._columns_width()
        for label, width in (*_COLUMNS, ("Reason", self._reason_width)):
            table.add_column(label, width=width, key=label.lower())
        shown = self.shown
        for record in shown:
            table.add_row(*self._cells(record), key=str(record.id), height=None)
        if shown:
            table.move_cursor(row=min(max(row, 0), len(shown) - 1))
        hidden = sum(r.automatic for r in self.records) if self.hide_automatic else 0
        if not self.records:
            self._status("nothing in the log yet" if self.user is None else "nothing about them")
        elif not shown:
            matched = "no manual record" if hidden == len(self.records) else "no name matches"
            self._status(f"{matched}; {len(self.records)} records loaded")
        else:
            count = (
                f"{len(shown)} of {len(self.records)}"
                if len(shown) < len(self.records)
                else len(shown)
            )
            self._status(f"{count} record{'' if count == 1 else 's'}, newest first")
        if hidden:
            key = self._key_of("hide_automatic(False)", "h")
            self._status(f"{self.status_words}; {hidden} automatic hidden ({key} shows them)")
        self._show_detail()
        self.offered = self._offers()

    def _key_of(self, action: str, default: str) -> str:
        """The key bound to `action` here, as the footer shows it (a keymap may move it)."""
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return default

    def _cells(self, record: ModerationRecord) -> list[Text]:
        # rich Text, not Content: the table wraps Text in its column (a row as tall as
        # it needs), and Text() never parses markup.
        at = record.at.astimezone(self.tz)
        return [
            Text(at.strftime("%m-%d %H:%M")),
            Text(clean(record.actor.display_name)),
            Text(clean(action_text(record))),
            Text(clean(record.target.display_name)),
            Text(duration_text(record)),
            Text(clean(record.reason or "")),
        ]

    def _show_title(self) -> None:
        title = self.query_one("#title", Static)
        if self.user is None:
            title.update("Moderation log · everyone")
        else:
            title.update(
                content_from(
                    "Moderation log · $name ($id)",
                    name=self.user.display_name,
                    id=self.user.user_id,
                )
            )

    def _show_detail(self) -> None:
        record = self.selected
        detail = self.query_one("#detail", Static)
        if record is None:
            detail.update("")
            return
        at = record.at.astimezone(self.tz)
        length = duration_text(record)
        detail.update(
            content_from(
                "$when: [b]$actor[/b] $done [b]$target[/b]$length$addresses ($how)$reason",
                when=at.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
                actor=record.actor.display_name,
                done=DONE_WORDS.get(record.action, record.action),
                target=record.target.display_name,
                length=f" for {length}" if length and length != "forever" else "",
                addresses=address_words(record),
                how="automatic" if record.automatic else "manual",
                reason=f". Reason: {record.reason}" if record.reason else "",
            )
        )

    def _status(self, words: str, error: bool = False) -> None:
        self.status_words = clean(words)
        status = self.query_one("#status", Static)
        status.update(as_content(self.status_words))
        status.set_class(error, "-error")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()
        self.offered = self._offers()

    @on(Input.Changed, "#filter")
    def _typed(self) -> None:
        if self.loaded:
            self._fill()

    @on(Input.Submitted, "#filter")
    def _filter_entered(self) -> None:
        self.query_one(DataTable).focus()

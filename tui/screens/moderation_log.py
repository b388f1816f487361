"""The moderation log (issue 10 §6): who did what to whom, when, for how long and why,
newest first, manual or automatic.

A thin view over `LogSource.moderation_log`. Typing in the filter narrows the records
shown to a name (of the actor or the target); `u` asks the server for everything about
the selected record's target, `a` for everyone again, `r` refreshes; `n` lifts the
selected record's ban (a banned user has no live message to act on from the chat). Names
and reasons are other people's text: drawn as literal Content, never markup.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.durations import describe_duration
from tui.moderation_api import DEFAULT_LOG_LIMIT, ModerationRecord, Party
from tui.server.client import AppServerError
from tui.widgets.line_input import LineInput
from tui.widgets.untrusted import as_content, clean, content_from


class LogSource(Protocol):
    """What the screen asks for (tui.moderation_api.ModerationClient is one)."""

    async def moderation_log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]: ...


class Unbanner(Protocol):
    """How the screen lifts a ban (tui.moderation_api.ModerationClient is one)."""

    async def act(self, action: str, user_id: str) -> ModerationRecord: ...


# What each action is called in a sentence ("Mia banned Bob"); unknown ones stay as sent.
DONE_WORDS: dict[str, str] = {
    "ban": "banned",
    "unban": "unbanned",
    "timeout": "timed out",
    "untimeout": "ended the timeout of",
    "mod": "made a moderator:",
    "unmod": "removed as moderator:",
    "delete": "deleted a message of",
    "disconnect": "disconnected",
}

# (label, width): the reason takes what is left; the line under the table shows it whole.
_COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("Time", 11),
    ("By", 10),
    ("Action", 9),
    ("Target", 10),
    ("For", 7),
    ("How", 6),
    ("Reason", None),
)


def duration_text(record: ModerationRecord) -> str:
    if record.duration_seconds:
        return describe_duration(record.duration_seconds)
    return "forever" if record.action == "ban" else ""


def matches(record: ModerationRecord, typed: str) -> bool:
    """Whether the actor's or the target's name holds `typed` (case folded)."""
    wanted = typed.strip().casefold()
    return not wanted or any(
        wanted in party.display_name.casefold() for party in (record.actor, record.target)
    )


class RecordTable(DataTable[Content]):
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

    BINDINGS = [
        Binding("escape", "close", "Close", id="moderation_log.close"),
        Binding("ctrl+r,f5", "refresh_log", "Refresh", id="moderation_log.refresh"),
        Binding("slash", "focus_filter", "Filter", id="moderation_log.filter"),
        Binding("u", "by_target", "Their log", id="moderation_log.by_target"),
        Binding("a", "everyone", "Everyone", id="moderation_log.everyone"),
        Binding("n", "unban", "Unban", id="moderation_log.unban"),
    ]

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

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        field = LineInput(placeholder="type a name to narrow the list", id="filter")
        field.border_title = "Filter"
        yield field
        table = RecordTable(cursor_type="row", zebra_stripes=True, id="records")
        for label, width in _COLUMNS:
            table.add_column(label, width=width, key=label.lower())
        yield table
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

    def action_everyone(self) -> None:
        self.user = None
        self._show_title()
        self.action_refresh_log()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "by_target":
            return self.selected is not None or None
        if action == "everyone":
            return self.user is not None or None
        if action == "unban":
            if self.unbanner is None:
                return False  # not offered here at all
            return self._ban_selected() is not None or None
        return True

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
        return [r for r in self.records if matches(r, typed)]

    @property
    def selected(self) -> ModerationRecord | None:
        table = self.query_one(DataTable)
        shown = self.shown
        if not shown or not 0 <= table.cursor_row < len(shown):
            return None
        return shown[table.cursor_row]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        shown = self.shown
        for record in shown:
            table.add_row(*self._cells(record), key=str(record.id))
        if not self.records:
            self._status("nothing in the log yet" if self.user is None else "nothing about them")
        elif not shown:
            self._status(f"no name matches; {len(self.records)} records loaded")
        else:
            count = (
                f"{len(shown)} of {len(self.records)}"
                if len(shown) < len(self.records)
                else len(shown)
            )
            self._status(f"{count} records, newest first")
        self._show_detail()
        self.refresh_bindings()

    def _cells(self, record: ModerationRecord) -> list[Content]:
        at = record.at.astimezone(self.tz)
        return [
            Content(at.strftime("%m-%d %H:%M")),
            as_content(record.actor.display_name),
            as_content(record.action),
            as_content(record.target.display_name),
            Content(duration_text(record)),
            Content("auto" if record.automatic else "manual"),
            as_content(record.reason or ""),
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
                "$when: [b]$actor[/b] $done [b]$target[/b]$length ($how)$reason",
                when=at.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
                actor=record.actor.display_name,
                done=DONE_WORDS.get(record.action, record.action),
                target=record.target.display_name,
                length=f" for {length}" if length and length != "forever" else "",
                how="automatic" if record.automatic else "manual",
                reason=f". Reason: {record.reason}" if record.reason else "",
            )
        )

    def _status(self, words: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(as_content(clean(words)))
        status.set_class(error, "-error")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _typed(self) -> None:
        if self.loaded:
            self._fill()

    @on(Input.Submitted, "#filter")
    def _filter_entered(self) -> None:
        self.query_one(DataTable).focus()

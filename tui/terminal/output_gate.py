"""How fast the terminal drains, measured in band, and what goes out first on a slow link.

Over SSH, sshd drains the pty at once and a slow link's backlog waits in TCP and SSH
buffers, out of the app's sight: writing a frame tells nothing about when the user
sees it. So every batch the app writes ends with a cursor position query (DSR 6,
`CSI 6 n`), which every terminal, tmux and screen answer (`CSI row;col R`) only once
they have processed everything written before it. `LinkMeter` keeps those round trips:
the bytes still in flight (written, not yet answered for) and the drain rate they show.

`OutputGate` holds Textual's frames and lets out only what keeps the bytes in flight
under what the link drains in its round trip and `FLIGHT_S` more, so whatever the app
writes next waits about that long. A frame is cut into its lines (each starts with an
absolute cursor move and ends with the style reset: Textual writes them so), and a line
over cells with nothing pending goes ahead of the lines still waiting: a typed key's
echo, the status line or a dialog does not queue behind a repaint of the message list;
within a frame the bottom lines (the composer, the newest messages) or a dialog's go
first. Told where a dialog is (`focus`), the gate sends its lines before anything of
the screen dimmed behind it. Lines over the same cells keep their order, and a line the
new ones cover entirely is dropped (it would be overwritten before anyone saw it), so
the screen ends up as Textual drew it.

The gate also keeps what each cell shows (character and style) as far as the lines let
out tell. Textual repaints a widget's whole region when any of it changes, and a
dialog's widgets again as they are set up: of such a line only the segments over cells
that change go (none, if nothing does).

A terminal that never answers (some serial consoles, a broken relay) leaves the gate
open: after `ANSWER_TIMEOUT_S` with a query unanswered, the meter gives up and every
frame goes out as written.
"""

from __future__ import annotations

import functools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from rich.cells import cell_len

PROBE: Final = "\x1b[6n"
"""Device Status Report 6 (cursor position): answered as `CSI row;col R`, in order."""
FLIGHT_S: Final = 0.1
"""Seconds of the link's measured rate that may be in flight: what a key waits at most."""
MIN_FLIGHT: Final = 512
"""Bytes in flight allowed whatever the measured rate (a line of the list, about)."""
MIN_SAMPLE: Final = 512
"""Bytes the answers must account for before they give a rate."""
RATE_SAMPLES: Final = 8
LATENCY_PROBE_BYTES: Final = 256
"""A query after at most this much, on an idle link, times the round trip (a key's echo)."""
WHOLE_SCREEN_ROWS: Final = 10
"""A frame of every row from the top, at least this many: a screen change."""
MAX_HOLD_S: Final = 1.0
"""A line held this long is let out before anything newer (see OutputGate.add)."""
MAX_PROBES: Final = 8
"""Queries unanswered at most: their answers never fill the terminal's input."""
ANSWER_TIMEOUT_S: Final = 10.0
"""A query unanswered this long: the terminal does not answer; stop asking."""

_HARMLESS: Final = re.compile(
    r"(?:\x1b\[\?(?:25|100[0-6]|1015|1016|2004|2026|2048)[hl]"  # cursor, mouse, focus, paste...
    r"|\x1b\[\?\d+\$p"  # a mode query
    r"|\x1b\[[<>=]\d*(?:;\d*)?u"  # the keyboard protocol
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))+"  # OSC: a title, the pointer's shape
)
"""Writes that touch no cell: they go out at once, ahead of any line held back."""
_SEGMENT_END: Final = re.compile(r"(?<=\x1b\[0m)")  # where Textual resets between segments
_MOVE: Final = re.compile(r"\x1b\[(\d+);(\d+)H")
_STYLE_OR_LINK: Final = re.compile(r"\x1b\[[0-9;:]*m|\x1b\]8;[^\x07\x1b]*(?:\x07|\x1b\\)")
_STYLE_OR_LINK_SPLIT: Final = re.compile(f"({_STYLE_OR_LINK.pattern})")


class LinkMeter:
    """Bytes written, queries sent and answered (pure: the clock is injected).

        The drain rate is the bytes answered for over the time they took, summed over the
        last RATE_SAMPLES answers (answers read together, as a busy app reads them, neither
        inflate nor shrink the sum), less the round trip: what the bytes took beyond the
        link's latency, which is the quickest answer to a query after a few bytes on an idle
    link. The
        budget is that rate times the latency plus FLIGHT_S, so a long link is kept full
        and a key still waits at most FLIGHT_S behind what is queued."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.written = 0
        self.acked = 0  # bytes the terminal has answered for
        self.answered = False  # it has answered at least once
        self.silent = False  # it never does: given up
        # (written by then, sent at, sent with nothing else in flight)
        self._probes: deque[tuple[int, float, bool]] = deque()
        self._busy_from: float | None = None  # since when bytes have been in flight
        self._idle_start = True  # the bytes since the last query went to an idle link
        self._samples: deque[tuple[int, float]] = deque(maxlen=RATE_SAMPLES)
        self._latencies: deque[float] = deque(maxlen=RATE_SAMPLES * 2)

    def now(self) -> float:
        return self._clock()

    def sent(self, count: int) -> None:
        if count and self._busy_from is None:
            self._busy_from = self._clock()
            self._idle_start = True
        self.written += count

    def probe(self) -> bool:
        """Whether to ask now: no more than MAX_PROBES unanswered (the bytes written
        meanwhile are answered for by the next query)."""
        if len(self._probes) >= MAX_PROBES:
            return False
        self._probes.append((self.written, self._clock(), self._idle_start))
        self._idle_start = False
        return True

    @property
    def probing(self) -> bool:
        return bool(self._probes)

    @property
    def unasked(self) -> bool:
        """Bytes were written after the last query (or with none at all)."""
        asked = self._probes[-1][0] if self._probes else self.acked
        return self.written > asked

    def answer(self) -> bool:
        """A query's answer came: False when none was asked (not ours)."""
        if not self._probes:
            return False
        upto, asked_at, idle = self._probes.popleft()
        now = self._clock()
        drained = upto - self.acked
        if idle and drained <= LATENCY_PROBE_BYTES:
            self._latencies.append(now - asked_at)
        if drained > 0 and self._busy_from is not None:
            self._samples.append((drained, now - self._busy_from))
        self.acked = max(self.acked, upto)
        self.answered = True
        # What is still in flight has been draining since now at the latest.
        self._busy_from = now if self.written > self.acked else None
        return True

    def check(self) -> None:
        """Give up on a terminal that leaves a query unanswered too long."""
        if self._probes and self._clock() - self._probes[0][1] > ANSWER_TIMEOUT_S:
            self.silent = True
            self._probes.clear()
            self.acked = self.written

    @property
    def latency(self) -> float:
        """The quickest answer on an idle link: the round trip itself (0 if unknown)."""
        return min(self._latencies) if self._latencies else 0.0

    @property
    def rate(self) -> float | None:
        """Bytes a second the terminal drains, None until enough has been answered."""
        drained = sum(count for count, _ in self._samples)
        if drained < MIN_SAMPLE:
            return None
        latency = self.latency
        took = sum(max(seconds - latency, seconds / 2) for _, seconds in self._samples)
        return drained / took if took > 0 else None

    @property
    def in_flight(self) -> int:
        return 0 if self.silent else self.written - self.acked

    def budget(self) -> int | None:
        """Bytes that may be in flight (None: no limit known)."""
        rate = self.rate
        if self.silent or rate is None:
            return None
        return max(MIN_FLIGHT, int(rate * (self.latency + FLIGHT_S)))


Area = tuple[int, int, int, int]
"""Cells as (column, row, width, height), 0-based, as Textual's `Region`."""


_Cell = tuple[str, str]
"""A cell as the terminal shows it: the style codes since the last reset, the character."""


@dataclass(slots=True)
class _Piece:
    row: int  # -1: not a line of a frame (a mode change...): nothing moves across it
    start: int
    end: int  # columns [start, end); end == start: the width is unknown
    text: str
    size: int  # bytes, as Textual wrote it (what is written is smaller, not larger)
    at: float = 0.0  # when the gate took it
    cells: list[_Cell] | None = None  # its cells, once worked out


class OutputGate:
    """Textual's writes, held and let out in the order and amount the link allows."""

    def __init__(self, meter: LinkMeter) -> None:
        self.meter = meter
        self._pending: list[_Piece] = []
        self._ahead = 0  # the first pieces that went ahead of the others
        self._barriers = 0  # pieces with row -1 pending
        self._cursor = ""  # the frame's last cursor move, written after its lines
        self._controls: list[str] = []  # modes that touch no cell: out first, whole
        # What the terminal shows, as far as the lines let out tell: row -> column -> the
        # cell's style and character. Of a line, only the cells that would change go.
        self._shown: dict[int, list[_Cell | None]] = {}

    @property
    def pending(self) -> int:
        return len(self._pending)

    def forget(self) -> None:
        """The terminal's cells may have changed behind the app's back (a resize)."""
        self._shown.clear()

    def add(self, data: str, focus: Area | None = None) -> None:
        """Take a write of Textual's. `focus`: the cells the user is looking at (a dialog
        over the screen): a frame's lines over them go before its other lines."""
        pieces = _pieces(data)
        if pieces is None:
            if _HARMLESS.fullmatch(data):
                self._controls.append(data)
            else:
                self._pending.append(_Piece(-1, 0, 0, data, len(data)))
                self._barriers += 1
            return
        lines = self._first_things_first([piece for piece in pieces if piece.text], focus)
        now = self.meter.now()
        for line in lines:
            line.at = now
        if pieces and not pieces[-1].text:
            self._cursor = _move(pieces[-1].row, pieces[-1].start)
        if self._barriers:
            self._pending.extend(lines)  # nothing moves across a mode change
            return
        # Older lines this frame overwrites entirely go: nobody would see them.
        covers: dict[int, list[tuple[int, int]]] = {}
        for piece in lines:
            covers.setdefault(piece.row, []).append((piece.start, piece.end))
        spans = {row: _merged(found) for row, found in covers.items()}
        older: list[_Piece] = []
        ahead = self._ahead
        for index, old in enumerate(self._pending):
            if old.end > old.start and any(
                start <= old.start and old.end <= end for start, end in spans.get(old.row, ())
            ):
                ahead -= index < ahead
            else:
                older.append(old)
        # Cells with something pending: a line over any of them goes after it (and so
        # does a line over cells one of this frame's lines has taken).
        waiting: dict[int, list[_Piece]] = {}
        for old in older:
            waiting.setdefault(old.row, []).append(old)
        first: list[_Piece] = []  # over nothing pending: ahead of the older lines
        last: list[_Piece] = []
        # Going ahead is for what the user does, not a way to starve what is held: once
        # the oldest line held has waited MAX_HOLD_S, nothing goes ahead of it.
        jump = ahead < len(older) and now - older[ahead].at <= MAX_HOLD_S
        for piece in lines:
            cells = waiting.setdefault(piece.row, [])
            if not any(_overlap(piece, held) for held in cells):
                # Nothing held will change these cells: what is on screen already goes.
                fresh = self._unshown(piece)
                (first if jump else last).extend(fresh)
                cells.extend(fresh)
            else:
                last.append(piece)  # after what those cells still have pending
                cells.append(piece)
        self._pending = [*older[:ahead], *first, *older[ahead:], *last]
        self._ahead = ahead + len(first)

    def take(self, *, everything: bool = False) -> str:
        """What may be written now (maybe nothing); with `everything`, all of it."""
        budget = None if everything else self.meter.budget()
        flight = self.meter.in_flight
        out: list[str] = self._controls
        self._controls = []
        pending = self._pending
        taken = 0
        while taken < len(pending):
            piece = pending[taken]
            if budget is not None and flight > 0 and flight + piece.size > budget:
                break
            flight += piece.size
            if piece.row < 0:
                out.append(piece.text)
                self._shown.clear()  # a mode change: who knows what the cells show now
            else:
                out.append(_move(piece.row, piece.start) + piece.text)
                self._showing(piece)
            taken += 1
        if taken:
            self._barriers -= sum(piece.row < 0 for piece in pending[:taken])
            del pending[:taken]
            self._ahead = max(self._ahead - taken, 0)
        if not pending and self._cursor and (out or flight == 0):
            out.append(self._cursor)
            self._cursor = ""
        return "".join(out)

    def _first_things_first(self, lines: list[_Piece], focus: Area | None) -> list[_Piece]:
        """A frame's lines in the order the user wants them (rows are independent:
        Textual turns autowrap off and moves to each line). The parts over `focus` go
        first, from the top: a dialog is read before anything behind it changes. A
        whole screen (a dialog opened or closed, a resize) goes from the middle out, a
        dialog being centred, and the cells whose text changes go before those that
        only change colour: a dialog before the dimming of the screen behind it. Any
        other frame goes from the bottom up: on the chat screen the composer, the
        footer and the newest messages are at the bottom, the oldest lines at the top."""
        rows = {line.row for line in lines}
        whole = len(rows) >= WHOLE_SCREEN_ROWS and rows == set(range(max(rows) + 1))
        focused: list[_Piece] = []
        if focus is not None:
            left, top, width, height = focus
            rest: list[_Piece] = []
            for line in lines:
                over = top <= line.row < top + height
                if over and line.start < left + width and left < line.end:
                    inside, beside = _split_columns(line, left, left + width)
                    focused += inside
                    rest += beside
                else:
                    rest.append(line)
            focused.sort(key=lambda line: line.row)
            lines = rest
        if not whole:
            return focused + sorted(lines, key=lambda line: -line.row)
        middle = max(rows) / 2
        first: list[_Piece] = []
        then: list[_Piece] = []
        for line in sorted(lines, key=lambda line: abs(line.row - middle)):
            changed, same = _split_changed(line, self._shown_cells(line))
            first += changed
            then += same
        return focused + first + then

    def _shown_cells(self, line: _Piece) -> list[str] | None:
        """The characters the terminal shows under `line`, None where not all known."""
        cells = self._shown.get(line.row, [])[line.start : line.end]
        if len(cells) < line.end - line.start or None in cells:
            return None
        return [cell[1] for cell in cells]  # type: ignore[index]

    def _unshown(self, piece: _Piece) -> list[_Piece]:
        """`piece` cut to its segments from the first to the last that changes a cell on
        screen (none if it changes nothing: Textual repaints a region whole, and a
        dialog's widgets again as it sets them up)."""
        shown = self._shown.get(piece.row)
        if not shown or piece.end == piece.start:
            return [piece]
        if "\x1b]" in piece.text:  # a link spans segments: kept whole
            piece.cells = _styled_cells(piece.text)
            return [] if shown[piece.start : piece.end] == piece.cells else [piece]
        # Textual ends each segment with a reset: a segment's cells are its own.
        segments: list[tuple[int, str, list[_Cell]]] = []
        column = piece.start
        first = last = -1
        for segment in _SEGMENT_END.split(piece.text):
            if not segment:
                continue
            cells = _styled_cells(segment)
            if shown[column : column + len(cells)] != cells:
                first = len(segments) if first < 0 else first
                last = len(segments)
            segments.append((column, segment, cells))
            column += len(cells)
        if first < 0:
            return []
        if first == 0 and last == len(segments) - 1:
            piece.cells = [cell for _, _, cells in segments for cell in cells]
            return [piece]
        chosen = segments[first : last + 1]
        text = "".join(segment for _, segment, _ in chosen)
        cells = [cell for _, _, cells in chosen for cell in cells]
        begin = chosen[0][0]
        return [_Piece(piece.row, begin, begin + len(cells), text, len(text) + 8, piece.at, cells)]

    def _showing(self, piece: _Piece) -> None:
        shown = self._shown.setdefault(piece.row, [])
        if piece.end == piece.start:
            shown.clear()  # a width unknown: the row is not known any more
            return
        cells = piece.cells if piece.cells is not None else _styled_cells(piece.text)
        if len(shown) < piece.start:
            shown.extend([None] * (piece.start - len(shown)))
        shown[piece.start : piece.start + len(cells)] = cells


@functools.lru_cache(maxsize=512)
def _styled_cells(text: str) -> list[_Cell]:
    """A line's cells, each with its style (Textual starts each segment from a reset and
    sets its whole style, so equal styles are written alike); a wide character takes
    two cells, the second ("", ""); a zero-width one joins the cell before it. Cached:
    a list's segments repeat (the time, the padding, the scrollbar); never change the
    list returned. A few hundred entries hold what repeats: a message's own segments
    rarely come back, and 4,096 of them held about 12 MB."""
    cells: list[_Cell] = []
    style = ""
    for index, part in enumerate(_STYLE_OR_LINK_SPLIT.split(text)):
        if index % 2:
            style = "" if part == "\x1b[0m" else style + part
        elif part.isascii():
            cells += [(style, character) for character in part]
        else:
            for character in part:
                width = cell_len(character)
                if width == 0 and cells:
                    cells[-1] = (cells[-1][0], cells[-1][1] + character)
                    continue
                cells.append((style, character))
                cells.extend([("", "")] * (width - 1))
    return cells


def _width(text: str) -> int:
    """The cells a line's text takes."""
    return cell_len(_STYLE_OR_LINK.sub("", text))


def _cells(text: str) -> list[str]:
    """A line's text, one entry a cell (a wide character, then "" for its second)."""
    return [character for _, character in _styled_cells(text)]


def _split_changed(line: _Piece, before: list[str] | None) -> tuple[list[_Piece], list[_Piece]]:
    """`line` as the part over cells whose text changes and the parts beside it (only
    colours change there), cut where Textual resets the style between segments."""
    if before is None:
        return [line], []
    after = _cells(line.text)
    changed = [
        index for index, cell in enumerate(after) if index >= len(before) or cell != before[index]
    ]
    if not changed:
        return [], [line]
    return _split_columns(line, line.start + changed[0], line.start + changed[-1] + 1)


def _split_columns(line: _Piece, low: int, high: int) -> tuple[list[_Piece], list[_Piece]]:
    """`line` as the segments over columns [low, high) and those beside them, cut where
    Textual resets the style between segments (a segment across an edge is inside)."""
    if "\x1b]" in line.text:
        return [line], []  # a link spans segments: kept whole
    groups: list[tuple[bool, int, list[str]]] = []  # (changed, start column, segments)
    column = line.start
    for segment in _SEGMENT_END.split(line.text):
        if not segment:
            continue
        width = _width(segment)
        inside = column < high and low < column + width
        if groups and (groups[-1][0] == inside or width == 0):
            groups[-1][2].append(segment)
        else:
            groups.append((inside, column, [segment]))
        column += width
    first: list[_Piece] = []
    then: list[_Piece] = []
    for inside, start, segments in groups:
        text = "".join(segments)
        piece = _Piece(line.row, start, start + _width(text), text, len(text) + 8, line.at)
        (first if inside else then).append(piece)
    return first, then


def _overlap(one: _Piece, other: _Piece) -> bool:
    """Whether two lines of a row share a cell (a width unknown shares them all)."""
    if one.end == one.start or other.end == other.start:
        return True
    return one.start < other.end and other.start < one.end


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Column spans joined where they touch or overlap."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _move(row: int, column: int) -> str:
    return f"\x1b[{row + 1};{column + 1}H"


def _pieces(data: str) -> list[_Piece] | None:
    """A frame's lines (row and columns 0-based), or None if `data` is not one."""
    if not data.startswith("\x1b["):
        return None
    moves = list(_MOVE.finditer(data))
    if not moves or moves[0].start() != 0:
        return None
    pieces = []
    for index, move in enumerate(moves):
        end = moves[index + 1].start() if index + 1 < len(moves) else len(data)
        text = data[move.end() : end]
        if text.endswith("\n"):
            text = text[:-1]  # Textual's line feed before the next absolute move
        plain = _STYLE_OR_LINK.sub("", text)
        if "\x1b" in plain or "\n" in plain or "\r" in plain:
            return None  # something beyond lines of styled text: keep it whole, in order
        row, column = int(move.group(1)) - 1, int(move.group(2)) - 1
        pieces.append(_Piece(row, column, column + cell_len(plain), text, len(text) + 8))
    return pieces


__all__ = ["ANSWER_TIMEOUT_S", "FLIGHT_S", "PROBE", "Area", "LinkMeter", "OutputGate"]

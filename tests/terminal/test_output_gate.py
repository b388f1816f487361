"""The link meter's arithmetic and the gate's order, with an injected clock; and the
screen the gated stream leaves, cell for cell in a VT emulator, against Textual's."""

from __future__ import annotations

import random

import pyte
import pytest

from tui.terminal.output_gate import (
    ANSWER_TIMEOUT_S,
    FLIGHT_S,
    MAX_HOLD_S,
    MAX_PROBES,
    MIN_FLIGHT,
    LinkMeter,
    OutputGate,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _line(row: int, text: str, column: int = 1, colour: int = 31) -> str:
    return f"\x1b[{row};{column}H\x1b[{colour};40m{text}\x1b[0m"


def test_the_meter_measures_the_drain_from_the_answers() -> None:
    clock = Clock()
    meter = LinkMeter(clock)
    assert meter.budget() is None  # nothing known: no limit
    meter.sent(4000)
    meter.probe()
    assert meter.in_flight == 4000
    clock.now += 0.5
    assert meter.answer()
    assert meter.in_flight == 0
    assert meter.rate == 8000
    assert meter.budget() == max(MIN_FLIGHT, int(8000 * FLIGHT_S))
    assert not meter.answer()  # nobody asked: not ours


def test_the_drain_counts_from_when_the_bytes_went_out() -> None:
    clock = Clock()
    meter = LinkMeter(clock)
    meter.sent(1000)
    meter.probe()
    clock.now += 0.125
    meter.answer()
    clock.now += 60  # idle: nothing in flight until the next write
    meter.sent(2000)
    meter.probe()
    meter.sent(2000)
    meter.probe()
    clock.now += 0.25
    meter.answer()
    assert meter.in_flight == 2000
    clock.now += 0.25
    meter.answer()  # busy since the first answer: 2,000 bytes in 0.25 s
    assert meter.rate == 8000


def test_a_long_link_is_kept_full() -> None:
    """A satellite hop: the round trip is 0.6 s whatever is sent. The rate is the drain
    less that, and the budget covers the round trip too."""
    clock = Clock()
    meter = LinkMeter(clock)
    meter.sent(100)  # a key's echo on an idle link: its answer times the round trip
    meter.probe()
    clock.now += 0.6
    meter.answer()
    assert meter.latency == pytest.approx(0.6)
    meter.sent(8000)
    meter.probe()
    clock.now += 0.6 + 1.0
    meter.answer()
    # 1.0 s for the 8,000 bytes; the echo's time is never counted below half of it.
    assert meter.rate == pytest.approx(8100 / (0.3 + 1.0))
    assert meter.budget() == int(meter.rate * (meter.latency + FLIGHT_S))


def test_only_a_few_queries_are_unanswered_at_once() -> None:
    meter = LinkMeter(Clock())
    for _ in range(MAX_PROBES):
        meter.sent(10)
        assert meter.probe()
    meter.sent(10)
    assert not meter.probe()  # its bytes are answered for by the next query
    assert meter.unasked
    while meter.answer():
        pass
    assert meter.in_flight == 10 and meter.unasked  # nothing would ever answer for them
    assert meter.probe()
    assert not meter.unasked
    while meter.answer():
        pass
    assert meter.in_flight == 0


def test_a_terminal_that_never_answers_is_left_alone() -> None:
    clock = Clock()
    meter = LinkMeter(clock)
    meter.sent(100)
    meter.probe()
    clock.now += ANSWER_TIMEOUT_S / 2
    meter.check()
    assert not meter.silent and meter.in_flight == 100
    clock.now += ANSWER_TIMEOUT_S
    meter.check()
    assert meter.silent and meter.in_flight == 0 and meter.budget() is None


def _slow_gate() -> tuple[OutputGate, Clock]:
    """A gate whose meter has measured 8,000 bytes a second and has bytes in flight."""
    clock = Clock()
    meter = LinkMeter(clock)
    meter.sent(4000)
    meter.probe()
    clock.now += 0.5
    meter.answer()
    meter.sent(1000)  # a frame's worth in flight
    meter.probe()
    return OutputGate(meter), clock


def _let_out(gate: OutputGate) -> str:
    """What the driver does: write what the gate lets out, and a query after it."""
    text = gate.take()
    if text:
        gate.meter.sent(len(text))
        gate.meter.probe()
    return text


def test_a_key_goes_ahead_of_the_list_and_rows_keep_their_order() -> None:
    gate, _ = _slow_gate()
    gate.add("".join(_line(row, f"message {row}".ljust(60)) for row in range(1, 20)))
    assert _let_out(gate) == ""  # in flight already: the list waits
    assert gate.pending == 19
    gate.add(_line(40, "> hello") + "\x1b[40;8H")  # the composer, and the cursor after
    gate.add(_line(5, "late"))  # a row the list still has pending: after it
    gate.meter.answer()
    out = _let_out(gate)
    assert out.startswith("\x1b[40;1H")  # the echo first
    assert "message 19" not in out  # and the list a little at a time
    while gate.pending:
        gate.meter.answer()
        out += _let_out(gate)
    assert out.index("message 5") < out.index("late")
    assert out.endswith("\x1b[40;8H")  # the cursor where the last frame left it


def test_a_frame_goes_bottom_up_and_a_whole_screen_middle_out() -> None:
    gate = OutputGate(LinkMeter())  # nothing measured: all goes at once, in its order
    gate.add("".join(_line(row, f"<{row}>") for row in (2, 3, 39, 40)))
    out = gate.take()
    assert [out.index(f"<{row}>") for row in (40, 39, 3, 2)] == sorted(
        out.index(f"<{row}>") for row in (40, 39, 3, 2)
    )
    gate.add("".join(_line(row, f"[{row}]") for row in range(1, 41)))  # a dialog opened
    out = gate.take()
    assert out.index("[20]") < out.index("[30]") < out.index("[1]")
    assert out.index("[21]") < out.index("[10]") < out.index("[40]")


def test_a_row_redrawn_in_pieces_goes_ahead_once_all_its_pieces_are_redrawn() -> None:
    gate, _ = _slow_gate()
    # A list frame that also redrew the composer, in two pieces (text, scrollbar).
    composer = _line(40, "> hell".ljust(60)) + _line(40, "##", column=61)
    gate.add("".join(_line(row, f"message {row}".ljust(60)) for row in range(1, 20)) + composer)
    _let_out(gate)
    gate.add(_line(40, "> hello".ljust(60)) + _line(40, "##", column=61))  # the next key
    gate.meter.answer()
    out = _let_out(gate)
    assert out.startswith("\x1b[40;1H") and "hello" in out and "hell " not in out


def test_nothing_goes_ahead_of_a_line_held_too_long() -> None:
    gate, clock = _slow_gate()
    gate.add(_line(5, "old list line"))
    clock.now += MAX_HOLD_S + 0.1  # the link stalled: it has waited long enough
    gate.add(_line(40, "> hello"))
    gate.meter.answer()
    out = _let_out(gate)
    assert out.index("old list line") < out.index("hello")


def test_a_line_beside_a_pending_one_in_its_row_goes_ahead() -> None:
    gate, _ = _slow_gate()
    frame = "".join(_line(row, f"message {row}".ljust(60)) for row in range(1, 20))
    gate.add(frame + _line(40, "480", column=115))  # and a counter at the row's end
    assert _let_out(gate) == ""  # all pending
    gate.add(_line(40, "> hello".ljust(60)))  # the composer: other cells of that row
    gate.meter.answer()
    assert _let_out(gate).startswith("\x1b[40;1H")


def _drained(gate: OutputGate) -> str:
    out = ""
    while gate.pending or gate.meter.probing:
        gate.meter.answer()
        out += _let_out(gate)
    return out


def test_a_line_already_on_screen_is_not_sent_again_unless_something_changed_it() -> None:
    gate, _ = _slow_gate()
    shown = _line(1, "ab")
    gate.add(shown)
    written = _drained(gate)
    gate.add(shown)  # the same line again (a dialog's screen redrawn): nothing to send
    assert _drained(gate) == ""
    gate.meter.sent(2000)  # a backlog, so that what comes next is held
    gate.meter.probe()
    gate.add(_line(1, "cdef"))  # held, over the same cells
    gate.add(shown)  # so "ab" must go again, after it
    gate.add(_line(2, "ab"))
    written += _drained(gate)
    gate.add(_line(2, "cdef") + _line(2, "ab"))  # "ab" over the frame's own "cdef": it goes
    written += _drained(gate)
    frames = [shown, shown, _line(1, "cdef"), shown, _line(2, "ab")]
    frames += [_line(2, "cdef") + _line(2, "ab")]
    assert _screen("".join(written)) == _screen("".join(frames))
    gate.add("\x1b[2J")  # a mode change that clears the screen: nothing is known after it
    gate.add(shown)
    written += _drained(gate)
    assert _screen("".join(written))[0][:2] == _screen(shown)[0][:2]


def _row(row: int, colour: int, middle: str = "") -> str:
    """A whole row of 30 cells in segments, as Textual writes them; `middle` over 10-19."""
    left, right = "left part ", " rightpart"
    centre = middle or "the list  "
    return (
        f"\x1b[{row};1H\x1b[{colour}m{left}\x1b[0m\x1b[1;{colour}m{centre}\x1b[0m"
        f"\x1b[{colour}m{right}\x1b[0m"
    )


def test_a_dialog_goes_before_the_dimming_behind_it() -> None:
    gate = OutputGate(LinkMeter())
    chat = "".join(_row(row, 37) for row in range(1, 13))
    gate.add(chat)
    written = gate.take()
    # The dialog: rows 5-8 get new text in their middle; every cell is dimmed (31).
    dialog = "".join(_row(row, 31, "[dialog]  " if 5 <= row <= 8 else "") for row in range(1, 13))
    gate.add(dialog)
    out = gate.take()
    assert out.index("[dialog]") < out.index("left part") and out.count("[dialog]") == 4
    assert max(out.index(f"\x1b[{row};11H") for row in (5, 6, 7, 8)) < out.index("rightpart")
    written += out
    no_wrap = "\x1b[?7l"
    assert _screen(no_wrap + written, 30, 12) == _screen(no_wrap + chat + dialog, 30, 12)


def test_a_dialog_away_from_the_middle_goes_first_when_its_cells_are_given() -> None:
    """A dialog near the top of a screen whose middle rows also change: told where the
    dialog is, the gate sends its lines first, from its top, before anything behind it,
    and the screen ends up as Textual drew it."""
    chat = "".join(_row(row, 37) for row in range(1, 13))
    dialog = "".join(
        _row(row, 31, "[dialog]  " if row <= 3 else "[changed] " if 5 <= row <= 8 else "")
        for row in range(1, 13)
    )
    gate = OutputGate(LinkMeter())
    gate.add(chat)
    gate.take()
    gate.add(dialog)  # no cells given: middle out, the changed list ahead of the dialog
    out = gate.take()
    assert out.index("[changed]") < out.index("[dialog]")
    gate = OutputGate(LinkMeter())
    gate.add(chat)
    written = gate.take()
    gate.add(dialog, (10, 0, 10, 3))  # the dialog: columns 10-19 of rows 0-2 (0-based)
    out = gate.take()
    dialog_rows = [out.index(f"\x1b[{row};11H") for row in (1, 2, 3)]
    assert dialog_rows == sorted(dialog_rows)
    assert dialog_rows[-1] < out.index("[changed]") and dialog_rows[-1] < out.index("left")
    written += out
    no_wrap = "\x1b[?7l"
    assert _screen(no_wrap + written, 30, 12) == _screen(no_wrap + chat + dialog, 30, 12)


def test_a_row_painted_again_sends_only_the_cells_that_change() -> None:
    """Textual repaints a widget's region whole, and a dialog's widgets again as they
    are set up, cut in other segments: only what changes on screen goes."""
    gate = OutputGate(LinkMeter())
    row = _row(3, 31, "[button]  ")
    gate.add(row)
    written = gate.take()
    gate.add(row)  # the same row again
    assert gate.take() == ""
    # Again, in other segments: the left part in two, the rest from column 11 on.
    again = row.replace("left part ", "left \x1b[0m\x1b[31mpart ").replace(
        "\x1b[0m\x1b[1", "\x1b[0m\x1b[3;11H\x1b[1"
    )
    assert again != row and "\x1b[3;11H" in again
    gate.add(again)
    assert gate.take() == ""
    gate.add(_row(3, 31, "[armed]   "))  # only the middle segment changes
    out = gate.take()
    assert "[armed]" in out and "left" not in out and "rightpart" not in out
    written += out
    no_wrap = "\x1b[?7l"
    assert _screen(no_wrap + written) == _screen(no_wrap + row + _row(3, 31, "[armed]   "))


def test_a_key_goes_ahead_of_list_lines_cut_to_what_changed() -> None:
    gate = OutputGate(LinkMeter())
    gate.add("".join(_row(row, 31) for row in range(1, 20)))
    gate.take()  # on screen
    gate.meter = _slow_gate()[0].meter  # and the link busy now
    gate.add("".join(_row(row, 31, f"new {row:<6}") for row in range(1, 20)))  # middles
    assert _let_out(gate) == "" and gate.pending == 19
    gate.add(_line(40, "> hello"))
    gate.meter.answer()
    assert _let_out(gate).startswith("\x1b[40;1H")


def test_a_line_covered_by_a_newer_one_is_dropped() -> None:
    gate, _ = _slow_gate()
    gate.add(_line(3, "old list line".ljust(40)))
    gate.add(_line(3, "a dialog's line".ljust(50)))
    assert gate.pending == 1
    gate.add(_line(3, "part", column=10))  # covers only part of it: both stay, in order
    assert gate.pending == 2


def test_what_is_not_a_frame_keeps_everything_in_order() -> None:
    gate, _ = _slow_gate()
    gate.add(_line(2, "list"))
    gate.add("\x1b[?1049h")  # a mode change
    gate.add(_line(40, "key"))
    gate.meter.answer()
    out = ""
    while gate.pending:
        out += _let_out(gate)
        gate.meter.answer()
    assert out.index("list") < out.index("\x1b[?1049h") < out.index("key")


def _screen(stream: str, columns: int = 30, rows: int = 8) -> list[list[tuple[object, ...]]]:
    screen = pyte.Screen(columns, rows)
    pyte.Stream(screen).feed(stream)
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.reverse)
            for c in (screen.buffer[y][x] for x in range(columns))
        ]
        for y in range(rows)
    ]


@pytest.mark.parametrize("crowded", [False, True], ids=["spread", "crowded"])
def test_the_gated_stream_leaves_the_screen_textual_drew(crowded: bool) -> None:
    """Random frames (whole rows, parts of rows, wide characters, the same line again,
    a screen cleared), let out as random answers allow: the screen at the end is the
    one the frames written in order give. Crowded: few rows, columns and words, so
    lines often land on each other and repeat what is shown."""
    chance = random.Random(7)
    for _ in range(300):
        gate, _ = _slow_gate()
        if crowded:  # a link so slow that every line is held a while
            gate.meter.sent(5000)
            gate.meter.probe()
        frames = []
        for _ in range(chance.randint(1, 12)):
            if crowded and chance.random() < 0.1:
                frames.append("\x1b[2J")  # not a frame: it changes every cell, in order
                continue
            lines = []
            for _ in range(chance.randint(1, 5)):
                if crowded:
                    row, column = chance.randint(1, 3), chance.choice([1, 3])
                    text = chance.choice(["ab", "cdef", "字字"])
                else:
                    row = chance.randint(1, 8)
                    column = chance.choice([1, 1, chance.randint(1, 25)])
                    text = chance.choice(["ab", "wide 字字", "x" * chance.randint(0, 30)])
                text = text[: 31 - column - (2 if "字" in text else 0)]
                colour = chance.choice([31, 7] if crowded else [31, 32, 7])
                if chance.random() < 0.3:  # in segments, as Textual writes a row of widgets
                    cut = chance.randint(0, len(text))
                    second = chance.choice([31, 32, 7])
                    lines.append(
                        _line(row, text[:cut], column, colour)
                        + f"\x1b[{second};40m{text[cut:]}\x1b[0m"
                    )
                    continue
                lines.append(_line(row, text, column, colour))
            frames.append("".join(lines) + f"\x1b[{chance.randint(1, 8)};1H")
        written = []
        for frame in frames:
            gate.add(frame)
            if chance.random() < (0.1 if crowded else 0.5):
                gate.meter.answer()
            written.append(_let_out(gate))
        while gate.pending:
            gate.meter.answer()
            written.append(_let_out(gate))
        no_wrap = "\x1b[?7l"  # as Textual sets it: a line never runs onto the next row
        assert _screen(no_wrap + "".join(written)) == _screen(no_wrap + "".join(frames))

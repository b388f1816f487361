"""The driver's in-band probe on a real pty: a terminal that answers the cursor position
query is measured and its answers never reach the app as keys; one that never answers
gets every frame all the same."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from bench.pty_harness import PtyProgram, wait_for

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


@pytest.mark.parametrize("answers", [True, False], ids=["answers", "never-answers"])
def test_typing_through_a_slow_link(answers: bool) -> None:
    argv = [sys.executable, "-m", "tests.link_probe_app"]
    with PtyProgram(
        argv,
        size=(80, 10),
        bytes_per_s=8000,
        answers=answers,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    ) as program:
        state = program.watch(rb"answered=(\w+) typed=([^|]*)\|")
        wait_for(state, 1, DEADLINE, "the first paint")
        if answers:
            wait_for(program.watch(b"answered=True"), 1, DEADLINE, "an answer measured")
        program.send(b"hello")
        typed = program.watch(b"typed=hello|")
        wait_for(typed, 1, DEADLINE, "what was typed")
        assert program.queries > 0  # the driver asked
        # Nothing but the keys reached the input: no answer was read as keys.
        assert all(b"R" not in match.groups[1] for match in state)
        assert all(m.groups[0] == (b"True" if answers else b"False") for m in state[-1:])


def test_a_dialog_goes_out_before_the_screen_behind_it() -> None:
    """A dialog at the top of the screen opened as rows in the middle change: on a slow
    link the dialog's lines are written first (the screen's middle would go first)."""
    argv = [sys.executable, "-m", "tests.link_probe_app"]
    with PtyProgram(
        argv, size=(80, 12), bytes_per_s=8000, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}
    ) as program:
        wait_for(program.watch(b"answered=True"), 1, DEADLINE, "an answer measured")
        program.recording = bytearray()
        shown = [program.watch(b"DIALOG-END"), program.watch(b"CHANGED row 4")]
        program.send(b"\x1bOQ")  # F2
        for match in shown:
            wait_for(match, 1, DEADLINE, "the dialog and the screen behind it")
        written = bytes(program.recording)
    assert written.index(b"DIALOG-END") < written.index(b"CHANGED row")


def _rows(written: bytes) -> dict[int, bytes]:
    """Each row's text as `written` moves to it (CUP), styles and erases left out; a
    move that writes nothing (the cursor put back where the app has it) is no row."""
    rows: dict[int, bytes] = {}
    for move in re.finditer(rb"\x1b\[(\d+);\d+H((?:(?!\x1b\[\d+;\d+H).)*)", written, re.S):
        text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", b"", move.group(2))
        if re.sub(rb"\x1b\[[0-9;?]*[A-WYZa-z]", b"", move.group(2)):  # all but erases
            row = int(move.group(1))
            rows[row] = rows.get(row, b"") + text
    return rows


@pytest.mark.parametrize("address", ["203.0.113.77", ""], ids=["address", "not-known"])
def test_the_ban_dialog_s_later_updates_write_only_what_changed(address: str) -> None:
    """The ban dialog paints once, whole; its arming (the confirm button's label) and
    its address lookup's answer then rewrite only their own rows, not the dialog (a
    dialog that grew would be centred again and repainted, with the screen behind)."""
    argv = [sys.executable, "-m", "tests.ban_dialog_app", *([address] if address else [])]
    env = {"PYTHONPATH": str(ROOT)}
    with PtyProgram(argv, size=(120, 40), cwd=ROOT, env=env) as program:
        wait_for(program.watch(b"message 38"), 1, DEADLINE, "the first paint")
        program.recording = bytearray()
        armed = program.watch(rb"\x1b\[(\d+);\d+H(?:(?!\x1b\[\d+;\d+H)[^\n])*Ban \(wait\)")
        whole = program.watch(b"esc cancel")
        program.send(b"\x1bOQ")  # F2
        wait_for(armed, 1, DEADLINE, "the dialog, arming")
        wait_for(whole, 1, DEADLINE, "the whole dialog")
        painted = _rows(bytes(program.recording))
        button = int(armed[0].groups[0])
        # Armed: the label loses its "(wait)", and the button row is written again.
        at_button = rb"\x1b\[" + str(button).encode() + rb";\d+H"
        label = program.watch(at_button + rb"(?:(?!\x1b\[\d+;\d+H)[^\n])*m Ban ")
        wait_for(label, 1, DEADLINE, "the armed label")
        # The dialog was painted once: its widgets set up again (focus, the label) and
        # repainted the same cells, and those were not sent again.
        assert bytes(program.recording).count(b"a new chat token") == 1
        lookup_rows = [row for row, text in painted.items() if b"Looking up" in text]
        explained = [row for row, text in painted.items() if b"Refuses tokens" in text]
        program.recording = bytearray()
        answered = program.watch(b"used by 2" if address else b"not known")
        program.send(b"\x1bOR")  # F3: the lookup answers
        wait_for(answered, 1, DEADLINE, "the address")
        program.send(b"z")  # a key after it: once it shows, the answer's frame is all out
        wait_for(program.watch(b"z"), 1, DEADLINE, "the key's echo")
        after = _rows(bytes(program.recording))
    assert lookup_rows and explained
    reason = next(row for row, text in painted.items() if b"they are told it" in text)
    # The address words' rows (as many as the longest answer takes), and the key's echo.
    allowed = set(range(explained[0], explained[0] + 4)) | {reason}
    assert set(after) <= allowed, (sorted(after), sorted(allowed))


def test_on_a_slow_link_a_dialog_s_buttons_and_fields_take_one_row() -> None:
    """Borders are most of a dialog's bytes: on a link measured slow, the buttons and
    the reason box are drawn compact (the dialog's bottom border follows the buttons'
    row), and the box's title is a line above it."""
    argv = [sys.executable, "-m", "tests.ban_dialog_app"]
    env = {"PYTHONPATH": str(ROOT)}
    with PtyProgram(argv, size=(120, 40), bytes_per_s=8000, cwd=ROOT, env=env) as program:
        wait_for(program.watch(b"link=slow"), 1, DEADLINE, "the link measured")
        program.recording = bytearray()
        whole = [program.watch(rb"Ban \(wait\)"), program.watch(b"esc cancel")]
        program.send(b"\x1bOQ")  # F2
        for match in whole:
            wait_for(match, 1, DEADLINE, "the dialog")
        rows = _rows(bytes(program.recording))
    button = next(row for row, text in rows.items() if b"Ban (wait)" in text)
    assert b"esc cancel" in rows[button + 1]
    reason = next(row for row, text in rows.items() if b"ptional; they are told it" in text)
    assert b"Reason" in rows[reason - 1]
    assert "▔".encode() not in b"".join(rows.values())  # no tall border drawn


def test_on_a_slow_link_a_field_in_a_row_keeps_its_border() -> None:
    """A field alone goes compact with its title on the row above; fields side by side
    keep their borders, their titles in them (above, they would land beside)."""
    argv = [sys.executable, "-m", "tests.ban_dialog_app"]
    env = {"PYTHONPATH": str(ROOT)}
    with PtyProgram(argv, size=(120, 40), bytes_per_s=8000, cwd=ROOT, env=env) as program:
        wait_for(program.watch(b"link=slow"), 1, DEADLINE, "the link measured")
        program.recording = bytearray()
        drawn = [program.watch(b"alone-here"), program.watch(b"right-here")]
        program.send(b"\x1bOS")  # F4
        for match in drawn:
            wait_for(match, 1, DEADLINE, "the dialog")
        rows = _rows(bytes(program.recording))
    alone = next(row for row, text in rows.items() if b"alone-here" in text)
    assert b"Alone-title" in rows[alone - 1] and "▔".encode() not in rows[alone - 1]
    right = next(row for row, text in rows.items() if b"right-here" in text)
    assert b"Right-title" in rows[right - 1] and "▔".encode() in rows[right - 1]

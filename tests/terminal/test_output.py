"""Repaint pacing with an injected clock (no sleeping), and the backlog probe."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from textual.drivers._writer_thread import WriterThread

from tui.terminal.output import (
    BACKLOG_RECHECK_S,
    COMPACT_OUTPUT_ENV,
    CURSOR_BLINK_ENV,
    RepaintPacer,
    compacting_driver,
    cursor_should_blink,
    output_backlog,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_quiet_chat_repaints_at_once_and_a_busy_one_on_a_budget() -> None:
    clock = Clock()
    pacer = RepaintPacer(rate=5, burst=3, clock=clock)
    for _ in range(3):  # the burst: a few messages in a quiet chat show at once
        assert pacer.wait() == 0
        pacer.took()
    assert pacer.wait() == pytest.approx(0.2)  # then five a second
    clock.now += 0.2
    assert pacer.wait() == 0
    pacer.took()
    # A sustained flood: one repaint every 0.2 s, however many messages arrive.
    repaints = 0
    for _ in range(1000):
        clock.now += 0.01
        if pacer.wait() == 0:
            pacer.took()
            repaints += 1
    assert repaints == pytest.approx(50, abs=1)
    clock.now += 60  # quiet again: the burst is back, and no more
    for _ in range(3):
        assert pacer.wait() == 0
        pacer.took()
    assert pacer.wait() > 0


def test_frames_waiting_for_the_terminal_hold_the_next_repaint() -> None:
    pacer = RepaintPacer(clock=Clock())
    assert pacer.wait(backlog=2) == BACKLOG_RECHECK_S
    assert pacer.wait(backlog=0) == 0


def test_a_pacer_needs_a_rate_and_a_burst() -> None:
    with pytest.raises(ValueError):
        RepaintPacer(rate=0)
    with pytest.raises(ValueError):
        RepaintPacer(burst=0)


def test_the_backlog_is_what_the_writer_thread_has_queued() -> None:
    # Textual's own writer thread, not started: what the driver hands it stays queued,
    # as behind a terminal that does not read.
    writer = WriterThread(io.StringIO())
    app = SimpleNamespace(_driver=SimpleNamespace(_writer_thread=writer))
    assert output_backlog(app) == 0
    writer.write("frame 1")
    writer.write("frame 2")
    assert output_backlog(app) == 2
    assert output_backlog(SimpleNamespace(_driver=None)) == 0  # headless, or no driver yet
    assert output_backlog(object()) == 0


def test_held_lines_count_and_a_covered_list_waits_on_a_slow_link() -> None:
    writer = WriterThread(io.StringIO())
    driver = SimpleNamespace(_writer_thread=writer, output_pending=3, link_is_slow=False)
    app = SimpleNamespace(_driver=driver)
    assert output_backlog(app) == 3  # lines the gate holds for the link
    assert output_backlog(app, covered=True) == 3  # under a dialog, on a fast link
    driver.link_is_slow = True
    driver.output_pending = 0
    assert output_backlog(app) == 0
    assert output_backlog(app, covered=True) == 1  # under a dialog on a slow link: wait
    driver.output_pending = 5  # the frame that closed the dialog, held for the link
    assert output_backlog(app) == 0  # the list's first repaint after it goes at once
    assert output_backlog(app) == 5  # and then it waits again


def test_the_cursor_stays_solid_over_ssh_and_blinks_locally() -> None:
    assert cursor_should_blink({}) is True
    assert cursor_should_blink({"SSH_CONNECTION": "10.0.0.2 50022 10.0.0.1 22"}) is False
    assert cursor_should_blink({"SSH_TTY": "/dev/pts/3"}) is False
    over_ssh = {"SSH_TTY": "/dev/pts/3"}
    assert cursor_should_blink({**over_ssh, CURSOR_BLINK_ENV: "1"}) is True
    assert cursor_should_blink({CURSOR_BLINK_ENV: "off"}) is False


class _Recording:
    """Stands in for a Textual driver: only `write` is wrapped."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, data: str) -> None:
        self.written.append(data)


def test_the_driver_writes_compacted_output_unless_turned_off() -> None:
    frame = "\x1b[1;1H\x1b[31;40mab\x1b[0m\x1b[32;40mcd\x1b[0m"
    driver = compacting_driver(_Recording, {})()  # type: ignore[arg-type]
    driver.write(frame)
    assert driver.written == ["\x1b[1;1H\x1b[31;40mab\x1b[32mcd\x1b[39;49m"]
    assert compacting_driver(_Recording, {COMPACT_OUTPUT_ENV: "0"}) is _Recording  # type: ignore[arg-type]

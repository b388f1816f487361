"""Coverage: a query knows whether the recorder was connected for its whole range."""

from __future__ import annotations

from tests.server.history.helpers import Clock, open_store
from tui.server.db import DatabaseTarget
from tui.server.history.coverage import MAX_INTERVALS

S = 1_000_000  # microseconds in a second


def test_a_gap_between_intervals_makes_a_range_incomplete(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    cov = store.coverage
    cov.recording(10 * S)
    cov.stopped(20 * S)
    cov.recording(25 * S)
    now = 40 * S
    assert cov.covered(12 * S, 19 * S, now)
    assert cov.covered(26 * S, now, now)  # the open interval reaches now
    assert not cov.covered(15 * S, now, now)  # 20..25 s missing
    assert not cov.covered(5 * S, 15 * S, now)  # before the first interval
    cov.stopped(30 * S)
    assert not cov.covered(26 * S, now, now)  # stopped at 30 s, and it is 40 s now


def test_recording_twice_or_stopping_twice_changes_nothing(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    cov = store.coverage
    cov.stopped(5 * S)
    cov.recording(10 * S)
    cov.recording(15 * S)
    cov.stopped(20 * S)
    cov.stopped(30 * S)
    assert cov.intervals() == [(10 * S, 20 * S)]


def test_after_a_crash_the_interval_ends_at_the_last_heartbeat(where: DatabaseTarget) -> None:
    clock = Clock()
    store = open_store(where, clock)
    start = store.now_us()
    store.coverage.recording(start)
    store.coverage.alive(start + 5 * S)
    store.coverage.alive(start + 5 * S + S // 2)  # coalesced: under a second later
    # The process dies here: no stopped(), no close().
    clock.advance(60)
    again = open_store(where, clock)
    assert not again.coverage.is_recording
    assert again.coverage.intervals() == [(start, start + 5 * S)]
    now = again.now_us()
    assert again.coverage.covered(start, start + 5 * S, now)
    assert not again.coverage.covered(start, now, now)  # after the last heartbeat: unknown


def test_coverage_is_bounded(where: DatabaseTarget) -> None:
    clock = Clock()
    store = open_store(where, clock, max_age_seconds=3600)
    cov = store.coverage
    base = store.now_us()
    for i in range(MAX_INTERVALS + 50):  # a flapping link
        cov.recording(base + i * 10)
        cov.stopped(base + i * 10 + 5)
    assert len(cov.intervals()) == MAX_INTERVALS
    clock.advance(7200)
    cov.recording(store.now_us())  # everything before the retention window goes
    assert cov.intervals() == [(store.now_us(), store.now_us())]


def test_with_two_recorders_one_dying_leaves_the_room_covered(where: DatabaseTarget) -> None:
    """Two servers record the same room; A dies (no stopped, no close): B's interval still
    covers the time after A's last heartbeat, and B's own stop makes it incomplete."""
    clock = Clock()
    a, b = open_store(where, clock), open_store(where, clock)
    start = a.now_us()
    a.coverage.recording(start)
    b.coverage.recording(start + S)
    a.coverage.alive(start + 5 * S)
    # A dies here. B goes on; its heartbeat ends its interval at 20 s.
    b.coverage.alive(start + 20 * S)
    clock.advance(30)
    now = b.now_us()
    assert b.coverage.covered(start, now, now)  # A covered the first second, B the rest
    assert not b.coverage.covered(start - S, now, now)  # nobody before A began
    c = open_store(where, clock)  # a third server, not recording: sees both by heartbeat
    assert c.coverage.covered(start, start + 20 * S, now)
    assert not c.coverage.covered(start, now, now)  # after B's last heartbeat: unknown
    b.coverage.stopped(now)
    assert not b.coverage.covered(start, now + S, now + S)

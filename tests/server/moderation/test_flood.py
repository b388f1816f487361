"""Flood control with a hand-driven clock: one offence per burst, bounded memory."""

from __future__ import annotations

from tui.server.moderation.flood import FloodWatch
from tui.server.moderation.room_settings import FloodLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def watch(messages: int = 5, seconds: int = 5, **kw: int) -> tuple[FloodWatch, Clock]:
    clock = Clock()
    return FloodWatch(FloodLimits(messages, seconds, 60), clock=clock, **kw), clock


def test_up_to_the_limit_is_no_flood_one_more_is() -> None:
    flood, _ = watch(messages=5, seconds=5)
    assert [flood.note("bob") for _ in range(5)] == [False] * 5
    assert flood.note("bob") is True


def test_messages_spread_over_the_window_are_no_flood() -> None:
    flood, clock = watch(messages=5, seconds=5)
    for _ in range(100):
        assert not flood.note("bob")
        clock.now += 1.0  # one a second: 5 in any 5 s window, never more


def test_one_offence_per_burst() -> None:
    flood, clock = watch(messages=3, seconds=10)
    answers = []
    for _ in range(50):  # keeps going at 10 msg/s: one burst
        answers.append(flood.note("bob"))
        clock.now += 0.1
    assert answers.count(True) == 1 and answers.index(True) == 3
    clock.now += 10.0  # quiet for a window: the burst is over
    answers = [flood.note("bob") for _ in range(4)]
    assert answers == [False, False, False, True]


def test_senders_are_counted_apart() -> None:
    flood, _ = watch(messages=2, seconds=5)
    assert [flood.note(u) for u in ("a", "b", "a", "b", "c")] == [False] * 5
    assert flood.note("a") is True
    assert flood.note("c") is False


def test_a_raid_of_many_senders_stays_bounded() -> None:
    flood, clock = watch(messages=2, seconds=5, max_senders=1000)
    for i in range(50_000):
        flood.note(f"raider-{i}")
        clock.now += 0.001
        assert len(flood) <= 1000
    # The senders of the last window are remembered; a flooder among them is still caught.
    assert not flood.note("raider-49999") and flood.note("raider-49999")


def test_quiet_senders_are_forgotten() -> None:
    flood, clock = watch(messages=2, seconds=5)
    for i in range(100):
        flood.note(f"viewer-{i}")
    clock.now += 5.0
    flood.note("late")
    assert len(flood) == 1


def test_new_limits_start_the_counts_again() -> None:
    flood, _ = watch(messages=2, seconds=5)
    flood.note("bob")
    flood.note("bob")
    flood.set_limits(FloodLimits(1, 5, 60))
    assert flood.note("bob") is False and flood.note("bob") is True

"""The one token bucket: a burst, then a steady rate, and a rate that can change."""

from __future__ import annotations

from tui.common.token_bucket import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(2.0, 3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == 0.5  # one more token in half a second at 2 a second
    assert bucket.wait() == 0.5
    clock.now += 0.5
    assert bucket.wait() == 0.0 and bucket.take() == 0.0
    assert not bucket.full_since(clock.now + 1.0) and bucket.full_since(clock.now + 1.5)


def test_a_lower_rate_drops_what_is_above_the_new_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(10.0, 10, clock=clock)
    bucket.set_rate(1.0)
    assert bucket.take() == 0.0
    assert bucket.take() == 1.0  # the burst is now 1: the next token is a second away

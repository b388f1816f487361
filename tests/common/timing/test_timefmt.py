"""tui.common.timing.timefmt: the one RFC 3339 writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tui.common.timing.timefmt import rfc3339


def test_a_time_is_written_in_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 27, 13, 30, 0, 123999, tzinfo=timezone(timedelta(hours=1)))
    assert rfc3339(moment) == "2026-11-27T12:30:00.123Z"


def test_a_naive_time_is_taken_as_utc() -> None:
    assert rfc3339(datetime(2026, 11, 27, 12, 30)) == "2026-11-27T12:30:00.000Z"


def test_an_epoch_gives_the_same_text_as_its_datetime() -> None:
    moment = datetime(2026, 11, 27, 12, 30, 0, 5000, tzinfo=UTC)
    assert rfc3339(moment.timestamp()) == rfc3339(moment) == "2026-11-27T12:30:00.005Z"


def test_what_is_written_reads_back_as_the_same_millisecond() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert datetime.fromisoformat(rfc3339(moment)) == moment

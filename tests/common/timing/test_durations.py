"""Durations as moderators type them (the timeout picker, the room settings)."""

from __future__ import annotations

import pytest

from tui.common.timing.durations import (
    DurationError,
    describe_duration,
    format_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("3d", 259200),
        ("1h30m", 5400),
        (" 1 h 30 min ", 5400),
        ("45", 45),
        ("2 Hours", 7200),
    ],
)
def test_parse(typed: str, seconds: int) -> None:
    assert parse_duration(typed) == seconds


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "type a duration such as 90s, 15m, 2h or 3d"),
        ("soon", "'soon' is not a duration: type one such as 90s, 15m, 2h or 3d"),
        ("-5m", "'-5m' is not a duration: type one such as 90s, 15m, 2h or 3d"),
        ("5y", "'y' is not a unit: use s, m, h or d (such as 90s, 15m, 2h or 3d)"),
        ("0m", "a duration must be longer than 0 s"),
        ("99999999s", "'99999999s' is not a duration: type one such as 90s, 15m, 2h or 3d"),
    ],
)
def test_bad_input_in_words(typed: str, words: str) -> None:
    with pytest.raises(DurationError) as exc:
        parse_duration(typed)
    assert str(exc.value) == words


def test_zero_when_allowed() -> None:
    assert parse_duration("0", allow_zero=True) == 0


@pytest.mark.parametrize("seconds", [1, 59, 60, 90, 600, 3600, 5400, 86400, 90061])
def test_format_reads_back(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_describe() -> None:
    assert [describe_duration(s) for s in (60, 600, 3600, 86400, 5400, 90, 3 * 86400)] == [
        "1 min",
        "10 min",
        "1 h",
        "24 h",
        "1 h 30 min",
        "1 min 30 s",
        "3 d",
    ]

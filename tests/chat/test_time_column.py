"""The time column reuses one conversion per UTC minute, and only where that is right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tui.chat.time_column import UNKNOWN_TIME, TimeColumn


def _direct(moment: datetime, tz: timezone | ZoneInfo | None) -> str:
    local = moment.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/St_Johns", "Australia/Lord_Howe"])
def test_every_second_across_a_change_of_offset_reads_as_the_zone_says(zone: str) -> None:
    # St John's is 3:30 behind, Lord Howe moves by half an hour: not whole hours either.
    tz = ZoneInfo(zone)
    column = TimeColumn(tz)
    for year in (2026, 2027):
        # The 10 minutes around each of the year's changes, second by second.
        changes = [
            moment
            for moment in (
                datetime(year, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(9000)
            )
            if moment.astimezone(tz).utcoffset()
            != (moment - timedelta(hours=1)).astimezone(tz).utcoffset()
        ]
        assert changes, f"{zone} has no change of offset in {year}"
        for change in changes:
            for second in range(-300, 300):
                moment = change + timedelta(seconds=second)
                assert column.text(moment) == _direct(moment, tz), moment


def test_an_offset_with_seconds_is_converted_every_time() -> None:
    # 30 s ahead: two instants of one UTC minute fall in two local minutes.
    tz = timezone(timedelta(seconds=30))
    column = TimeColumn(tz)
    assert column.text(datetime(2026, 5, 1, 10, 0, 10, tzinfo=UTC)) == "10:00"
    assert column.text(datetime(2026, 5, 1, 10, 0, 40, tzinfo=UTC)) == "10:01"


def test_moments_in_other_zones_and_naive_ones_read_as_converted() -> None:
    tz = ZoneInfo("Asia/Kolkata")
    column = TimeColumn(tz)
    base = datetime(2026, 5, 1, 10, 0, 5, tzinfo=UTC)
    for moment in (
        base,
        base.astimezone(timezone(timedelta(hours=-7))),  # the same minute, another offset
        base + timedelta(seconds=50),
        base + timedelta(seconds=55),  # the next minute
        datetime(2026, 5, 1, 10, 0, 5),  # naive: local time, as astimezone reads it
    ):
        assert column.text(moment) == _direct(moment, tz)


def test_the_system_zone_and_a_time_out_of_range() -> None:
    column = TimeColumn()
    moment = datetime(2026, 5, 1, 10, 0, 5, tzinfo=UTC)
    assert column.text(moment) == _direct(moment, None)
    assert column.text(moment + timedelta(seconds=1)) == _direct(moment, None)
    # Year 1 at +01:00 is before the year 1 in UTC: no local time for it.
    assert column.text(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == UNKNOWN_TIME

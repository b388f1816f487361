"""SendTime values for hostile-frame tests: the extremes of datetime and of UTC offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

EXTREME_TIMES = [
    "0001-01-01T00:00:00+01:00",  # UTC would be year 0
    "9999-12-31T23:59:59-01:00",  # UTC would be year 10000
    "0001-01-01T00:00:00Z",  # fine in UTC, overflows in any local time west of it
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00",
]


offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
send_times = (
    st.sampled_from(EXTREME_TIMES)
    | st.builds(
        lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(),
        st.datetimes() | st.sampled_from([datetime.min, datetime.max]),
        offsets,
    )
    | st.datetimes().map(datetime.isoformat)
)


def shows_anywhere(moment: datetime) -> None:
    """What a client does with a SendTime: convert it to UTC and to local time."""
    moment.astimezone(UTC)
    moment.astimezone()
    moment.astimezone(timezone(timedelta(hours=-23, minutes=-59)))
    moment.astimezone(timezone(timedelta(hours=23, minutes=59)))

"""Reading the `StreamCat:MultihostInvite` event: its expiry, however it arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tui.ivs.events import CustomEvent
from tui.ivs.invites import Invite, invite_for, parse_invite
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE

WHEN = datetime(2026, 11, 27, 12, 30, 0, 123456, tzinfo=UTC)


def event(**extra: str) -> CustomEvent:
    attrs = {"userId": "u1", "broadcastType": "realtime", "stage": "s", "inviteId": "i1"}
    return CustomEvent("e1", EVENT_MULTIHOST_INVITE, {**attrs, **extra}, WHEN)


def test_the_expiry_goes_out_in_rfc3339_utc_and_comes_back() -> None:
    local = WHEN.astimezone(timezone(timedelta(hours=-5)))
    attrs = Invite("u1", "realtime", "s", "i1", local).attributes()
    assert attrs["expiresAt"] == "2026-11-27T12:30:00.123Z"
    invite = parse_invite(event(expiresAt=attrs["expiresAt"]))
    assert invite is not None
    assert invite.expires_at == WHEN.replace(microsecond=123000)
    assert invite.expires_at.tzinfo is UTC


def test_no_expiry_given_none_sent() -> None:
    assert "expiresAt" not in Invite("u1", "realtime", "s", "i1").attributes()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-27T13:30:00+01:00", datetime(2026, 11, 27, 12, 30, tzinfo=UTC)),
        ("2026-11-27T12:30:00", datetime(2026, 11, 27, 12, 30, tzinfo=UTC)),
        ("", None),
        ("tomorrow", None),
        ("2026-13-45T99:00:00Z", None),
        ("9" * 5000, None),
        ("0001-01-01T00:00:00+01:00", None),  # year 0 in UTC: OverflowError
        ("9999-12-31T23:59:59-01:00", None),  # year 10000 in UTC
        ("0001-01-01T00:00:00Z", None),  # overflows in any local time west of UTC
    ],
)
def test_an_unreadable_expiry_still_leaves_an_invite(raw: str, expected: datetime | None) -> None:
    invite = parse_invite(event(expiresAt=raw))
    assert invite is not None and invite.invite_id == "i1"
    assert invite.expires_at == expected


def test_an_absent_expiry_is_none() -> None:
    invite = parse_invite(event())
    assert invite is not None and invite.expires_at is None


@pytest.mark.parametrize("expiry", ["0001-01-01T00:00:00+01:00", "2026-11-27T12:30:00Z"])
def test_an_invite_is_read_only_by_whom_it_names(expiry: str) -> None:
    assert invite_for(event(expiresAt=expiry), "someone-else") is None
    mine = invite_for(event(expiresAt=expiry), "u1")
    assert mine is not None and mine.invite_id == "i1"

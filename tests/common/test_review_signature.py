"""The review call's signature: what the app server accepts and what it refuses."""

from __future__ import annotations

import pytest

from tui.common.review_signature import SignatureRefused, sign, verify

BODY = b'{"Content":"hi","MessageId":"abcdefghijkl"}'


def test_a_signed_body_verifies_within_the_window() -> None:
    header = sign("s3cret", BODY, now=1_000_000.0)
    verify("s3cret", BODY, header, now=1_000_000.0)
    verify("s3cret", BODY, header, now=1_000_060.0)
    verify("s3cret", BODY, header, now=999_940.0)


@pytest.mark.parametrize(
    ("secret", "body", "now", "why"),
    [
        ("other", BODY, 1_000_000.0, "does not match"),
        ("s3cret", BODY + b" ", 1_000_000.0, "does not match"),
        ("s3cret", BODY, 1_000_061.0, "more than 60 s"),
        ("s3cret", BODY, 999_939.0, "more than 60 s"),
    ],
)
def test_a_wrong_secret_body_or_time_is_refused(
    secret: str, body: bytes, now: float, why: str
) -> None:
    header = sign("s3cret", BODY, now=1_000_000.0)
    with pytest.raises(SignatureRefused, match=why):
        verify(secret, body, header, now=now)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=x,v1=abc", "t=1000000", "garbage"])
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureRefused):
        verify("s3cret", BODY, header, now=1_000_000.0)


def test_the_time_is_part_of_what_is_signed() -> None:
    header = sign("s3cret", BODY, now=1_000_000.0)
    moved = header.replace("t=1000000", "t=1000030")
    with pytest.raises(SignatureRefused, match="does not match"):
        verify("s3cret", BODY, moved, now=1_000_030.0)

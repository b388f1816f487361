"""The bodies of purge and notes, checked: pure, no I/O."""

from __future__ import annotations

import pytest

from tui.server.domain_errors import InvalidRequest
from tui.server.moderation.policy import MAX_PURGE_SECONDS, parse_action_request
from tui.server.raid.notes import NOTE_MAX_LENGTH, parse_note


def test_purge_seconds_is_kept_for_a_ban_and_a_timeout() -> None:
    ban = parse_action_request({"action": "ban", "userId": "u", "purgeSeconds": 600})
    assert ban.purge_seconds == 600
    timeout = parse_action_request({"action": "timeout", "userId": "u", "purgeSeconds": 3600.0})
    assert timeout.purge_seconds == MAX_PURGE_SECONDS
    assert parse_action_request({"action": "ban", "userId": "u"}).purge_seconds is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"action": "ban", "purgeSeconds": 3601}, "from 1 to 3600 (an hour), not 3601"),
        ({"action": "ban", "purgeSeconds": -5}, "from 1 to 3600"),
        ({"action": "ban", "purgeSeconds": float("nan")}, "whole number"),
        ({"action": "ban", "purgeSeconds": [60]}, "whole number"),
        ({"action": "mod", "purgeSeconds": 60}, "goes with ban or timeout, not with mod"),
        ({"action": "delete", "messageId": "m", "purgeSeconds": 60}, "not with delete"),
    ],
)
def test_purge_seconds_refused_in_words(body: dict[str, object], words: str) -> None:
    body = {"userId": "u", **body} if body["action"] != "delete" else body
    with pytest.raises(InvalidRequest, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_action_request(body)


def test_a_note_counts_characters_not_bytes_and_is_cleaned() -> None:
    assert parse_note({"text": "\U0001f600" * NOTE_MAX_LENGTH}) == "\U0001f600" * NOTE_MAX_LENGTH
    hostile = " a\tb\r\nc\x9b31m\u202eevil\u200f "
    assert parse_note({"text": hostile}) == "a b\u2424c\\x9b31m\\u202eevil"
    with pytest.raises(InvalidRequest, match=f"501 characters; at most {NOTE_MAX_LENGTH}"):
        parse_note({"text": "\U0001f600" * (NOTE_MAX_LENGTH + 1)})

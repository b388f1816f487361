"""Deletions said together are one line per sender and reason (a purge is many)."""

from __future__ import annotations

from tui.chat.raid.deletions import Deletion, deletion_words


def test_one_deletion_is_said_as_before() -> None:
    assert deletion_words([Deletion("Bob", "spam")]) == ["the moderator deleted a message: spam"]
    assert deletion_words([Deletion(None)]) == ["the moderator deleted a message"]


def test_a_purge_is_one_line() -> None:
    purge = [Deletion("Bob", "spam")] * 37
    assert deletion_words(purge) == ["the moderator deleted 37 messages by Bob: spam"]


def test_groups_keep_the_order_first_seen() -> None:
    said = deletion_words(
        [Deletion("Eve"), Deletion("Bob", "spam"), Deletion("Eve"), Deletion(None), Deletion(None)]
    )
    assert said == [
        "the moderator deleted 2 messages by Eve",
        "the moderator deleted a message: spam",
        "the moderator deleted 2 messages",
    ]

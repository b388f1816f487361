"""Deletions said together are one line per sender and words (a purge is many)."""

from __future__ import annotations

from tui.chat.raid.deletions import Deletion, deletion_words

SPAM = "the moderator deleted a message: spam"
PLAIN = "the moderator deleted a message"


def test_one_deletion_is_said_as_before() -> None:
    assert deletion_words([Deletion(SPAM, "Bob")]) == [SPAM]
    assert deletion_words([Deletion(PLAIN)]) == [PLAIN]


def test_a_purge_is_one_line() -> None:
    assert deletion_words([Deletion(SPAM, "Bob")] * 37) == [
        "the moderator deleted 37 messages by Bob: spam"
    ]


def test_groups_keep_the_order_first_seen() -> None:
    said = deletion_words(
        [
            Deletion(PLAIN, "Eve"),
            Deletion(SPAM, "Bob"),
            Deletion(PLAIN, "Eve"),
            Deletion(PLAIN),
            Deletion(PLAIN),
            Deletion("something else"),
            Deletion("something else"),
        ]
    )
    assert said == [
        "the moderator deleted 2 messages by Eve",
        SPAM,
        "the moderator deleted 2 messages",
        "something else (2 times)",
    ]

"""Where a hold term is in a held message's words, and how long it has left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tui.chat.raid.held import minutes_left, term_spans


def spans(text: str, term: str | None) -> list[str]:
    return [text[start:end] for start, end in term_spans(text, term)]


def test_a_word_is_found_case_ignored_and_whole() -> None:
    assert spans("Buy SPAM now, spam!", "spam") == ["SPAM", "spam"]
    assert spans("spammer and spam_bot", "spam") == ["spam"]  # `_` separates words
    assert spans("spammer", "spam") == []


def test_a_phrase_across_any_separator() -> None:
    assert spans("buy-followers here, buy  followers", "buy followers") == [
        "buy-followers",
        "buy  followers",
    ]


def test_a_pattern_as_written() -> None:
    assert spans("sp4m and spaaam", "re:sp[a4]+m") == ["sp4m", "spaaam"]
    assert spans("anything", "re:(") == []  # not a pattern here: nothing, no error
    assert spans("abc", "re:x*") == []  # empty matches highlight nothing


def test_no_term() -> None:
    assert term_spans("hello", None) == [] and term_spans("hello", "") == []
    assert term_spans("hello", "!!!") == []


@given(st.text(), st.text())
def test_spans_are_inside_the_text(text: str, term: str) -> None:
    for start, end in term_spans(text, term):
        assert 0 <= start < end <= len(text)


def test_minutes_left_round_up() -> None:
    now = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    assert minutes_left(None, now) is None
    assert minutes_left(now + timedelta(seconds=61), now) == 2
    assert minutes_left(now + timedelta(minutes=10), now) == 10
    assert minutes_left(now - timedelta(seconds=5), now) == 0

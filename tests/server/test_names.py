"""Display names: validation holds for any text, and no name passes for the staff or
a badge."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.server.names import (
    BIDI_CONTROLS,
    BLANK_LETTERS,
    DISPLAY_NAME_MAX,
    DisplayNameError,
    check_viewer_name,
    validate_display_name,
)

BLANKS = "\u115f\u1160\u3164\uffa0\u2800\u034f\u0301\u20dd\ufe0f\U000e0100 \u3000"


@given(st.text(max_size=40) | st.text(alphabet=BLANKS, max_size=8))
def test_any_text_is_accepted_clean_or_refused_with_a_reason(text: str) -> None:
    try:
        name = validate_display_name(text)
    except DisplayNameError as exc:
        assert str(exc)
        return
    assert 1 <= len(name) <= DISPLAY_NAME_MAX
    assert name == name.strip()
    for ch in name:
        assert ch not in BIDI_CONTROLS
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    assert any(
        ch not in BLANK_LETTERS and unicodedata.category(ch) not in ("Mn", "Me", "Zs")
        for ch in name
    ), "a name that shows as blank"


@given(st.one_of(st.integers(), st.none(), st.lists(st.text()), st.booleans()))
def test_non_strings_are_refused(value: object) -> None:
    try:
        validate_display_name(value)
    except DisplayNameError as exc:
        assert str(exc) == "displayName must be a string"
    else:
        raise AssertionError("accepted a non-string")


# Reserved names and badges: look-alikes of the staff's names and of the badges.

OPENERS = [chr(c) for c in range(0x20000) if unicodedata.category(chr(c)) == "Ps"]
CLOSERS = [chr(c) for c in range(0x20000) if unicodedata.category(chr(c)) == "Pe"]


def refusal(name: str) -> str:
    try:
        check_viewer_name(name)
    except DisplayNameError as exc:
        return str(exc)
    raise AssertionError(f"{name!r} was accepted")


@pytest.mark.parametrize(
    "name",
    [
        "\u041coderator",  # Cyrillic capital em
        "\u039cODERATOR",  # Greek capital mu
        "\u0412roadcaster",  # Cyrillic capital ve
        "M0derator",
        "Mo\u0308de\u0301rator",
        "m o d e r a t o r",
        "Moderatorrr",
        "Br0adcaster",
        "Room_Keeper",
        "RoomKeeper",
        "r00m keeper",
        "Moderator Bob",
        "Official BROADCASTER",
        "bob the room keeper",
        "M0d3rat0r-on-duty",
    ],
)
def test_names_that_read_as_a_reserved_name_are_refused(name: str) -> None:
    assert "is reserved: it would make you look like the chat's staff" in refusal(name)


@pytest.mark.parametrize(
    "name",
    [
        "\u3010host\u3011 Eve",  # 【host】
        "\u27e6host\u27e7 Eve",  # ⟦host⟧
        "{host} Eve",
        "<mod> Eve",
        "\u00abmod\u00bb Eve",  # «mod»
        "\u2039host\u203a Eve",  # single angle quotation marks
        "\u3008host\u3009 Eve",  # 〈host〉
        "\u300chost\u300d Eve",  # 「host」
        "\u2983host\u2984 Eve",  # ⦃host⦄
        "\uff5bhost\uff5d Eve",  # full-width braces
    ],
)
def test_a_bracket_of_any_script_opening_a_name_reads_as_a_badge(name: str) -> None:
    assert "would read like a badge such as [host]" in refusal(name)


@pytest.mark.parametrize(
    "name", ["Eve {host}", "Eve \u3010h0st\u3011", "Eve \u00abMOD\u00bb", "Eve (mod)"]
)
def test_a_badge_word_between_brackets_anywhere_is_refused(name: str) -> None:
    assert "has a badge word in brackets" in refusal(name)


@given(st.sampled_from(OPENERS), st.sampled_from(CLOSERS), st.sampled_from(["host", "mod"]))
def test_every_pair_of_open_and_close_punctuation_around_a_badge_is_refused(
    opener: str, closer: str, badge: str
) -> None:
    for name in (f"{opener}{badge}{closer} Eve", f"Eve {opener}{badge}{closer}"):
        try:
            check_viewer_name(name)
        except DisplayNameError as exc:
            assert "badge" in str(exc)
        else:
            raise AssertionError(f"{name!r} was accepted")


@pytest.mark.parametrize(
    "name",
    [
        "Ada (demo bot)",
        "Eve (the host)",
        "Modesto",
        "Broadcasting fan",
        "Roomkeeping",
        "Hostess",
        "Broadcast",
        "\u00abEve",
        "Eve <3",
        "Room",
    ],
)
def test_ordinary_names_stay_allowed(name: str) -> None:
    check_viewer_name(name)

"""Log-line escaping: what an attacker's request path becomes in the operator's terminal."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from tui.common.text import clean, for_log


def test_osc52_clear_screen_and_forged_lines_are_shown_as_escapes() -> None:
    path = unquote("/multihost/%1b%5d52;c;UFdORUQ=%07/x%1b%5b2J%1b%5b3J%0aFORGED 200")
    logged = for_log(path)
    assert logged == "/multihost/\\x1b]52;c;UFdORUQ=\\x07/x\\x1b[2J\\x1b[3J\\nFORGED 200"


def test_bidi_marks_and_format_characters_are_visible_not_dropped() -> None:
    assert for_log("a\u202eb\u200ec\u2066d\u2028e\U000e0100") == (
        "a\\u202eb\\u200ec\\u2066d\\u2028e\\U000e0100"
    )


def test_a_backslash_is_doubled_so_an_escape_cannot_be_forged() -> None:
    assert for_log("\\x1b") == "\\\\x1b"


def test_ordinary_text_is_unchanged() -> None:
    assert for_log("GET /api/chat/token 200 Zoë 日本") == "GET /api/chat/token 200 Zoë 日本"


@given(st.text())
def test_no_control_or_format_character_survives(text: str) -> None:
    for rendered in (for_log(text), clean(text)):
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in rendered)
        assert not any(
            0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in rendered
        )

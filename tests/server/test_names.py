"""Display-name validation holds for any text, not just the examples."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tui.server.names import (
    BIDI_CONTROLS,
    BLANK_LETTERS,
    DISPLAY_NAME_MAX,
    DisplayNameError,
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

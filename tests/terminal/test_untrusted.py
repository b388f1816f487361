"""Untrusted text never reaches the terminal as markup or as a control sequence."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.terminal.untrusted import as_content, clean, content_from, pasted_line

HOSTILE = {
    "click": "[@click=app.quit]x[/]",
    "bold": "[bold]loud",
    "stray": "a stray [/ here",
    "osc52": "\x1b]52;c;aGFja2Vk\x07",
    "osc8": "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
    "cursor": "\x1b[2J\x1b[H\x1b[31mred",
    "rlo": "abc\u202edcba",
    "c1_csi": "\x9b2J",
}

# What must never be drawn: C0, DEL, C1, bidi embeddings/overrides/isolates and marks,
# Unicode line separators, lone surrogates.
DANGEROUS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_clean_leaves_no_dangerous_character(name: str) -> None:
    assert DANGEROUS.search(clean(HOSTILE[name])) is None


def test_controls_become_visible_pictures() -> None:
    assert clean("\x1b[2J") == "\u241b[2J"  # ␛[2J
    assert clean("\x07\x00") == "\u2407\u2400"
    assert clean("\x7f") == "\u2421"
    assert clean("\x9b2J") == "\\x9b2J"
    assert clean("abc\u202edcba") == "abc\\u202edcba"
    assert clean("\u2066x\u2069") == "\\u2066x\\u2069"


def test_a_chat_line_stays_one_line() -> None:
    assert clean("one\ntwo\r\nthree\rfour\u2028five") == "one␤two␤three␤four␤five"
    assert clean("a\tb") == "a b"


def test_invisible_bidi_marks_are_removed_and_surrogates_replaced() -> None:
    shalom = "\u05e9\u05dc\u05d5\u05dd"
    assert clean(f"\u200f{shalom}\u200e") == shalom
    assert clean("a\ud800b") == "a\ufffdb"


def test_ordinary_text_is_untouched() -> None:
    hebrew = "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd"
    for text in ("hello", "héllo wörld", "日本語 🎉 👩‍💻", hebrew, "[not markup]", ""):
        assert clean(text) == text


@given(st.text())
def test_clean_is_total_and_safe(text: str) -> None:
    cleaned = clean(text)
    assert DANGEROUS.search(cleaned) is None
    assert clean(cleaned) == cleaned
    if DANGEROUS.search(text) is None:
        assert cleaned is text  # the fast path: safe text is not copied


@given(st.text())
def test_a_paste_becomes_one_safe_line(text: str) -> None:
    line = pasted_line(text)
    assert DANGEROUS.search(line) is None
    assert "\n" not in line and "\r" not in line


def test_a_paste_keeps_its_words_in_order() -> None:
    assert pasted_line("one\r\n\n two\x1b[2J\n") == "one  two␛[2J"


def test_as_content_is_literal_text() -> None:
    content = as_content(HOSTILE["click"], "bold")
    assert content.plain == "[@click=app.quit]x[/]"
    assert [span.style for span in content.spans] == ["bold"]


def test_content_from_substitutes_values_as_text() -> None:
    content = content_from("[b]$name[/b] says $text", name="[@click=app.quit]x[/]", text="\x1b[2J")
    assert content.plain == "[@click=app.quit]x[/] says \u241b[2J"
    assert [(s.start, s.end, s.style) for s in content.spans] == [(0, 21, "b")]


class _Shows(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(as_content(self.text), id="shown")


def _segments(app: App[None]) -> list[Segment]:
    widget = app.query_one("#shown", Static)
    return [segment for y in range(widget.size.height) for segment in widget.render_line(y)]


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_text_renders_literally_and_inertly(name: str) -> None:
    app = _Shows(HOSTILE[name])
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        segments = _segments(app)
        drawn = "".join(segment.text for segment in segments)
        assert clean(HOSTILE[name]) in drawn
        assert DANGEROUS.search(drawn) is None
        for segment in segments:
            style = segment.style
            # No link and no action: the only meta allowed is Textual's text-selection
            # offset, which makes nothing clickable.
            assert style is None or (not style.link and set(style.meta) <= {"offset"}), segment
        # Clicking the text does nothing: it is not an action link.
        await pilot.click("#shown", offset=(1, 0))
        await pilot.pause()
        assert app.is_running


def test_replacements_are_single_width_or_ascii() -> None:
    # A replacement must not change the line's width unpredictably.
    for code in (*range(0x20), 0x7F):
        picture = clean(chr(code)) or " "
        assert all(unicodedata.east_asian_width(c) in "NaH" for c in picture)

"""Folding: names as a reader tells them apart, and words as the blocked-terms matcher
reads them (case, width, styles, marks, invisible characters, look-alikes, digits for
letters, spaced-out and repeated letters)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.common.matching.folding import TermWord, WordIndex, fold, name_key, readings, term_words


@pytest.mark.parametrize(
    "written",
    [
        "scam",
        "SCAM",
        "\uff33\uff23\uff21\uff2d",  # full width
        "\U0001d42c\U0001d41c\U0001d41a\U0001d426",  # mathematical bold
        "s\u200bc\u00ada\u2060m",  # zero-width space, soft hyphen, word joiner
        "\u0455\u0441\u0430m",  # Cyrillic dze, es, a
        "scam\ufe0f",  # a variation selector
        "\uff53\U000e0041cam",  # a tag character
        "s\u0336c\u0336a\u0336m\u0336",  # struck through with a combining overlay
        "s\u0107am",  # c with acute
        "sc\u00e0m",  # a with grave, precomposed
        "sca\u0300m",  # a with grave, as a combining mark
        "\u0282cam",  # s with hook: no decomposition, confusables gives s and a hook
        "\u023fcam",  # s with swash tail: in neither table, by its Unicode name
        "SC\u1d00M",  # a small capital A
    ],
)
def test_what_reads_as_scam_folds_to_scam(written: str) -> None:
    assert fold(written) == "scam"


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("\u041coderator", "moderator"),  # Cyrillic capital em: its small form is no m
        ("\u039cODERATOR", "moderator"),  # Greek capital mu
        ("\u0412roadcaster", "broadcaster"),  # Cyrillic capital ve
        ("\u00eddiots", "idiots"),
    ],
)
def test_capital_look_alikes_fold_before_their_case_does(written: str, folded: str) -> None:
    assert fold(written) == folded


def test_ascii_stays_as_typed() -> None:
    # The strict UTS #39 skeleton would give "rn", "l" and "O": patterns would not read.
    assert fold("m 1 0 | l") == "m 1 0 | l"


def test_different_words_stay_different() -> None:
    assert fold("spam") != fold("scam")
    assert fold("\uc548\ub155") == "\uc548\ub155"  # Hangul stays composed, as typed


@pytest.mark.parametrize(
    "text",
    [
        "\u0405\u0441\u0430\u043c \uff21\uff22\uff23",
        "\u01c5emal",
        "stra\u00dfe",
        "\ufdfa",
        "e\u0301",
        "\U0001d573",
        "\u0282\u023f\u1d00",
    ],
)
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(max_size=30))
def test_folding_twice_changes_nothing_for_any_text(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert not any(unicodedata.category(ch) in ("Mn", "Me") for ch in once)


def words_of(text: str) -> set[tuple[str, ...]]:
    return {words for words, _ in readings(fold(text))}


def test_a_plain_message_has_one_reading_and_the_underscore_separates() -> None:
    assert words_of("buy_followers now!") == {("buy", "followers", "now")}


def test_spaced_out_letters_are_also_read_as_one_word() -> None:
    for text in ("i d i o t s", "i.d.i.o.t.s", "i_d_i_o_t_s", "i\u3000d\u2003i\u00a0o t s"):
        assert ("idiots",) in words_of(text)
    assert ("idiots",) in words_of("i d i o t s")
    assert ("you", "idiots") in words_of("you i.d.i.o.t.s")
    assert ("what", "a", "scam") in words_of("what a s c a m")  # "a" may be a word
    assert ("what", "ascam") in words_of("what a s c a m")


def test_a_blank_braille_pattern_is_read_as_a_space_and_as_nothing() -> None:
    assert words_of("s\u2800cam") == {("s", "cam"), ("scam",)}


def test_at_and_dollar_are_read_as_separators_and_as_letters() -> None:
    assert words_of("bob@scam.com") >= {("bob", "scam", "com"), ("bob@scam", "com")}


def fits(term: str, word: str) -> bool:
    (spelt,) = term_words(term)
    return TermWord.of(spelt).fits(word)


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("idiots", "idi0ts"),
        ("idiots", "1d1ots"),
        ("idiots", "idiotsss"),
        ("idiots", "iiidiots"),
        ("followers", "f0ll0wers"),
        ("followers", "fo11owers"),
        ("ass", "@$$"),
        ("ass", "a55"),
        ("leet", "l33t"),
        ("still", "st111"),
        ("ill", "i11"),
    ],
)
def test_a_dodged_word_fits_its_term(term: str, word: str) -> None:
    assert fits(term, word)


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("ass", "as"),  # a repeat may stand for fewer letters, never for more
        ("followers", "folowers"),
        ("ball", "bail"),  # i is not l: only 1 stands for either
        ("ill", "il"),
        ("ass", "455"),  # a number stays a number
        ("idiots", "idiot"),
    ],
)
def test_a_different_word_does_not_fit(term: str, word: str) -> None:
    assert not fits(term, word)


def test_an_index_finds_whole_words_only() -> None:
    index: WordIndex[str] = WordIndex()
    index.add(term_words("ass"), "ass")
    index.add(term_words("buy followers"), "buy followers")
    assert index.find(fold("what a class")) is None
    assert index.find(fold("you @$$")) == "ass"
    assert index.find(fold("buy_f0ll0wers")) == "buy followers"
    assert index.whole(fold("buy followers")) == "buy followers"
    assert index.whole(fold("buy followers now")) is None


@pytest.mark.parametrize(
    ("name", "same"),
    [("Ada (demo bot)", "ada (demo bot)"), ("tr0ll_okwtv", "TROLL_okwtv"), ("\uff21da", "Ada")],
)
def test_name_keys_meet_across_case_width_and_look_alikes(name: str, same: str) -> None:
    assert name_key(name) == name_key(same)


def test_folding_needs_the_confusables_data_but_not_the_package() -> None:
    # tui.common is standard library only: the table is read as a file, the package
    # (whose import parses a large JSON file) is never imported.
    code = (
        "import sys; from tui.common.matching.folding import fold, name_key; "
        "assert fold('\\u0455\\u0441\\u0430m') == 'scam'; name_key('x'); "
        "print('confusables' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

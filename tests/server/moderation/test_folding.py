"""Folding for blocked terms: case, width, styles, invisible characters and look-alikes."""

from __future__ import annotations

import pytest

from tui.server.moderation.folding import fold


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
    ],
)
def test_what_reads_as_scam_folds_to_scam(written: str) -> None:
    assert fold(written) == "scam"


def test_ascii_stays_as_typed() -> None:
    # The strict UTS #39 skeleton would give "rn", "l" and "O": patterns would not read.
    assert fold("m 1 0 | l") == "m 1 0 | l"


def test_different_words_stay_different() -> None:
    assert fold("spam") != fold("scam")
    assert fold("caf\u00e9") != fold("cafe")


@pytest.mark.parametrize(
    "text",
    [
        "\u0405\u0441\u0430\u043c \uff21\uff22\uff23",
        "\u01c5emal",
        "stra\u00dfe",
        "\ufdfa",
        "e\u0301",
        "\U0001d573",
    ],
)
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fold(fold(text)) == fold(text)

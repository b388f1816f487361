"""Blocked terms: which messages the room keeper deletes.

A term is one of:
- **a word or a phrase** (`spam`, `buy followers`): matched as whole words, after
  folding (`tui.common.matching.folding`, `fold` and `readings`): `SPAM!`, "spam" spelt with
  Cyrillic letters, `s\\u200bpam`, `s̶p̶a̶m̶`, `sp4m`, `s p a m` and `spammm` match `spam`,
  `spammer` does not, and `class` does not match `ass`. Anything that is not a letter or
  a digit separates words, the underscore too, so `buy followers` also matches
  `buy-followers` and `buy_followers`.
- **a pattern**, written `re:` and a Python regular expression (`re:sp[a4]+m`): searched
  anywhere in the folded message, case ignored. Folding leaves printable ASCII as typed,
  so a pattern reads as written; its non-ASCII letters are folded like a message's (a
  Cyrillic dze and er in `re:sp[a4]m` read as Latin s and p).

Terms are checked at 100 messages a second (the room's highest rate, IVS's
`maximumMessageRatePerSecond`), in the room keeper on the event loop, so the list has
bounds, each refused with words:
- words and phrases are a dictionary lookup per word of the message (and of its other
  readings, when it has spaced-out letters, @, $ or a blank Braille pattern), whatever
  their number: up to `MAX_TERMS` (1000) terms of `MAX_TERM_LENGTH` (100) characters;
- patterns all go into one compiled alternation, which Python's `re` tries branch by
  branch at each position, so their cost grows with their count: at most `MAX_PATTERNS`
  (50), and together at most `PATTERN_BUDGET_SECONDS` (2 ms) on the slowest text found
  for them, timed when the list is saved (bench/bench_moderation.py measures a full list);
- a pattern that could backtrack without end is refused where its shape shows it: a
  repeat inside a repeat (`(a+)+`, `(a?){20}`), a repeated group of alternatives
  (`(a|ab)*`), backreferences; so is one that matches an empty message (it would delete
  every one).
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the stdlib's own parse tree
import re._parser as sre_parse
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.common.matching.folding import WordIndex, fold, term_words
from tui.server.domain_errors import InvalidRequest

PATTERN_PREFIX = "re:"
MAX_TERMS = 1000
MAX_TERM_LENGTH = 100
MAX_PATTERNS = 50
MAX_PHRASE_WORDS = 8
"""Words in one phrase: a phrase is looked up word by word from each word of the message."""
FOLDED_MAX = 1000
"""Patterns see at most this much of the folded message. A message has at most 500 code
points, but NFKC expands some (U+FDFA is 18 letters), and a slow pattern's cost grows with
the text; a term past this point of a message folded to twice its length is missed."""
PATTERN_BUDGET_SECONDS = 0.002
"""What all patterns together may cost on the worst text we can find for them (see
`_worst_cost`): 2 ms, a fifth of a core at 100 msg/s. A pattern that passes the shape
checks can still be quadratic (`[a-z]+[0-9]+q` takes ~30 ms on 1000 letters): when the
list is saved, each pattern is timed on those texts and the list is refused once the sum
is over budget. It is a time-box, so it depends on the machine; the budget is 30 to 300
times what an ordinary pattern costs there, so only a slow shape comes near it."""

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True, slots=True)
class TermMatch:
    term: str
    """The blocked term as the broadcaster wrote it."""


def _show(term: str) -> str:
    return repr(term if len(term) <= 40 else term[:40] + "…")


_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)


def _risky_shape(tree: Any, inside_repeat: bool = False) -> str | None:
    """Why the parsed pattern could backtrack exponentially, or None."""
    for op, arg in tree:
        if op in _REPEATS:
            low, high, body = arg
            unbounded = high is sre_constants.MAXREPEAT or high > 1
            variable = high is sre_constants.MAXREPEAT or low != high
            possessive = op is sre_constants.POSSESSIVE_REPEAT
            if variable and inside_repeat and not possessive:
                return (
                    "a repeat inside a repeat, such as (a+)+ or (a?){20}, can take forever to check"
                )
            if (
                unbounded
                and not possessive
                and any(sub_op is sre_constants.BRANCH for sub_op, _ in _flatten(body))
            ):
                return (
                    "a repeated group of alternatives, such as (a|ab)*, can take forever "
                    "to check; use a character class such as [ab]* instead"
                )
            found = _risky_shape(body, inside_repeat or unbounded)
        elif op is sre_constants.SUBPATTERN:
            found = _risky_shape(arg[-1], inside_repeat)
        elif op is sre_constants.BRANCH:
            found = next((why for sub in arg[1] if (why := _risky_shape(sub, inside_repeat))), None)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found = _risky_shape(arg[1], inside_repeat)
        elif op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            found = "a backreference such as \\1 can take forever to check"
        else:
            found = None
        if found:
            return found
    return None


def _flatten(tree: Any) -> Iterable[tuple[Any, Any]]:
    """The top-level items of `tree`, looking through plain groups."""
    for op, arg in tree:
        if op is sre_constants.SUBPATTERN:
            yield from _flatten(arg[-1])
        else:
            yield op, arg


def _literals(tree: Any, found: set[str]) -> None:
    """The literal characters of a parsed pattern (what a slow text would be made of)."""
    for op, arg in tree:
        if op is sre_constants.LITERAL:
            found.add(chr(arg))
        elif isinstance(arg, list | tuple):
            for part in arg:
                if isinstance(part, sre_parse.SubPattern):
                    _literals(part, found)
                elif isinstance(part, list):
                    for sub in part:
                        if isinstance(sub, sre_parse.SubPattern):
                            _literals(sub, found)


_PROBE_BASES = ("a", "1", " ", "a1", "ab ", "a.", "aa-")


def _probe_bases(tree: Any) -> list[str]:
    """What texts on which a backtracking pattern is at its slowest are made of: one or a
    few characters repeated (letters, digits, spaces and the pattern's own literals), the
    usual way to make a near-miss at every position."""
    chars: set[str] = set()
    _literals(tree, chars)
    return list(_PROBE_BASES) + sorted(chars)[:16]


_PROBE_LENGTHS = (64, 128, 256, 512, FOLDED_MAX)


def _worst_cost(pattern: re.Pattern[str], bases: list[str]) -> float:
    """Seconds the pattern takes on its slowest probe text of FOLDED_MAX characters. The
    texts grow from 64 characters and the probing stops once over budget, so a cubic
    pattern is refused in milliseconds instead of taking seconds at full length."""
    search = pattern.search
    worst = 0.0
    for length in _PROBE_LENGTHS:
        worst = 0.0
        for base in bases:
            text = (base * (length // len(base) + 1))[:length]
            best = float("inf")
            for _ in range(2):  # the lesser of two runs: a scheduling hiccup is not the pattern
                started = time.perf_counter()
                search(text)
                best = min(best, time.perf_counter() - started)
            worst = max(worst, best)
        if worst > PATTERN_BUDGET_SECONDS:
            break
    return worst


def _check_pattern(term: str, check_cost: bool) -> tuple[str, float]:
    """The folded pattern source and its worst cost in seconds, or InvalidRequest saying
    what is wrong with it."""
    # Only what is not ASCII is folded: case folding the source would turn \D into \d,
    # and ASCII case is ignored by the IGNORECASE flag anyway.
    source = _NON_ASCII.sub(lambda m: fold(m.group()), term[len(PATTERN_PREFIX) :])
    if not source:
        raise InvalidRequest(f"the blocked pattern {_show(term)} is empty")
    try:
        compiled = re.compile(source, re.IGNORECASE)
        tree = sre_parse.parse(source, re.IGNORECASE)
    except re.error as exc:
        raise InvalidRequest(f"the blocked pattern {_show(term)} is not valid: {exc}") from None
    try:
        # As one branch of the alternation, as it will be compiled: a global flag such as
        # (?i) is only allowed at the very start of the whole expression.
        re.compile(f"(?:x)|(?:{source})", re.IGNORECASE)
    except re.error:
        raise InvalidRequest(
            f"the blocked pattern {_show(term)} uses a flag such as (?i) or (?x); write it "
            "without one (case is already ignored) or scoped, as (?x:...)"
        ) from None
    if compiled.groupindex:
        raise InvalidRequest(
            f"the blocked pattern {_show(term)} names a group (?P<...>); use (?:...) instead"
        )
    why = _risky_shape(tree)
    if why:
        raise InvalidRequest(f"the blocked pattern {_show(term)} is refused: {why}")
    cost = _worst_cost(compiled, _probe_bases(tree)) if check_cost else 0.0
    if cost > PATTERN_BUDGET_SECONDS:
        raise InvalidRequest(
            f"the blocked pattern {_show(term)} is refused: it takes over "
            f"{PATTERN_BUDGET_SECONDS * 1000:g} ms on a long message, too slow to check "
            "every message at the room's full rate (two repeats in a row such as "
            "[a-z]+[0-9]+ are the usual cause)"
        )
    if compiled.search("") is not None:
        raise InvalidRequest(
            f"the blocked pattern {_show(term)} matches an empty message, so it would "
            "delete every message"
        )
    return source, cost


class BlockedTerms:
    """A checked, compiled list of blocked terms. Build it with `compile_terms`."""

    def __init__(
        self,
        terms: tuple[str, ...],
        phrases: dict[tuple[str, ...], str],
        patterns: list[tuple[re.Pattern[str], str]],
    ) -> None:
        self.terms = terms
        """The list as written, in its order, duplicates removed."""
        self._phrases: WordIndex[str] = WordIndex()
        for words, term in phrases.items():
            self._phrases.add(words, term)
        self._patterns = patterns
        self._combined = (
            re.compile("|".join(f"(?:{p.pattern})" for p, _ in patterns), re.IGNORECASE)
            if patterns
            else None
        )

    def __bool__(self) -> bool:
        return bool(self.terms)

    def match(self, text: str) -> TermMatch | None:
        """The first blocked term in `text`, or None. `text` is the message as sent."""
        if not self.terms:
            return None
        folded = fold(text)
        if self._phrases:
            term = self._phrases.find(folded)
            if term is not None:
                return TermMatch(term)
        if self._combined is not None and self._combined.search(folded, 0, FOLDED_MAX):
            # Rare (a hit): find which pattern it was, for the log.
            for pattern, term in self._patterns:
                if pattern.search(folded, 0, FOLDED_MAX) is not None:
                    return TermMatch(term)
        return None


def compile_terms(terms: Sequence[object], *, check_cost: bool = True) -> BlockedTerms:
    """Check a list of blocked terms (the settings' `blockedTerms`) and compile it, or
    InvalidRequest naming the first bad term and why. Timing the patterns
    (`PATTERN_BUDGET_SECONDS`) takes up to a few hundred milliseconds for a full list, so
    a server runs it off the event loop, once, when the list is saved; `check_cost=False`
    is for a list that was checked then (read back from the store, handed to the keeper)."""
    if isinstance(terms, str | bytes) or not isinstance(terms, Sequence):
        raise InvalidRequest("blockedTerms must be a list of words or re: patterns")
    if len(terms) > MAX_TERMS:
        raise InvalidRequest(
            f"{len(terms)} blocked terms; at most {MAX_TERMS}, so that every message can "
            "still be checked at the room's full rate"
        )
    kept: list[str] = []
    seen: set[str] = set()
    phrases: dict[tuple[str, ...], str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    spent = 0.0
    for position, raw in enumerate(terms, 1):
        if not isinstance(raw, str):
            raise InvalidRequest(f"blocked term {position} is not text")
        term = raw.strip()
        if not term:
            raise InvalidRequest(f"blocked term {position} is empty")
        if len(term) > MAX_TERM_LENGTH:
            raise InvalidRequest(
                f"the blocked term {_show(term)} is {len(term)} characters long; "
                f"at most {MAX_TERM_LENGTH}"
            )
        if not term.isprintable():
            raise InvalidRequest(
                f"the blocked term {_show(term)} contains an invisible or control character"
            )
        if term in seen:
            continue
        seen.add(term)
        kept.append(term)
        if term.startswith(PATTERN_PREFIX):
            if len(patterns) == MAX_PATTERNS:
                raise InvalidRequest(
                    f"more than {MAX_PATTERNS} re: patterns; each is tried on every "
                    "message, so more could not be checked at the room's full rate "
                    "(plain words and phrases have no such limit)"
                )
            source, cost = _check_pattern(term, check_cost)
            spent += cost
            if spent > PATTERN_BUDGET_SECONDS:
                raise InvalidRequest(
                    f"the re: patterns up to {_show(term)} take {spent * 1000:.1f} ms together "
                    "on a long message, too slow to check every message at the room's full "
                    "rate; remove or simplify some (plain words and phrases cost nothing)"
                )
            patterns.append((re.compile(source, re.IGNORECASE), term))
            continue
        words = term_words(term)
        if not words:
            raise InvalidRequest(
                f"the blocked term {_show(term)} has no letters or digits; write it as a "
                "pattern (re:...) to block punctuation"
            )
        if len(words) > MAX_PHRASE_WORDS:
            raise InvalidRequest(
                f"the blocked phrase {_show(term)} has {len(words)} words; "
                f"at most {MAX_PHRASE_WORDS}"
            )
        phrases.setdefault(words, term)
    return BlockedTerms(tuple(kept), phrases, patterns)


NO_TERMS = BlockedTerms((), {}, [])

__all__ = [
    "MAX_PATTERNS",
    "MAX_PHRASE_WORDS",
    "MAX_TERMS",
    "MAX_TERM_LENGTH",
    "NO_TERMS",
    "PATTERN_PREFIX",
    "BlockedTerms",
    "TermMatch",
    "compile_terms",
]

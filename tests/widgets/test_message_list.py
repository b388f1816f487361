"""The message list, driven by Textual's pilot in a small app, as a user would see it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from tests.app_helpers import ALICE, BOB, HOST, chat_message, show_conversation
from tui.app import ChatApp
from tui.client.session import SelfIdentity
from tui.config.settings import TuiSettings
from tui.controller import ChatController
from tui.ivs.events import ChatMessage, UserDisconnected
from tui.widgets.message_list import NAME_PALETTE, MessageList, name_color, wrap_offsets

T0 = datetime(2026, 11, 27, 21, 5, tzinfo=UTC)
DANGEROUS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def chat(
    n: int, text: str | None = None, *, sender: str = "u-alice", name: str = "Alice"
) -> ChatMessage:
    return ChatMessage(
        id=f"m{n:05d}",
        content=f"message {n}" if text is None else text,
        sender_id=sender,
        sender_attributes={"username": name},
        attributes={},
        send_time=T0 + timedelta(minutes=n),
    )


class ListApp(App[None]):
    AUTO_FOCUS = None  # as in the chat screen, where the composer has focus at first

    def __init__(self, **options: object) -> None:
        super().__init__()
        self.options = options
        self.selected: list[ChatMessage | None] = []
        self.activated: list[ChatMessage] = []

    def compose(self) -> ComposeResult:
        yield MessageList(tz=UTC, clock=lambda: T0, **self.options)  # type: ignore[arg-type]

    @on(MessageList.Selected)
    def _selected(self, event: MessageList.Selected) -> None:
        self.selected.append(event.message)

    @on(MessageList.Activated)
    def _activated(self, event: MessageList.Activated) -> None:
        self.activated.append(event.message)


def rows(widget: MessageList) -> list[list[Segment]]:
    """The widget's rows as drawn now, top to bottom."""
    height = widget.scrollable_content_region.height
    return [list(widget.render_line(y)) for y in range(height)]


def screen(widget: MessageList) -> list[str]:
    return ["".join(s.text for s in row).rstrip() for row in rows(widget)]


def drawn(widget: MessageList) -> list[str]:
    """The rows as last painted for the terminal: a row no refresh marked is whatever it
    was before, so this differs from `screen` when a repaint was missed."""
    size = widget.scrollable_content_region.size
    return [strip.text.rstrip() for strip in widget.render_lines(size.region)]


def row_of(widget: MessageList, needle: str) -> list[Segment]:
    for row in rows(widget):
        if needle in "".join(s.text for s in row):
            return row
    raise AssertionError(f"{needle!r} not on screen: {screen(widget)}")


def background(row: list[Segment]) -> object:
    styles = [s.style for s in row if s.text.strip() and s.style is not None]
    return styles[-1].bgcolor


async def start(pilot: Pilot, *messages: ChatMessage) -> MessageList:
    widget = pilot.app.query_one(MessageList)
    for message in messages:
        widget.add_message(message)
    await pilot.pause()
    return widget


async def test_messages_show_time_name_and_text() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(0, "hello there"), chat(1, "hi", name="Bo", sender="u-bo"))
        widget.add_system("invite sent to Alice")
        widget.add_system("could not delete: not allowed", error=True)
        await pilot.pause()
        assert screen(widget)[:4] == [
            "21:05 Alice hello there",
            "21:06 Bo hi",
            "21:05 -- invite sent to Alice",
            "21:05 !! could not delete: not allowed",
        ]
        name = next(s for s in row_of(widget, "hello there") if s.text == "Alice")
        assert name.style is not None and name.style.bold
        assert name.style.color == Style.parse(name_color("u-alice")).color
        system = next(s for s in row_of(widget, "invite sent") if "invite" in s.text)
        error = next(s for s in row_of(widget, "could not") if "could not" in s.text)
        assert system.style is not None and system.style.italic
        assert error.style is not None and system.style is not None
        assert error.style.color != system.style.color


async def test_a_time_out_of_range_shows_as_dashes_and_the_list_lives_on() -> None:
    # Year 1 at +01:00 is before the first UTC moment datetime can hold: astimezone
    # raises, which inside the message handler would end the app.
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1)))
    odd = [
        ChatMessage(
            "m-early", "from the dawn of time", "u-alice", {"username": "Alice"}, {}, early
        ),
        ChatMessage("m-late", "from the end of time", "u-alice", {"username": "Alice"}, {}, late),
    ]
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *odd, chat(1, "still here"))
        assert screen(widget)[:3] == [
            "--:-- Alice from the dawn of time",
            "--:-- Alice from the end of time",
            "21:06 Alice still here",
        ]


def test_name_colour_is_stable_and_spread() -> None:
    # hashlib, not hash(): the same on every client and every run.
    assert name_color("u-alice") == name_color("u-alice")
    assert name_color("u-alice") == "#158695"  # pinned: hash() would vary per run
    colours = {name_color(f"user-{n}") for n in range(200)}
    assert colours <= set(NAME_PALETTE)
    assert len(colours) == len(NAME_PALETTE)


def test_an_empty_list_is_still_a_widget() -> None:
    widget = MessageList()
    assert len(widget) == 0
    assert widget  # `if focused:` must not mistake an empty list for no widget


async def test_a_repeated_id_is_shown_once() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(1), chat(1), chat(2))
        assert [m.id for m in widget.messages] == ["m00001", "m00002"]


async def test_remove_message_deletes_the_line_and_moves_the_selection() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(1, "first"), chat(2, "second"), chat(3, "third"))
        widget.focus()
        await pilot.press("up")  # focus selected the newest; up selects "second"
        assert widget.selected_message is not None
        assert widget.selected_message.content == "second"
        assert widget.remove_message("m00002") is True
        await pilot.pause()
        assert "second" not in "\n".join(screen(widget))
        assert screen(widget)[:2] == ["21:06 Alice first", "21:08 Alice third"]
        assert widget.selected_message is not None
        assert widget.selected_message.content == "third"  # the newer neighbour
        assert app.selected[-1] == widget.selected_message
        assert widget.remove_message("m00003") is True
        assert widget.selected_message is not None
        assert widget.selected_message.content == "first"  # no newer one: the older
        assert widget.remove_message("m00003") is False
        assert widget.remove_message("never-seen") is False


async def test_after_a_delete_the_selection_goes_to_a_message_not_a_system_line() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(1, "first"), chat(2, "second"))
        widget.add_system("deleted Bob's message")
        widget.add_message(chat(3, "third"))
        widget.add_system("invite sent to Alice")
        await pilot.pause()
        widget.focus()
        await pilot.press("up", "up")  # focus picked "third"; up past the system line
        assert widget.selected_message is not None
        assert widget.selected_message.content == "second"
        widget.remove_message("m00002")  # a system line is next: skipped for "third"
        assert widget.selected_message is not None
        assert widget.selected_message.content == "third"
        widget.remove_message("m00003")  # only system lines are newer: the older message
        assert widget.selected_message is not None
        assert widget.selected_message.content == "first"
        widget.remove_message("m00001")  # no message left: a line is still selected
        assert widget.selected_message is None and len(widget) == 2


async def test_keys_move_the_selection_and_enter_or_m_activates() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(5)))
        widget.add_system("a system line")
        await pilot.pause()
        widget.focus()
        await pilot.pause()
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00004"  # newest message, not the system line
        await pilot.press("k", "k")
        assert widget.selected_message.id == "m00002"
        await pilot.press("j", "down")
        assert widget.selected_message.id == "m00004"
        await pilot.press("down")
        assert widget.selected_message is None  # the system line
        await pilot.press("enter")
        assert app.activated == []  # nothing to act on
        await pilot.press("home")
        assert widget.selected_message.id == "m00000"
        await pilot.press("enter", "m")
        assert [m.id for m in app.activated] == ["m00000", "m00000"]
        await pilot.press("end")  # the bottom, with the newest message selected
        assert widget.selected_message.id == "m00004"
        assert widget.following
        # The pointer line is drawn distinctly from its neighbours.
        assert background(row_of(widget, "message 4")) != background(row_of(widget, "message 3"))
        assert [m.id if m else None for m in app.selected][-2:] == ["m00000", "m00004"]


async def test_keys_are_remappable_by_binding_id() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(5)))
        app.set_keymap({"message_list.up": "w", "message_list.activate": "space"})
        widget.focus()
        await pilot.pause()
        await pilot.press("w")
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00003"
        await pilot.press("space")
        assert [m.id for m in app.activated] == ["m00003"]


async def test_click_selects_and_a_second_click_activates() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(3)))
        await pilot.click(MessageList, offset=(10, 1))
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00001"
        assert app.activated == []
        await pilot.click(MessageList, offset=(10, 1))
        assert [m.id for m in app.activated] == ["m00001"]


async def test_follow_mode_pauses_when_scrolled_up_and_counts_new_messages() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(60)))
        assert widget.following
        assert screen(widget)[-1] == "22:04 Alice message 59"
        widget.focus()
        await pilot.press("home")  # the oldest: the view goes to the top
        assert not widget.following
        top = screen(widget)[0]
        assert top == "21:05 Alice message 0"
        for n in range(60, 65):
            widget.add_message(chat(n))
        widget.add_system("not counted: a system line")
        await pilot.pause()
        assert screen(widget)[0] == top  # the view did not move
        assert widget.new_messages == 5
        assert screen(widget)[-1].strip() == "↓ 5 new messages (end)"
        await pilot.press("end")
        assert widget.following
        assert widget.new_messages == 0
        assert screen(widget)[-1] == "21:05 -- not counted: a system line"
        assert screen(widget)[-2] == "22:09 Alice message 64"


async def test_a_selected_line_holds_still_while_messages_arrive() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(60)))
        widget.focus()
        await pilot.press("up")  # message 58, one above the newest
        row = screen(widget).index("22:03 Alice message 58")
        for n in range(60, 90):
            widget.add_message(chat(n))
        await pilot.pause()
        assert screen(widget)[row] == "22:03 Alice message 58"  # not pushed off the top
        assert widget.new_messages == 30
        await pilot.press("down")
        assert not widget.following  # message 59: still not the newest
        await pilot.press("end")  # the newest line: follow again
        assert widget.following
        assert screen(widget)[-1] == "22:34 Alice message 89"


async def test_scrolling_back_to_the_bottom_resumes_following() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(60)))
        await pilot.pause()
        # A mouse wheel turn up, as the terminal reports it.
        widget.post_message(events.MouseScrollUp(widget, 10, 5, 0, -1, 0, False, False, False))
        await pilot.pause()
        assert not widget.following
        widget.add_message(chat(60))
        await pilot.pause()
        assert "1 new message (end)" in screen(widget)[-1]
        await pilot.click(MessageList, offset=(10, widget.scrollable_content_region.height - 1))
        await pilot.pause()
        assert widget.following
        assert screen(widget)[-1] == "22:05 Alice message 60"


async def test_scrollback_is_bounded_and_the_view_stays_put() -> None:
    async with ListApp(scrollback=50).run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(200)))
        assert len(widget) == 50
        assert [m.id for m in widget.messages] == [f"m{n:05d}" for n in range(150, 200)]
        assert widget.virtual_size.height == 50
        assert widget.remove_message("m00000") is False  # gone with the scrollback
        widget.scroll_to(y=10, animate=False, immediate=True)
        await pilot.pause()
        assert not widget.following
        top = screen(widget)[0]
        for n in range(200, 205):  # five more push five old ones out
            widget.add_message(chat(n))
        await pilot.pause()
        assert len(widget) == 50
        assert screen(widget)[0] == top


async def test_a_deletion_above_the_view_does_not_move_it() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(60)))
        widget.scroll_to(y=20, animate=False, immediate=True)
        await pilot.pause()
        top = screen(widget)[0]
        assert top == "21:25 Alice message 20"
        assert widget.remove_message("m00003") is True
        await pilot.pause()
        assert screen(widget)[0] == top
        assert widget.virtual_size.height == 59


async def test_page_keys_move_a_screen_at_a_time() -> None:
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(100)))
        widget.focus()
        await pilot.pause()
        await pilot.press("pageup")
        assert widget.selected_message is not None
        page = widget.scrollable_content_region.height - 1
        assert widget.selected_message.id == f"m{99 - page:05d}"
        assert not widget.following
        assert screen(widget)[0].endswith(f"message {99 - 2 * page}")  # the view moved too
        await pilot.press("pagedown")
        assert widget.selected_message.id == "m00099"
        assert widget.following


async def test_a_selection_pushed_out_of_the_scrollback_is_announced_once() -> None:
    app = ListApp(scrollback=20)
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(20)))
        widget.focus()
        await pilot.press("home")
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00000"
        app.selected.clear()
        for n in range(20, 120):
            widget.add_message(chat(n))
        await pilot.pause()
        assert widget.selected_message.id == "m00100"  # the oldest still kept
        assert [m.id if m else None for m in app.selected] == ["m00100"]


async def test_a_theme_change_redraws_in_the_new_colours() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(1, "hello"))
        app.theme = "textual-dark"
        await pilot.pause()
        dark = background(row_of(widget, "hello"))
        app.theme = "textual-light"
        await pilot.pause()
        assert background(row_of(widget, "hello")) != dark


def caught(name: str) -> tuple[list[Message], Callable[[Message], None]]:
    """A message hook for `run_test` and the list of Textual messages it catches by
    class name."""
    seen: list[Message] = []

    def hook(message: Message) -> None:
        if type(message).__name__ == name:
            seen.append(message)

    return seen, hook


async def test_flood_is_coalesced_into_one_flush() -> None:
    flushes, hook = caught("_Flush")
    app = ListApp()
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        widget = await start(pilot)
        flushes.clear()
        for n in range(1000):
            widget.add_message(chat(n))
        await pilot.pause()
        assert len(flushes) == 1
        assert screen(widget)[-1].endswith("message 999")


async def test_the_painted_screen_keeps_up_while_paused() -> None:
    # Paused, a flush repaints only what changed (new lines in view, the marker): what
    # was painted must still be what the list holds.
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(10)))  # shorter than the view
        widget.focus()
        await pilot.press("up", "up")  # message 7: following pauses
        assert not widget.following
        widget.add_message(chat(10))
        await pilot.pause()
        assert "21:15 Alice message 10" in drawn(widget)  # lands in view although paused
        assert drawn(widget) == screen(widget)
        for n in range(11, 60):
            widget.add_message(chat(n))
        await pilot.pause()
        assert drawn(widget)[-1].strip() == "↓ 50 new messages (end)"
        assert drawn(widget) == screen(widget)
        assert widget.vertical_scrollbar.window_virtual_size == 60
        for n in range(60, 63):
            widget.add_message(chat(n))
        await pilot.pause()
        assert drawn(widget)[-1].strip() == "↓ 53 new messages (end)"
        assert drawn(widget)[0] == "21:05 Alice message 0"
        await pilot.press("end")
        assert drawn(widget) == screen(widget)
        assert drawn(widget)[-1] == "22:07 Alice message 62"


async def test_the_painted_screen_keeps_up_at_the_top_of_a_full_scrollback() -> None:
    # Viewing the oldest lines while they drop out: the view cannot move up with them, so
    # what is under it changes and must be painted again.
    async with ListApp(scrollback=50).run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(100)))
        widget.focus()
        await pilot.press("home")
        assert drawn(widget)[0] == "21:55 Alice message 50"
        for n in range(100, 105):
            widget.add_message(chat(n))
        await pilot.pause()
        assert drawn(widget)[0] == "22:00 Alice message 55"
        assert drawn(widget) == screen(widget)


async def test_a_flood_changes_no_other_widget() -> None:
    # Messages arriving move nothing else on the screen: no layout, no repaint of the rest
    # (a screen-wide layout per frame was most of a key press's latency under a flood).
    layouts, hook = caught("Layout")
    app = ListApp()
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        widget = await start(pilot, chat(0))
        layouts.clear()
        for n in range(1, 200):
            widget.add_message(chat(n))
            if n % 50 == 0:
                await pilot.pause()
        await pilot.pause()
        assert layouts == []
        assert widget.max_scroll_y == 200 - widget.scrollable_content_region.height
        assert drawn(widget)[-1] == "00:24 Alice message 199"


@pytest.mark.parametrize(
    "text",
    [
        "[@click=app.quit]x[/]",
        "[bold]",
        "a stray [/",
        "\x1b]52;c;aGFja2Vk\x07",
        "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",
        "\x1b[2J\x1b[H",
        "abc\u202edcba",
        "\x9b2J",
    ],
)
async def test_hostile_text_is_drawn_literally_and_inertly(text: str) -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(1, text, name="[b]\x1b[31mEve", sender="u-eve"))
        row = rows(widget)[0]
        drawn = "".join(s.text for s in row)
        assert DANGEROUS.search(drawn) is None
        if "\x1b" not in text and "\x9b" not in text and "\u202e" not in text:
            assert text in drawn  # markup is shown as typed
        assert "[b]␛[31mEve" in drawn
        for segment in row:
            assert segment.style is None or (not segment.style.link and not segment.style.meta)
        await pilot.click(MessageList, offset=(20, 0))
        await pilot.click(MessageList, offset=(20, 0))
        assert app.is_running
        assert [m.content for m in app.activated] == [text]


async def test_own_messages_and_mentions_are_highlighted() -> None:
    async with ListApp(own_user_id="u-bob", own_name="Bob").run_test(size=(80, 24)) as pilot:
        widget = await start(
            pilot,
            chat(1, "plain"),
            chat(2, "mine", sender="u-bob", name="Bob"),
            chat(3, "hey @bob look"),
            chat(4, "BOB!"),
            chat(5, "Bobby is not me"),
            chat(6, "email bob@example.com"),
        )
        plain = background(row_of(widget, "plain"))
        own = background(row_of(widget, "mine"))
        mention = background(row_of(widget, "hey @bob"))
        assert len({plain, own, mention}) == 3
        assert background(row_of(widget, "BOB!")) == mention
        assert background(row_of(widget, "Bobby")) == plain
        assert background(row_of(widget, "bob@example")) == plain
        widget.set_identity("u-carol", "Carol")  # a later identity re-highlights
        await pilot.pause()
        assert background(row_of(widget, "mine")) == plain
        assert background(row_of(widget, "hey @bob")) == plain


async def test_the_broadcaster_wears_a_badge_no_name_can_fake() -> None:
    host = ChatMessage(
        id="m-host",
        content="welcome",
        sender_id="u-host",
        sender_attributes={"username": "Host", "role": "broadcaster"},
        attributes={},
        send_time=T0,
    )
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(
            pilot, host, chat(1, "i am the host", name="[host] Host", sender="u-fake")
        )
        assert screen(widget)[:2] == [
            "21:05 [host] Host welcome",
            "21:06 [host] Host i am the host",
        ]
        real = next(s for s in row_of(widget, "welcome") if s.text == "[host]")
        fake_name = next(s for s in row_of(widget, "i am the host") if "[host]" in s.text)
        assert real.style is not None and real.style.reverse
        # The look-alike's "[host]" is part of its name: drawn like a name, not a badge.
        assert fake_name.text == "[host] Host" and not (fake_name.style and fake_name.style.reverse)


async def test_a_moderator_wears_a_badge_no_name_can_fake() -> None:
    mod = ChatMessage(
        id="m-mod",
        content="be nice",
        sender_id="u-mia",
        sender_attributes={"username": "Mia", "role": "moderator"},
        attributes={},
        send_time=T0,
    )
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, mod, chat(1, "me too", name="[mod] Zoe", sender="u-fake"))
        assert screen(widget)[:2] == ["21:05 [mod] Mia be nice", "21:06 [mod] Zoe me too"]
        real = next(s for s in row_of(widget, "be nice") if s.text == "[mod]")
        fake_name = next(s for s in row_of(widget, "me too") if "[mod]" in s.text)
        assert real.style is not None and real.style.reverse
        assert fake_name.text == "[mod] Zoe" and not (fake_name.style and fake_name.style.reverse)


async def test_long_messages_wrap_at_80_columns() -> None:
    words = " ".join(f"word{n}" for n in range(40))
    url = "https://example.com/" + "x" * 150
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(1, words), chat(2, url), chat(3, "after"))
        shown = screen(widget)
        width = widget.scrollable_content_region.width
        assert width >= 76  # the rest is the scrollbar
        wrapped = shown[: shown.index("21:08 Alice after")]
        assert all(len(line) <= width for line in wrapped)
        assert wrapped[0].startswith("21:06 Alice word0 ")
        starts = [n for n, line in enumerate(wrapped) if not line.startswith("      ")]
        assert starts == [0, 4]  # 4 lines of words, then the URL; the rest are indented
        assert wrapped[4].startswith("21:07 Alice https://")
        text = " ".join(line[6:].strip() for line in wrapped)
        assert text.startswith(f"Alice {words} Alice {url[:40]}")
        assert "".join(text.split(" Alice ")[1].split()) == url  # folded, nothing lost
        assert widget.virtual_size.height == len(wrapped) + 1


def test_wrap_offsets_by_cells() -> None:
    assert wrap_offsets("aa bb cc", 5) == [6]  # "aa bb" fits exactly
    assert wrap_offsets("aa bb cc", 4) == [3, 6]
    assert wrap_offsets("abcdefgh", 3) == [3, 6]
    assert wrap_offsets("日本語日本語", 4) == [2, 4]  # two cells each
    assert wrap_offsets("x x x yyyyyyyyyy", 4) == [4, 8, 12]  # a long word folds in place


@given(
    st.text(alphabet=st.sampled_from("ab  é日🎉"), max_size=80),
    st.integers(min_value=2, max_value=30),
)
def test_wrapped_lines_fit_and_lose_nothing(text: str, width: int) -> None:
    offsets = wrap_offsets(text, width)
    bounds = [0, *offsets, len(text)]
    assert offsets == sorted(set(offsets)) and all(0 < o < len(text) for o in offsets)
    for start, end in itertools.pairwise(bounds):
        assert cell_len(text[start:end].rstrip()) <= width


async def test_resizing_rewraps() -> None:
    app = ListApp()
    async with app.run_test(size=(120, 24)) as pilot:
        widget = await start(pilot, chat(1, "word " * 30))
        assert widget.virtual_size.height == 2
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        assert widget.virtual_size.height == 4
        assert all(len(line) <= 59 for line in screen(widget))


async def test_narrow_and_hidden_lists_stay_usable() -> None:
    app = ListApp()
    async with app.run_test(size=(16, 10)) as pilot:
        widget = await start(pilot, chat(1, "hello wide world"))
        assert screen(widget)[:3] == ["Alice hello", "wide world", ""]  # no time column
        await pilot.resize_terminal(2, 10)  # the scrollbar only: no width for text
        await pilot.pause()
        widget.add_message(chat(2, "x" * 400))
        await pilot.pause()
        assert widget.virtual_size.height == 2  # a line each, not one per character
        await pilot.resize_terminal(16, 10)
        await pilot.pause()
        assert widget.virtual_size.height == 2 + 400 // 14 + 1


async def test_select_last_from_the_composer_selects_the_newest_and_follows() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(40)))
        widget.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        widget.add_system("system")
        widget.select_last()
        await pilot.pause()
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00039"
        assert widget.following


async def test_the_footer_follows_the_selection_and_is_rebuilt_only_on_change(make_app) -> None:
    # Rebuilding the footer (widgets, styles) on every selection change was most of a key
    # press's cost under a flood: it is rebuilt only when what the keys offer changes.
    app = make_app(HOST)
    async with app.run_test(size=(120, 30)) as pilot:
        await show_conversation(app, pilot)
        app.chat.messages.focus()
        await pilot.pause()

        async def keys() -> list[FooterKey]:
            await pilot.pause()
            return list(app.chat.query(FooterKey))

        def offered(footer: list[FooterKey]) -> list[str]:
            return [key.description for key in footer if key.description]

        newest = await keys()  # Bob's message: every moderation key
        assert {"Delete", "Disconnect", "Invite"} <= set(offered(newest))
        await pilot.press("up", "up")  # Alice's, then Carol's: the same keys
        assert app.chat.messages.selected_message.id == "msg-0004"  # type: ignore[union-attr]
        same = await keys()
        assert [id(key) for key in same] == [id(key) for key in newest]
        await pilot.press("up")  # the host's own message: delete only
        own = offered(await keys())
        assert "Delete" in own and "Disconnect" not in own and "Invite" not in own
        await pilot.press("down")
        assert "Disconnect" in offered(await keys())


async def test_a_sender_is_named_while_in_the_scrollback_and_then_forgotten() -> None:
    async with ListApp(scrollback=5).run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, chat(0, name="Al"), chat(1, name="Alice"))
        assert widget.sender_name("u-alice") == "Alice"  # the newest name
        assert widget.sender_name("u-nobody") is None
        for n in range(2, 7):
            widget.add_message(chat(n, sender=f"u-{n}", name=f"Passer {n}"))
        assert widget.sender_name("u-alice") is None  # left with the scrollback
        assert widget.sender_name("u-6") == "Passer 6"


async def test_the_chat_screen_names_senders_from_the_scrollback_only(make_app) -> None:
    # Nothing is kept per sender: a disconnect names a user while their messages are in
    # the scrollback, and by id after (a million passing senders cost no memory).
    app = make_app(HOST, scrollback=100)
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        app.deliver(UserDisconnected(ALICE.user_id, ""))
        await pilot.pause()
        assert app.chat.messages.lines[-1].endswith("-- the moderator disconnected Alice")
        for n in range(100):
            passer = SelfIdentity(f"passer-{n}", f"Passer {n}", "viewer", ALICE.room)
            app.deliver(chat_message(100 + n, passer, "hello"))
        app.deliver(UserDisconnected(ALICE.user_id, "spam"))
        await pilot.pause()
        assert app.chat.messages.lines[-1].endswith(
            f"-- the moderator disconnected {ALICE.user_id}: spam"
        )


def test_widget_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = ListApp(own_user_id="u-bob", own_name="Bob")

    async def fill(pilot: Pilot) -> None:
        widget = pilot.app.query_one(MessageList)
        widget.add_message(chat(0, "welcome to the stream!", sender="u-host", name="Host"))
        widget.add_message(chat(1, "hi @bob, can you hear me?"))
        widget.add_message(chat(2, "loud and clear", sender="u-bob", name="Bob"))
        widget.add_message(chat(3, "[@click=app.quit]x[/] \x1b[2J\u202eevil", name="Eve"))
        widget.add_message(chat(4, "a long one: " + "lorem ipsum dolor " * 8, name="Carol"))
        widget.add_system("invite sent to Alice")
        widget.add_system("delete failed: not allowed", error=True)
        widget.focus()
        await pilot.pause()
        await pilot.press("up")  # the pointer on Eve; Bob's own line and the mention show

    assert snap_compare(app, terminal_size=(80, 24), run_before=fill)


# --- the selection a key acts on is on screen ------------------------------------------


def wheel_up(widget: MessageList) -> None:
    """A mouse wheel turn up, as the terminal reports it."""
    widget.post_message(events.MouseScrollUp(widget, 10, 5, 0, -1, 0, False, False, False))


async def test_with_the_keys_the_selection_stays_on_its_message_as_new_ones_arrive() -> None:
    """Once the list has focus the selection stays on the chosen message, by its id, even
    on the newest line: what arrives waits below behind the marker, and a key pressed
    later still acts on that message (it once moved to the newest, and a moderator made
    the wrong sender a moderator)."""
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(5)))
        widget.focus()
        await pilot.press("up", "end")  # the newest, message 4
        app.selected.clear()
        for n in range(5, 105):
            widget.add_message(chat(n))
            if n % 10 == 0:
                await pilot.pause()  # in several flushes, as a busy room sends them
        await pilot.pause()
        assert not widget.following
        assert widget.new_messages == 100
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00004"
        assert "message 4" in "\n".join(screen(widget))
        assert screen(widget)[-1].strip() == "↓ 100 new messages (end)"
        await pilot.press("enter")
        assert [m.id for m in app.activated] == ["m00004"]
        await pilot.press("end")  # the newest, and the marker gone
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00104"
        assert widget.new_messages == 0


async def test_while_following_the_selection_moves_with_the_newest_message() -> None:
    """With the keys back in the composer (the list not focused), the list follows the
    chat again: the selection, if any, is carried with the newest message."""
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(5)))
        widget.focus()
        await pilot.press("up", "end")
        widget.blur()
        await pilot.pause()
        assert widget.following
        app.selected.clear()
        for n in range(5, 105):  # a flood: four screens' worth in one go
            widget.add_message(chat(n))
        await pilot.pause()
        assert widget.following
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00104"
        # The pointer is on the bottom line, the one on screen.
        assert screen(widget)[-1].endswith("message 104")
        assert background(row_of(widget, "message 104")) != background(
            row_of(widget, "message 103")
        )
        assert [m.id if m else None for m in app.selected] == ["m00104"]  # once per flush


async def test_a_selection_scrolled_out_of_view_offers_nothing_to_act_on() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(100)))
        widget.focus()
        await pilot.press("up")  # message 98: the view holds still
        assert widget.selected_message is not None
        for _ in range(5):
            wheel_up(widget)
        await pilot.pause()
        assert "message 98" not in "\n".join(screen(widget))
        assert widget.selected_message is None
        assert app.selected[-1] is None  # the screen is told, to redraw its footer
        await pilot.press("enter")
        assert app.activated == []
        widget.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00098"
        assert app.selected[-1] == widget.selected_message


async def test_system_lines_pushing_the_selection_off_screen_take_it_out_of_reach() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(5)))
        widget.focus()
        await pilot.press("end")
        widget.blur()  # back to typing: the list follows
        await pilot.pause()
        for n in range(30):
            widget.add_system(f"outcome {n}")  # following: the newest message scrolls up
        await pilot.pause()
        assert "message 4" not in "\n".join(screen(widget))
        assert widget.selected_message is None
        assert app.selected[-1] is None


class RecordingController(ChatController):
    """The real controller with the room's deletes recorded instead of sent."""

    def __init__(self) -> None:
        super().__init__(None, browser=lambda url: False)
        self.deleted: list[str] = []

    async def delete(self, message_id: str, reason: str | None = None) -> None:
        self.deleted.append(message_id)


class RecordingApp(ChatApp):
    """The chat app on a controller that records deletes."""

    def __init__(self, **options: object) -> None:
        self.recorder = RecordingController()
        super().__init__(controller=self.recorder, **options)  # type: ignore[arg-type]

    @property
    def deleted(self) -> list[str]:
        return self.recorder.deleted


def recording_app() -> RecordingApp:
    return RecordingApp(
        identity=HOST,
        settings=TuiSettings.model_construct(),
        clock=lambda: T0,
        tz=UTC,
    )


def offered(app: ChatApp) -> list[str]:
    return [key.description for key in app.chat.query(FooterKey) if key.description]


async def test_a_flood_leaves_delete_on_the_chosen_message_on_screen() -> None:
    """The moderator chose the newest message (end); a flood arrives: the selection and
    the view stay on that message, and d deletes it, not what the flood brought."""
    app = recording_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_conversation(app, pilot)
        await pilot.press("escape", "end")  # the list, newest (Bob's "GG") selected
        for n in range(100):
            app.deliver(chat_message(100 + n, BOB, f"flood {n}"))
        await pilot.pause()
        listing = app.chat.messages
        assert listing.selected_message is not None
        assert listing.selected_message.id == "msg-0006"
        assert any(line.endswith("Bob GG") for line in screen(listing))
        assert "100 new messages" in screen(listing)[-1]
        assert "Delete" in offered(app)
        await pilot.press("d")
        await pilot.pause()
        assert app.deleted == ["msg-0006"]  # the one chosen and on screen


async def test_d_never_deletes_a_message_scrolled_out_of_sight() -> None:
    app = recording_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await show_conversation(app, pilot)
        for n in range(100):
            app.deliver(chat_message(100 + n, BOB, f"flood {n}"))
        await pilot.pause()
        await pilot.press("escape", "up")  # msg-0198: the view holds still
        listing = app.chat.messages
        assert "Delete" in offered(app)
        for _ in range(10):
            wheel_up(listing)
        await pilot.pause()
        assert "flood 98" not in "\n".join(screen(listing))
        assert "Delete" not in offered(app)
        await pilot.press("d", "x", "s", "enter")
        await pilot.pause()
        assert app.deleted == []
        assert app.screen is app.chat  # no confirmation, no admin menu
        assert not any("delete" in line or "invite" in line for line in listing.lines)


async def test_select_last_right_after_a_burst_selects_the_newest_on_screen() -> None:
    # Messages not laid out yet (their flush still pending) are laid out first: the
    # newest would otherwise sit below the view, selected but out of reach.
    async with ListApp().run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(30)))
        for n in range(30, 60):
            widget.add_message(chat(n))
        widget.select_last()
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00059"
        widget.add_message(chat(60))
        widget.focus()
        widget.action_cursor_up()
        assert widget.selected_message is not None
        assert widget.selected_message.id == "m00059"
        await pilot.pause()
        assert screen(widget)[-2:] == ["22:04 Alice message 59", "22:05 Alice message 60"]


async def test_the_new_messages_marker_never_hides_the_selected_message() -> None:
    """Paused with the selection on the bottom row, the first new message brings up the
    "N new messages" marker on that row: the view moves up one line, so the selected
    message stays in sight and d/x/s stay offered (they had vanished from the footer)."""
    app = recording_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot)
        for n in range(40):
            app.deliver(chat_message(100 + n, BOB, f"earlier {n}"))
        await pilot.pause()
        await pilot.press("escape", *["up"] * 25)  # the view scrolls up with the selection
        listing = app.chat.messages
        rows = listing.scrollable_content_region.height
        for _ in range(rows):  # down to the bottom row of the view, still paused
            top = listing.scroll_offset.y
            shown = screen(listing)
            if listing.selected_message is not None and listing.selected_message.content in (
                shown[rows - 1] if len(shown) >= rows else ""
            ):
                break
            await pilot.press("down")
        selected = listing.selected_message
        assert selected is not None and selected.content in screen(listing)[rows - 1]
        assert listing.scroll_offset.y == top  # paused: the view held still so far
        app.deliver(chat_message(200, BOB, "new while paused"))
        await pilot.pause()
        assert "new message" in screen(listing)[-1]  # the marker is up
        assert listing.selected_message is selected  # still in sight, still actionable
        assert "Delete" in offered(app)


async def test_back_in_the_composer_the_list_follows_again_after_a_message_was_chosen() -> None:
    # A message chosen with the list's keys holds still only while the list has them: back
    # in the composer, what arrives (the user's own lines too) shows again.
    app = ListApp()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = await start(pilot, *(chat(n) for n in range(40)))
        widget.focus()
        await pilot.press("up", "up")  # message 37: the view holds still
        await pilot.pause()
        assert not widget.following
        widget.blur()
        await pilot.pause()
        widget.add_message(chat(40))
        await pilot.pause()
        assert widget.following
        assert widget.new_messages == 0
        assert screen(widget)[-1].endswith("message 40")

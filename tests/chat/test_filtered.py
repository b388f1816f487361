"""The filtered view over the scrollback on its own: no Textual. Hypothesis drives the
store through appends, drops, removals and re-layouts with a view open, and the view must
always be exactly the matching entries, numbered as if they were the only ones."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.chat.filtered import Filtered
from tui.chat.scrollback import Entry, Scrollback
from tui.ivs.events import ChatMessage

T0 = datetime(2026, 11, 27, 21, 5, tzinfo=UTC)


def message(n: int, sender: str = "u-alice") -> ChatMessage:
    return ChatMessage(
        id=f"m{n:05d}",
        content=f"message {n}",
        sender_id=sender,
        sender_attributes={"username": sender},
        attributes={},
        send_time=T0,
    )


def from_bob(message: ChatMessage) -> bool:
    return message.sender_id == "u-bob"


def test_the_view_holds_the_matching_entries_themselves_not_copies() -> None:
    store: Scrollback[Entry] = Scrollback(10)
    bob = "u-bob"
    entries = [Entry(message(1)), Entry(message(2, bob)), Entry(None), Entry(message(3, bob))]
    for entry in entries:
        store.append(entry)
    view = Filtered(store, from_bob)
    assert list(view) == [entries[1], entries[3]]
    assert view.first is entries[1] and view.last is entries[3]
    assert "m00002" in view and "m00001" not in view and "m00001" in store
    assert view.get("m00003") is entries[3] and view.get("m00001") is None
    assert view.holds(entries[1]) and not view.holds(entries[0])
    with pytest.raises(ValueError):
        view.index(entries[0])


def test_a_message_that_arrives_while_filtered_joins_the_view_if_it_matches() -> None:
    store: Scrollback[Entry] = Scrollback(10)
    view = Filtered(store, from_bob)
    store.append(Entry(message(1)))
    assert len(view) == 0 and view.lines == 0 and view.at_line(0) is None
    bobs = Entry(message(2, "u-bob"))
    store.append(bobs, lambda e: 3)
    assert list(view) == [bobs] and view.lines == 3 and view.at_line(2) is bobs


def test_an_entry_dropped_from_the_store_leaves_the_view_and_the_lines_move_up() -> None:
    store: Scrollback[Entry] = Scrollback(2)
    view = Filtered(store, from_bob)
    first, second = Entry(message(1, "u-bob")), Entry(message(2, "u-bob"))
    store.append(first, lambda e: 2)
    store.append(second)
    store.append(Entry(message(3)))  # drops `first`
    assert list(view) == [second] and view.line_of(second) == 0 and view.lines == 1


def test_closed_the_view_no_longer_follows_the_store() -> None:
    store: Scrollback[Entry] = Scrollback(10)
    view = Filtered(store, from_bob)
    view.close()
    store.append(Entry(message(1, "u-bob")))
    assert len(view) == 0


operations = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 4), st.sampled_from(["bob", "ada", ""])),
        st.tuples(st.just("remove"), st.integers(0, 40), st.just("")),
        st.tuples(st.just("drop"), st.just(0), st.just("")),
        st.tuples(st.just("relayout"), st.integers(1, 3), st.just("")),
    ),
    max_size=120,
)


@given(capacity=st.integers(1, 12), before=st.integers(0, 120), ops=operations)
def test_the_view_is_always_the_matching_entries_of_the_store(
    capacity: int, before: int, ops: list[tuple[str, int, str]]
) -> None:
    store: Scrollback[Entry] = Scrollback(capacity)
    view: Filtered[Entry] | None = None
    appended = 0
    for step, (op, value, sender) in enumerate(ops):
        if step == min(before, len(ops) - 1):
            view = Filtered(store, from_bob)  # opened on a store that has a past
        if op == "append":
            entry = Entry(message(appended, f"u-{sender}") if sender else None)
            appended += 1
            store.append(entry, lambda e, h=value: h)
        elif op == "remove":
            gone = store.get(f"m{value:05d}")
            at = view.index(gone) if view is not None and gone and view.holds(gone) else None
            store.remove(f"m{value:05d}")
            if view is not None and at is not None:
                # What the list selects in place of a removed, selected message.
                after = list(view)
                nearest = after[at] if at < len(after) else (after[at - 1] if at else None)
                assert view.neighbour(at) is nearest
        elif op == "drop":
            store.drop_oldest()
        else:
            store.relayout(lambda e, h=value: h)
        if view is None:
            continue
        expected = [e for e in store if e.message is not None and from_bob(e.message)]
        assert list(view) == expected
        assert list(reversed(view)) == expected[::-1]
        assert len(view) == len(expected)
        assert view.first is (expected[0] if expected else None)
        assert view.newest_message() is (expected[-1] if expected else None)
        line = 0
        for index, entry in enumerate(expected):
            assert view.index(entry) == index and view[index] is entry
            assert view.line_of(entry) == line
            for row in range(entry.height):
                assert view.at_line(line + row) is entry
            assert view.step(entry, -1) is expected[max(index - 1, 0)]
            assert view.step(entry, +1) is expected[min(index + 1, len(expected) - 1)]
            line += entry.height
        assert view.lines == line and view.at_line(line) is None and view.at_line(-1) is None
        assert view.end - view.base == line
        assert [m.id for m in view.messages()] == [e.message.id for e in expected if e.message]
        for entry in store:
            assert view.holds(entry) == (entry in expected)


def test_the_view_loads_no_textual() -> None:
    code = "import sys, tui.chat.filtered; print(any(m.startswith('textual') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""The scrollback on its own: no Textual, checked against a plain list of what it should
hold (hypothesis drives appends, removals and re-layouts)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.chat.scrollback import Entry, Scrollback
from tui.ivs.events import ChatMessage

T0 = datetime(2026, 11, 27, 21, 5, tzinfo=UTC)


def message(n: int, sender: str = "u-alice", name: str = "Alice") -> ChatMessage:
    return ChatMessage(
        id=f"m{n:05d}",
        content=f"message {n}",
        sender_id=sender,
        sender_attributes={"username": name},
        attributes={},
        send_time=T0,
    )


def filled(capacity: int, *entries: Entry) -> Scrollback[Entry]:
    store: Scrollback[Entry] = Scrollback(capacity)
    for entry in entries:
        store.append(entry)
    return store


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Scrollback(0)


def test_append_keeps_the_newest_within_the_capacity() -> None:
    store: Scrollback[Entry] = Scrollback(3)
    dropped = [store.append(Entry(message(n))) for n in range(5)]
    assert [e.message.id for e in dropped if e and e.message] == ["m00000", "m00001"]
    assert [m.id for m in store.messages()] == ["m00002", "m00003", "m00004"]
    assert "m00001" not in store and "m00004" in store
    assert store.get("m00003") is store[1]
    assert store.first is store[0] and store.last is store[-1]


def test_a_repeated_id_is_refused() -> None:
    store = filled(10, Entry(message(1)))
    with pytest.raises(ValueError, match="m00001"):
        store.append(Entry(message(1)))
    assert len(store) == 1


def test_lines_are_numbered_by_height_and_found_by_bisect() -> None:
    store: Scrollback[Entry] = Scrollback(10)
    heights = {1: 1, 2: 3, 3: 2}
    for n, height in heights.items():
        store.append(Entry(message(n)), lambda e, h=height: h)
    assert store.lines == 6
    assert [store.line_of(e) for e in store] == [0, 1, 4]
    assert [e.message.id for e in map(store.at_line, range(6)) if e and e.message] == [
        "m00001",
        "m00002",
        "m00002",
        "m00002",
        "m00003",
        "m00003",
    ]
    assert store.at_line(6) is None and store.at_line(-1) is None


def test_dropping_the_oldest_renumbers_from_the_new_oldest() -> None:
    store: Scrollback[Entry] = Scrollback(2)
    for n in range(3):
        store.append(Entry(message(n)), lambda e: 2)
    assert [store.line_of(e) for e in store] == [0, 2]
    assert store.at_line(0) is store.first
    assert store.base == 2 and store.end == 6  # absolute: nothing else moved


def test_remove_closes_the_gap_and_names_the_index() -> None:
    store = filled(10, *(Entry(message(n)) for n in range(4)))
    removed = store.remove("m00001")
    assert removed is not None and removed[0] == 1
    assert removed[1].message == message(1)
    assert [store.line_of(e) for e in store] == [0, 1, 2]
    assert store.remove("m00001") is None
    assert "m00001" not in store


def test_the_neighbour_of_a_removed_entry_is_the_nearest_message() -> None:
    system = Entry()
    store = filled(10, Entry(message(0)), Entry(message(1)), system, Entry(message(3)))
    index, _ = store.remove("m00001") or (0, None)
    assert store.neighbour(index) is store.get("m00003")  # newer, past the system line
    index, _ = store.remove("m00003") or (0, None)
    assert store.neighbour(index) is store.get("m00000")  # else the older one
    index, _ = store.remove("m00000") or (0, None)
    assert store.neighbour(index) is system  # a system line only when no message is left
    lonely = filled(10, Entry(message(9)))
    index, _ = lonely.remove("m00009") or (0, None)
    assert lonely.neighbour(index) is None


def test_step_and_index_hold_to_either_end() -> None:
    store = filled(10, *(Entry(message(n)) for n in range(5)))
    middle = store[2]
    assert store.index(middle) == 2
    assert store.step(middle, -1) is store[1]
    assert store.step(middle, 10) is store[-1]
    assert store.step(middle, -10) is store[0]
    with pytest.raises(ValueError):
        store.index(Entry(message(99)))


def test_by_sender_and_latest_from() -> None:
    store = filled(
        3,
        Entry(message(0, "u-bob", "Bob")),
        Entry(message(1, "u-alice", "Al")),
        Entry(message(2, "u-bob", "Bobby")),
        Entry(),
        Entry(message(4, "u-alice", "Alice")),
    )
    assert [e.message.id for e in store.by_sender("u-bob") if e.message] == ["m00002"]
    latest = store.latest_from("u-alice")
    assert latest is not None and latest.sender_name == "Alice"
    assert store.latest_from("u-nobody") is None
    store.append(Entry())
    store.append(Entry())
    assert store.latest_from("u-bob") is None  # left with the scrollback
    assert store.newest_message() is store.get("m00004")


def test_relayout_gives_every_entry_its_new_height() -> None:
    store = filled(10, *(Entry(message(n)) for n in range(3)))
    store.relayout(lambda e: 1 + store.index(e))
    assert [e.height for e in store] == [1, 2, 3]
    assert store.lines == 6 and store.line_of(store[2]) == 3


operations = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 4), st.booleans()),
        st.tuples(st.just("remove"), st.integers(0, 40), st.just(False)),
        st.tuples(st.just("drop"), st.just(0), st.just(False)),
        st.tuples(st.just("relayout"), st.integers(1, 3), st.just(False)),
    ),
    max_size=120,
)


@given(capacity=st.integers(1, 12), ops=operations)
def test_behaves_as_a_bounded_list(capacity: int, ops: list[tuple[str, int, bool]]) -> None:
    store: Scrollback[Entry] = Scrollback(capacity)
    model: list[Entry] = []
    appended = 0
    for op, value, is_message in ops:
        if op == "append":
            entry = Entry(message(appended) if is_message else None)
            appended += 1
            dropped = store.append(entry, lambda e, h=value: h)
            model.append(entry)
            expected = model.pop(0) if len(model) > capacity else None
            assert dropped is expected
        elif op == "remove":
            target = f"m{value:05d}"
            gone = next((e for e in model if e.message and e.message.id == target), None)
            removed = store.remove(target)
            if gone is None:
                assert removed is None
            else:
                assert removed == (model.index(gone), gone)
                model.remove(gone)
        elif op == "drop":
            assert store.drop_oldest() is (model.pop(0) if model else None)
        else:
            store.relayout(lambda e, h=value: h)
        assert list(store) == model
        assert len(store) == len(model)
        assert [e.serial for e in model] == sorted({e.serial for e in model})
        # Lines: contiguous from 0 in order, each line finds its entry.
        line = 0
        for index, entry in enumerate(model):
            assert store.line_of(entry) == line
            assert store.index(entry) == index
            for row in range(entry.height):
                assert store.at_line(line + row) is entry
            line += entry.height
        assert store.lines == line and store.at_line(line) is None
        ids = [e.message.id for e in model if e.message]
        assert [m.id for m in store.messages()] == ids
        assert all(i in store for i in ids)


def test_holds_is_false_once_an_entry_is_dropped_or_removed() -> None:
    first, second, third = Entry(message(1)), Entry(message(2)), Entry(message(3))
    store = filled(2, first, second)
    assert store.holds(first) and store.holds(second)
    store.append(third, lambda e: 2)
    assert not store.holds(first)
    store.remove("m00002")
    assert not store.holds(second) and store.holds(third)


def test_the_scrollback_loads_no_textual() -> None:
    code = (
        "import sys, tui.chat.scrollback; print(any(m.startswith('textual') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""Under any interleaving of inserts (duplicates included), deletions and the clock moving
on, history holds each message at most once, in send order, never a deleted one, within
both retention bounds: exactly what a plain model of the rules holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.history.helpers import T0, Clock, frame, ids, msg_id, open_store
from tui.ivs.events import MessageDeleted
from tui.server.history.query import history
from tui.server.history.record import from_micros, moderation_event, to_micros
from tui.server.history.store import HistoryStore

MAX_AGE = 60  # seconds
SPREAD_MS = 90_000  # messages are sent over 90 s, so some are past the age bound early


@dataclass(frozen=True)
class Insert:
    n: int


@dataclass(frozen=True)
class Delete:
    n: int


@dataclass(frozen=True)
class Advance:
    seconds: int


def send_us(n: int) -> int:
    return to_micros(T0) + (n * 7919 % SPREAD_MS) * 1000  # times not in id order


ops = st.lists(
    st.one_of(
        st.builds(Insert, st.integers(0, 30)),
        st.builds(Delete, st.integers(0, 30)),
        st.builds(Advance, st.integers(1, 20)),
    ),
    max_size=80,
)


class Model:
    def __init__(self, max_messages: int, now_us: int) -> None:
        self.max = max_messages
        self.now = now_us
        self.present: dict[str, int] = {}
        self.tombstones: dict[str, int] = {}  # event id -> recorded at

    def cutoff(self) -> int:
        return self.now - MAX_AGE * 1_000_000

    def insert(self, n: int) -> None:
        mid, t = msg_id(n), send_us(n)
        if t < self.cutoff() or mid in self.present or f"del{mid}" in self.tombstones:
            return
        self.present[mid] = t
        while len(self.present) > self.max:
            del self.present[min(self.present, key=lambda m: (self.present[m], m))]

    def delete(self, n: int) -> None:
        mid = msg_id(n)
        self.present.pop(mid, None)
        self.tombstones.setdefault(f"del{mid}", self.now)

    def prune(self) -> None:
        cutoff = self.cutoff()
        self.present = {m: t for m, t in self.present.items() if t >= cutoff}
        kept = sorted(((at, e) for e, at in self.tombstones.items() if at >= cutoff), reverse=True)[
            : self.max
        ]
        self.tombstones = {e: at for at, e in kept}

    def history(self) -> list[str]:
        return sorted(self.present, key=lambda m: (self.present[m], m))


def apply(store: HistoryStore, clock: Clock, model: Model, op: Insert | Delete | Advance) -> None:
    if isinstance(op, Insert):
        store.add_message(frame(op.n, at=from_micros(send_us(op.n))))
        model.insert(op.n)
    elif isinstance(op, Delete):
        event = MessageDeleted(msg_id(op.n), "", f"del{msg_id(op.n)}")
        store.add_moderation(moderation_event(event, from_micros(store.now_us())))
        model.delete(op.n)
    else:
        clock.advance(op.seconds)
        store.prune()
        model.now = store.now_us()
        model.prune()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=ops, max_messages=st.sampled_from([1, 3, 10, 1000]))
def test_history_is_the_model_under_any_interleaving(
    tmp_path: Path, ops: list[Insert | Delete | Advance], max_messages: int
) -> None:
    clock = Clock(T0 + timedelta(milliseconds=SPREAD_MS // 2))
    store = open_store(
        tmp_path / uuid.uuid4().hex, clock, max_messages=max_messages, max_age_seconds=MAX_AGE
    )
    model = Model(max_messages, store.now_us())
    try:
        for op in ops:
            apply(store, clock, model, op)
            got = ids(history(store, limit=1000).messages_json)
            assert got == model.history()
            assert len(set(got)) == len(got) <= max_messages
            assert store.count() == len(got)
    finally:
        store.close()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deleted=st.sets(st.integers(0, 19)),
    order=st.lists(st.booleans(), min_size=80, max_size=80),
)
def test_two_recorders_in_any_interleaving_agree(
    tmp_path: Path, deleted: set[int], order: list[bool]
) -> None:
    """Each recorder sees every message and, after it, its deletion; their writes land
    interleaved in any way. History is every message not deleted, once, in send order."""

    def stream() -> list[Insert | Delete]:
        out: list[Insert | Delete] = []
        for n in range(20):
            out.append(Insert(n))
            if n in deleted:
                out.append(Delete(n))
        return out

    streams = [stream(), stream()]
    clock = Clock(T0 + timedelta(milliseconds=SPREAD_MS))
    store = open_store(tmp_path / uuid.uuid4().hex, clock, max_age_seconds=3600)
    try:
        for pick in order + [False] * 40 + [True] * 40:
            if streams[pick]:
                op = streams[pick].pop(0)
                if isinstance(op, Insert):
                    store.add_message(frame(op.n, at=from_micros(send_us(op.n))))
                else:
                    event = MessageDeleted(msg_id(op.n), "", f"del{msg_id(op.n)}")
                    store.add_moderation(moderation_event(event, from_micros(store.now_us())))
        expected = sorted(
            (msg_id(n) for n in range(20) if n not in deleted),
            key=lambda m: (send_us(int(m[3:])), m),
        )
        assert ids(history(store, limit=1000).messages_json) == expected
    finally:
        store.close()

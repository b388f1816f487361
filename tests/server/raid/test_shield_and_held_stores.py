"""Shield mode's state, the held queue and the approval markers in the store, on SQLite
and on Postgres (`where`), with explicit times: the limits, the expiry, and what
happens once when two ask at once."""

from __future__ import annotations

from tui.common.roles import Role
from tui.server.db import DatabaseTarget
from tui.server.moderation.log_store import open_moderation_store
from tui.server.moderation.records import Party
from tui.server.raid.approval import (
    MARKER_SECONDS,
    ApprovalStore,
    new_marker,
    read_marker,
)
from tui.server.raid.held import HELD_SECONDS, MAX_HELD, HeldMessage, HeldQueue
from tui.server.raid.shield import ShieldStore
from tui.server.store import Store

NOW = 1_800_000_000.0
SECRET = "a-review-secret-for-these-tests"


def held(n: int, at: float = NOW, user: str = "viewer-v") -> HeldMessage:
    return HeldMessage(
        id=f"held{n:08d}",
        at=at,
        expires_at=at + HELD_SECONDS,
        sender=Party(user, "Vera"),
        content=f"message {n}",
        reason="hold term: link",
        term="link",
        attributes={"replyTo": "x"},
        sender_attributes={"username": "Vera", "role": "viewer"},
    )


def test_shield_state_survives_a_restart_and_ends_once(where: DatabaseTarget) -> None:
    first = ShieldStore(open_moderation_store(where.open_core()).db)
    assert first.state().until is None
    first.turn_on(NOW + 600, NOW)
    second = ShieldStore(open_moderation_store(where.open_core()).db)  # a restart, or another
    assert second.state().until == NOW + 600 and second.state().on(NOW + 599)
    assert not second.state().on(NOW + 600)
    assert second.end_expired(NOW + 599) is None  # not yet
    # Both see the time up; one ends it.
    ended = [store.end_expired(NOW + 601) for store in (first, second)]
    assert ended.count(None) == 1
    assert first.state().until is None
    first.turn_on(NOW + 900, NOW)
    assert second.turn_off(NOW + 1) and not first.turn_off(NOW + 2)
    assert second.state().until is None


def test_slow_mode_gives_one_slot_per_period_and_knows_identity_ages(
    where: DatabaseTarget,
) -> None:
    db = where.open_core()
    identities = Store(db)
    identities.add_identity("viewer-old", "key-old", "Old", Role.VIEWER, NOW - 3600)
    shield = ShieldStore(open_moderation_store(where.open_core()).db)
    assert shield.sender("viewer-old") == (shield.state(), NOW - 3600)
    assert shield.sender("viewer-unknown")[1] is None
    shield.turn_on(NOW + 600, NOW)
    on, _ = shield.sender("viewer-old")
    assert on.until == NOW + 600
    assert shield.take_slot("viewer-old", NOW, 10)
    assert not shield.take_slot("viewer-old", NOW + 9, 10)
    assert shield.take_slot("viewer-other", NOW + 9, 10)  # each viewer has their own
    assert shield.take_slot("viewer-old", NOW + 10, 10)
    # Turning it on again forgets the slots.
    shield.turn_on(NOW + 1200, NOW + 11)
    assert shield.take_slot("viewer-old", NOW + 12, 10)


def test_the_queue_keeps_500_the_oldest_going_first_and_expires_them(
    where: DatabaseTarget,
) -> None:
    db = open_moderation_store(where.open_core()).db
    ShieldStore(db)  # migrates the tables
    queue = HeldQueue(db)
    for n in range(MAX_HELD + 2):
        queue.add(held(n, at=NOW + n / 1000))
    messages = queue.messages(NOW + 1)
    assert len(messages) == MAX_HELD == queue.count(NOW + 1)
    assert messages[0].id == held(2).id and messages[-1].id == held(MAX_HELD + 1).id
    assert messages[0].attributes == {"replyTo": "x"}
    assert messages[0].sender_attributes == {"username": "Vera", "role": "viewer"}
    # Taken once: of two moderators deciding at once, one gets it.
    other = HeldQueue(open_moderation_store(where.open_core()).db)
    assert queue.take(held(2).id, NOW + 1) == messages[0]
    assert other.take(held(2).id, NOW + 1) is None
    # Ten minutes on, every one is gone from the list, and expire drops them.
    later = NOW + HELD_SECONDS + 1
    assert queue.messages(later) == [] and queue.count(later) == 0
    assert queue.take(held(3).id, later) is None
    assert queue.expire(later) == MAX_HELD - 1


def test_a_marker_is_bound_to_its_sender_and_content_fresh_and_spent_once(
    where: DatabaseTarget,
) -> None:
    message = held(1)
    marker = new_marker(SECRET, message, NOW)
    text = marker.text()

    def read(**changes: object) -> object:
        given: dict[str, object] = {
            "user_id": "viewer-v",
            "content": "message 1",
            "now": NOW + 1,
        }
        given.update(changes)
        return read_marker(SECRET, text, **given)  # type: ignore[arg-type]

    assert read() == marker
    assert read(user_id="viewer-w") is None
    assert read(content="message 2") is None
    assert read(now=NOW + MARKER_SECONDS + 1) is None
    assert (
        read_marker(
            "another-secret-entirely", text, user_id="viewer-v", content="message 1", now=NOW
        )
        is None
    )
    assert read_marker(SECRET, "a.b.c", user_id="viewer-v", content="message 1", now=NOW) is None
    db = open_moderation_store(where.open_core()).db
    ShieldStore(db)
    first, second = ApprovalStore(db), ApprovalStore(open_moderation_store(where.open_core()).db)
    assert first.spend(marker, NOW + 1)
    assert not second.spend(marker, NOW + 1)

"""What each action does (the plan the service carries out) and what the token endpoint
gives an identity afterwards."""

from __future__ import annotations

import pytest

from tui.ivs.protocol import ChatCapability
from tui.server.errors import InvalidRequest, NotAllowed
from tui.server.moderation.actions import disconnect_reason, plan_action
from tui.server.moderation.policy import Role, parse_action_request
from tui.server.moderation.records import (
    KEEPER,
    PERMANENT,
    LoggedAction,
    ModerationState,
    NewRecord,
    Party,
)
from tui.server.moderation.room_settings import RoomSettings
from tui.server.moderation.standing import chat_token_decision

NOW = 1_800_000_000.0
HOST = Party("broadcaster-1", "Host")
ANA = Party("viewer-ana", "Ana")
BOB = Party("viewer-bob", "Bob")
SEND, DELETE, DISCONNECT = (
    ChatCapability.SEND_MESSAGE,
    ChatCapability.DELETE_MESSAGE,
    ChatCapability.DISCONNECT_USER,
)


def plan(body: dict[str, object], *, state: ModerationState | None = None, **kw: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "actor": HOST,
        "actor_role": Role.BROADCASTER,
        "target": BOB,
        "target_role": Role.VIEWER,
        "target_state": state or ModerationState(BOB.user_id),
        "now": NOW,
    }
    options.update(kw)
    return plan_action(parse_action_request({"userId": BOB.user_id, **body}), **options)  # type: ignore[arg-type]


def test_a_timeout_is_logged_with_its_end_and_disconnects_with_words() -> None:
    done = plan({"action": "timeout", "durationSeconds": 600, "reason": "caps"})
    record = done.record
    assert (record.action, record.duration_seconds, record.expires_at) == (
        LoggedAction.TIMEOUT,
        600,
        NOW + 600,
    )
    assert record.actor == HOST and record.target == BOB and not record.automatic
    assert done.disconnect_reason == "timed out for 10 min: caps"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"action": "ban"}, "banned"),
        ({"action": "ban", "durationSeconds": 86400, "reason": "spam"}, "banned for 1 d: spam"),
        ({"action": "mod"}, "your role changed: reconnecting"),
    ],
)
def test_what_disconnects(body: dict[str, object], words: str) -> None:
    assert plan(body).disconnect_reason == words


def test_unban_disconnects_nobody() -> None:
    banned = ModerationState(BOB.user_id, banned_until=PERMANENT)
    done = plan({"action": "unban"}, state=banned)
    assert done.disconnect_reason is None and done.record.expires_at is None


@pytest.mark.parametrize(
    ("action", "role", "words"),
    [
        ("unban", Role.VIEWER, "Bob is not banned"),
        ("untimeout", Role.VIEWER, "Bob is not timed out"),
        ("mod", Role.MODERATOR, "Bob is a moderator already"),
        ("unmod", Role.VIEWER, "Bob is not a moderator"),
    ],
)
def test_an_action_that_changes_nothing_is_refused(action: str, role: Role, words: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        plan({"action": action}, target_role=role)
    assert caught.value.message == words


def test_a_moderator_may_not_ban_a_moderator() -> None:
    with pytest.raises(NotAllowed) as caught:
        plan({"action": "ban"}, actor=ANA, actor_role=Role.MODERATOR, target_role=Role.MODERATOR)
    assert "cannot ban another moderator" in caught.value.message


def decide(state: ModerationState, *, role: Role = Role.VIEWER, **kw: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "identity_created_at": NOW - 86400,
        "settings": RoomSettings(),
        "address_banned": False,
        "now": NOW,
    }
    options.update(kw)
    return chat_token_decision(role=role, state=state, **options)  # type: ignore[arg-type]


def test_a_viewer_sends_a_moderator_moderates_the_broadcaster_does_both() -> None:
    viewer = decide(ModerationState("v"))
    assert viewer.capabilities == (SEND,) and viewer.read_only_until is None
    assert viewer.attributes("Bob") == {"username": "Bob", "role": "viewer"}
    moderator = decide(ModerationState("m", Role.MODERATOR))
    assert set(moderator.capabilities) == {SEND, DELETE, DISCONNECT}
    assert moderator.attributes("Ana") == {"username": "Ana", "role": "moderator"}
    host = decide(ModerationState("b"), role=Role.BROADCASTER)
    assert set(host.capabilities) == {SEND, DELETE, DISCONNECT}


def test_a_ban_is_a_403_with_the_reason() -> None:
    with pytest.raises(NotAllowed) as caught:
        decide(ModerationState("v", banned_until=PERMANENT, ban_reason="spam bot"))
    assert caught.value.message == "you are banned from this chat: spam bot"
    with pytest.raises(NotAllowed) as caught:
        decide(ModerationState("v", banned_until=NOW + 3600))
    assert caught.value.message == (
        "you are banned from this chat until 2027-01-15T09:00:00Z (1 h from now)"
    )
    with pytest.raises(NotAllowed) as caught:
        decide(ModerationState("v"), address_banned=True)
    assert "address is banned" in caught.value.message
    assert decide(ModerationState("v", banned_until=NOW)).capabilities == (SEND,)  # over


def test_a_timeout_is_a_read_only_token_until_it_ends() -> None:
    timed_out = decide(ModerationState("v", timed_out_until=NOW + 60))
    assert timed_out.capabilities == () and timed_out.read_only_until == NOW + 60
    assert timed_out.read_only_why == "timed out"
    # A timed-out moderator keeps moderating but may not send.
    mod = decide(ModerationState("m", Role.MODERATOR, timed_out_until=NOW + 60))
    assert set(mod.capabilities) == {DELETE, DISCONNECT}
    assert decide(ModerationState("v", timed_out_until=NOW)).capabilities == (SEND,)


def test_new_identities_wait_read_only() -> None:
    settings = RoomSettings(new_identity_wait_seconds=600)
    young = decide(ModerationState("v"), settings=settings, identity_created_at=NOW - 60)
    assert young.capabilities == () and young.read_only_until == NOW + 540
    assert young.read_only_why == "new identity"
    old = decide(ModerationState("v"), settings=settings, identity_created_at=NOW - 600)
    assert old.capabilities == (SEND,)
    mod = decide(ModerationState("m", Role.MODERATOR), settings=settings, identity_created_at=NOW)
    assert SEND in mod.capabilities


def test_the_keepers_flood_timeout_disconnects_with_words_too() -> None:
    timeout = NewRecord(NOW, KEEPER, True, LoggedAction.TIMEOUT, BOB, "flood", 60, NOW + 60)
    assert disconnect_reason(timeout) == "timed out for 1 min: flood"
    delete = NewRecord(NOW, KEEPER, True, LoggedAction.DELETE, BOB, "blocked term 'x'")
    assert disconnect_reason(delete) is None

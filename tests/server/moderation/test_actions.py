"""What each action does (the plan the service carries out) and what the token endpoint
gives an identity afterwards."""

from __future__ import annotations

import pytest

from tui.common.roles import Role
from tui.ivs.protocol import ChatCapability
from tui.server.domain_errors import InvalidRequest, NotAllowed
from tui.server.moderation.actions import disconnect_reason, plan_action
from tui.server.moderation.policy import parse_action_request
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
SEND = ChatCapability.SEND_MESSAGE


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
        ({"action": "ban", "durationSeconds": 86400, "reason": "spam"}, "banned for 24 h: spam"),
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


def test_every_token_only_sends_moderators_and_the_broadcaster_act_through_the_server() -> None:
    viewer = decide(ModerationState("v"))
    assert viewer.capabilities == (SEND,) and viewer.read_only_until is None
    assert viewer.attributes("Bob") == {"username": "Bob", "role": "viewer"}
    moderator = decide(ModerationState("m", Role.MODERATOR))
    assert moderator.capabilities == (SEND,)
    assert moderator.attributes("Ana") == {"username": "Ana", "role": "moderator"}
    host = decide(ModerationState("b"), role=Role.BROADCASTER)
    assert host.capabilities == (SEND,)


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
    # A timed-out moderator may not send (and moderates through the server, as ever).
    mod = decide(ModerationState("m", Role.MODERATOR, timed_out_until=NOW + 60))
    assert mod.capabilities == () and mod.role is Role.MODERATOR
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


def test_a_delete_names_its_message_and_disconnects_nobody() -> None:
    request = parse_action_request({"action": "delete", "messageId": "m1", "reason": "rude"})
    assert (request.user_id, request.message_id, request.reason) == ("", "m1", "rude")
    # The service fills in the sender from the history before planning.
    from dataclasses import replace

    done = plan_action(
        replace(request, user_id=BOB.user_id),
        actor=ANA,
        actor_role=Role.MODERATOR,
        target=BOB,
        target_role=Role.VIEWER,
        target_state=ModerationState(BOB.user_id),
        now=NOW,
    )
    assert done.record.action is LoggedAction.DELETE and done.record.actor == ANA
    assert done.message_id == "m1" and done.disconnect_reason is None and not done.off_stage


def test_a_disconnect_disconnects_with_the_reason_or_none_and_takes_them_off_stage() -> None:
    done = plan({"action": "disconnect", "reason": "calm down"})
    assert done.record.action is LoggedAction.DISCONNECT
    assert done.disconnect_reason == "calm down" and done.off_stage
    assert plan({"action": "disconnect"}).disconnect_reason == ""  # disconnects, no words
    assert plan({"action": "ban"}).off_stage
    assert not plan({"action": "timeout"}).off_stage


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"action": "delete"}, "messageId is missing"),
        ({"action": "delete", "messageId": ""}, "messageId is missing"),
        ({"action": "delete", "messageId": 5}, "messageId is missing"),
        ({"action": "delete", "messageId": "m" * 129}, "at most 128"),
        ({"action": "delete", "messageId": "m", "userId": "u"}, "not userId"),
        ({"action": "disconnect", "userId": "u", "messageId": "m"}, "goes with delete"),
        ({"action": "disconnect"}, "userId is missing"),
        ({"action": "delete", "messageId": "m", "durationSeconds": 5}, "no durationSeconds"),
        ({"action": "disconnect", "userId": "u", "banAddress": True}, "goes with ban"),
    ],
)
def test_delete_and_disconnect_bodies_are_checked(body: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_action_request(body)
    assert words in caught.value.message


@pytest.mark.parametrize("action", ["delete", "disconnect"])
def test_moderators_delete_and_disconnect_viewers_only_and_nobody_the_broadcaster(
    action: str,
) -> None:
    from tui.server.models import ModerationAction
    from tui.server.moderation.policy import check_may_act

    kind = ModerationAction(action)
    check_may_act(Role.MODERATOR, ANA.user_id, kind, Role.VIEWER, BOB.user_id)
    check_may_act(Role.BROADCASTER, HOST.user_id, kind, Role.MODERATOR, ANA.user_id)
    refusals = [
        (Role.MODERATOR, ANA.user_id, Role.BROADCASTER, HOST.user_id, "broadcaster"),
        (Role.MODERATOR, ANA.user_id, Role.MODERATOR, "viewer-mia", "another moderator"),
        (Role.MODERATOR, ANA.user_id, Role.VIEWER, "room-keeper", "room keeper"),
        (Role.BROADCASTER, HOST.user_id, Role.VIEWER, "room-keeper", "room keeper"),
        (Role.VIEWER, BOB.user_id, Role.VIEWER, "viewer-eve", "only the broadcaster"),
        (Role.MODERATOR, ANA.user_id, Role.MODERATOR, ANA.user_id, "your"),
    ]
    for actor_role, actor_id, target_role, target_id, words in refusals:
        with pytest.raises(NotAllowed) as caught:
            check_may_act(actor_role, actor_id, kind, target_role, target_id)
        assert words in caught.value.message

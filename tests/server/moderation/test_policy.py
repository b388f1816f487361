"""Moderation requests and who may act on whom (the README, "Moderation and the room
keeper"): bad bodies refused in words, and each role's reach."""

from __future__ import annotations

from typing import Any

import pytest

from tui.common.timing.durations import describe_duration
from tui.server.domain_errors import InvalidRequest, NotAllowed
from tui.server.moderation.policy import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_TIMEOUT_SECONDS,
    TIMEOUT_PRESETS,
    ActionRequest,
    ModerationAction,
    Role,
    check_may_act,
    may_act,
    parse_action_request,
)

B, M, V = Role.BROADCASTER, Role.MODERATOR, Role.VIEWER


def refused(body: Any) -> str:
    with pytest.raises(InvalidRequest) as caught:
        parse_action_request(body)
    return caught.value.message


def test_a_timeout_with_a_preset_and_a_reason() -> None:
    body = {"action": "timeout", "userId": "viewer-1", "reason": " caps ", "durationSeconds": 600}
    assert parse_action_request(body) == ActionRequest(
        ModerationAction.TIMEOUT, "viewer-1", "caps", 600
    )


def test_the_presets_are_one_minute_ten_minutes_an_hour_and_a_day() -> None:
    assert [describe_duration(s) for s in TIMEOUT_PRESETS] == ["1 min", "10 min", "1 h", "24 h"]
    for seconds in TIMEOUT_PRESETS:
        body = {"action": "timeout", "userId": "u", "durationSeconds": seconds}
        assert parse_action_request(body).duration_seconds == seconds


def test_a_timeout_without_a_duration_lasts_ten_minutes() -> None:
    request = parse_action_request({"action": "timeout", "userId": "u"})
    assert request.duration_seconds == DEFAULT_TIMEOUT_SECONDS == 600


def test_a_ban_is_permanent_unless_it_has_a_duration() -> None:
    assert parse_action_request({"action": "ban", "userId": "u"}).duration_seconds is None
    timed = parse_action_request({"action": "ban", "userId": "u", "durationSeconds": 86400.0})
    assert timed.duration_seconds == 86400
    with_address = parse_action_request({"action": "ban", "userId": "u", "banAddress": True})
    assert with_address.ban_address


def test_an_unknown_action_says_which_there_are() -> None:
    words = refused({"action": "obliterate", "userId": "u"})
    assert "unknown action 'obliterate'" in words
    assert "ban, unban, timeout, untimeout, mod, unmod" in words
    assert "action is missing" in refused({"userId": "u"})
    assert "unknown action 'int'" in refused({"action": 3, "userId": "u"})


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (-5, "at least 1 second, not -5; to end a timeout, use untimeout"),
        (0, "at least 1 second, not 0"),
        (MAX_TIMEOUT_SECONDS + 1, "a timeout lasts at most 14 d (1209600 seconds)"),
        (10**30, "for longer, ban them"),
        (1.5, "whole number of seconds"),
        (float("inf"), "whole number of seconds"),
        ("600", "whole number of seconds"),
        (True, "whole number of seconds"),
    ],
)
def test_a_bad_duration_says_what_is_wrong(duration: object, words: str) -> None:
    assert words in refused({"action": "timeout", "userId": "u", "durationSeconds": duration})


@pytest.mark.parametrize("action", ["unban", "untimeout", "mod", "unmod"])
def test_a_duration_on_an_action_that_takes_none_is_refused(action: str) -> None:
    words = refused({"action": action, "userId": "u", "durationSeconds": 60})
    assert words == f"{action} takes no durationSeconds"


def test_other_bad_fields() -> None:
    assert "JSON object" in refused(["ban"])
    assert "userId is missing" in refused({"action": "ban"})
    assert "at most 128" in refused({"action": "ban", "userId": "u" * 129})
    assert "reason must be text" in refused({"action": "ban", "userId": "u", "reason": 1})
    assert "at most 256" in refused({"action": "ban", "userId": "u", "reason": "x" * 257})
    assert "banAddress goes with ban" in refused(
        {"action": "timeout", "userId": "u", "banAddress": True}
    )


def denied(actor: Role, action: ModerationAction, target: Role, same: bool = False) -> str:
    with pytest.raises(NotAllowed) as caught:
        check_may_act(actor, "a", action, target, "a" if same else "t")
    return caught.value.message


@pytest.mark.parametrize("action", list(ModerationAction))
def test_the_broadcaster_may_act_on_anyone_but_themself(action: ModerationAction) -> None:
    check_may_act(B, "b", action, M, "m")
    check_may_act(B, "b", action, V, "v")
    own = "your own message" if action is ModerationAction.DELETE else "yourself"
    assert denied(B, action, B, same=True) == f"you cannot {action.value} {own}"


@pytest.mark.parametrize(
    "action",
    [
        ModerationAction.BAN,
        ModerationAction.UNBAN,
        ModerationAction.TIMEOUT,
        ModerationAction.UNTIMEOUT,
        ModerationAction.DISCONNECT,
    ],
)
def test_a_moderator_acts_on_viewers_only(action: ModerationAction) -> None:
    check_may_act(M, "m", action, V, "v")
    assert denied(M, action, B) == "nobody can act on the broadcaster"
    assert denied(M, action, M) == (
        f"a moderator cannot {action.value} another moderator; ask the broadcaster"
    )
    assert denied(M, action, M, same=True) == f"you cannot {action.value} yourself"


@pytest.mark.parametrize("action", [ModerationAction.MOD, ModerationAction.UNMOD])
def test_only_the_broadcaster_makes_moderators(action: ModerationAction) -> None:
    assert denied(M, action, V) == "only the broadcaster can make or remove moderators"


@pytest.mark.parametrize("action", list(ModerationAction))
def test_viewers_never_moderate(action: ModerationAction) -> None:
    assert denied(V, action, V) == "only the broadcaster and moderators may moderate"
    assert not may_act(V, "a", action, V, "t")

"""The message review's decision, pure: each reason, its order, and what is counted."""

from __future__ import annotations

import pytest

from tui.common.roles import Role
from tui.server.moderation.terms import compile_terms
from tui.server.review.decision import Flood, Reason, Standing, claimed_role, decide
from tui.server.review.payload import parse_review_request, review_answer

TERMS = compile_terms(["spam"], check_cost=False)
GOOD = Standing()


def verdict(
    standing: Standing = GOOD,
    content: str = "hello",
    claimed: Role = Role.VIEWER,
    flood: Flood = Flood.NO,
    counted: list[int] | None = None,
) -> Reason | None:
    def count() -> Flood:
        if counted is not None:
            counted.append(1)
        return flood

    return decide(
        content=content, claimed=claimed, standing=standing, terms=TERMS, flood=count
    ).reason


def test_standing_comes_first_and_costs_no_count() -> None:
    counted: list[int] = []
    assert verdict(Standing(banned=True), "spam", counted=counted) is Reason.BANNED
    assert verdict(Standing(address_banned=True), counted=counted) is Reason.BANNED
    assert verdict(Standing(timed_out=True), counted=counted) is Reason.TIMED_OUT
    assert counted == []


@pytest.mark.parametrize(
    ("claimed", "role", "reason"),
    [
        (Role.MODERATOR, Role.VIEWER, Reason.ROLE_CHANGED),  # demoted, old token
        (Role.BROADCASTER, Role.VIEWER, Reason.ROLE_CHANGED),
        (Role.BROADCASTER, Role.MODERATOR, Reason.ROLE_CHANGED),
        (Role.VIEWER, Role.MODERATOR, None),  # promoted, old token: claims less
        (Role.MODERATOR, Role.MODERATOR, None),
        (Role.BROADCASTER, Role.BROADCASTER, None),
    ],
)
def test_a_token_may_not_claim_more_than_the_standing(
    claimed: Role, role: Role, reason: Reason | None
) -> None:
    assert verdict(Standing(role=role), claimed=claimed) is reason


def test_terms_and_flood_apply_to_viewers_only() -> None:
    assert verdict(content="buy spam") is Reason.BLOCKED_TERM
    assert verdict(flood=Flood.STARTS) is Reason.FLOOD
    assert verdict(flood=Flood.CONTINUES) is Reason.FLOOD
    counted: list[int] = []
    for role in (Role.MODERATOR, Role.BROADCASTER):
        standing = Standing(role=role)
        assert verdict(standing, "spam", role, Flood.STARTS, counted) is None
    assert counted == []


def test_a_blocked_term_that_starts_a_flood_keeps_the_timeout() -> None:
    found = decide(
        content="spam",
        claimed=Role.VIEWER,
        standing=Standing(),
        terms=TERMS,
        flood=lambda: Flood.STARTS,
    )
    assert found.reason is Reason.BLOCKED_TERM and found.starts_flood and found.term == "spam"


def test_claimed_role_reads_the_token_attributes() -> None:
    assert claimed_role({"role": "moderator"}) is Role.MODERATOR
    assert claimed_role({"role": "king"}) is Role.VIEWER
    assert claimed_role(None) is Role.VIEWER


def test_the_answer_shapes() -> None:
    assert review_answer(
        decide(
            content="",
            claimed=Role.VIEWER,
            standing=Standing(),
            terms=TERMS,
            flood=lambda: Flood.NO,
        )
    ) == {"ReviewResult": "ALLOW"}
    deny = decide(
        content="",
        claimed=Role.VIEWER,
        standing=Standing(banned=True),
        terms=TERMS,
        flood=lambda: Flood.NO,
    )
    assert review_answer(deny) == {"ReviewResult": "DENY", "Attributes": {"Reason": "banned"}}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ([], "JSON object"),
        ({"Content": "x"}, "Sender must be an object"),
        ({"Sender": {}}, "Sender.UserId"),
        ({"Sender": {"UserId": 5}}, "Sender.UserId"),
        ({"Sender": {"UserId": "u", "Attributes": {"a": 1}}}, "Sender.Attributes"),
        ({"Sender": {"UserId": "u", "Ip": 5}}, "Sender.Ip"),
        ({"Content": 5, "Sender": {"UserId": "u"}}, "Content"),
    ],
)
def test_a_bad_payload_is_refused_in_words(body: object, words: str) -> None:
    from tui.server.domain_errors import InvalidRequest

    with pytest.raises(InvalidRequest, match=words):
        parse_review_request(body)


def test_a_payload_is_read() -> None:
    request = parse_review_request(
        {
            "Content": "hi",
            "MessageId": "m",
            "RoomArn": "r",
            "Attributes": {},
            "Sender": {"UserId": "u", "Attributes": {"username": "Ann"}, "Ip": "10.0.0.1"},
        }
    )
    assert (request.content, request.sender_id, request.sender_name, request.sender_ip) == (
        "hi",
        "u",
        "Ann",
        "10.0.0.1",
    )

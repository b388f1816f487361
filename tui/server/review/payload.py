"""The message review call's body and answer, as IVS's Lambda contract has them.

In: `{Content, MessageId, RoomArn, Attributes, Sender {Attributes, UserId, Ip}}`.
Out: `{ReviewResult: ALLOW|DENY, Content?, Attributes?}`; a DENY carries its fixed
`Reason` in `Attributes` (IVS puts it in the sender's ERROR 406).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tui.server.domain_errors import InvalidRequest
from tui.server.review.decision import Verdict


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    content: str
    sender_id: str
    sender_attributes: dict[str, str] = field(default_factory=dict)
    sender_ip: str | None = None
    message_id: str = ""
    room_arn: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    """The message's own attributes (not the sender's token's)."""

    @property
    def sender_name(self) -> str:
        return self.sender_attributes.get("username") or self.sender_id


def _text_map(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidRequest(f"{name} must be an object of strings")
    return dict(value)


def _text(body: Mapping[str, object], key: str, name: str, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise InvalidRequest(f"{name} must be {'non-empty ' if required else ''}text")
    return value


def parse_review_request(body: object) -> ReviewRequest:
    """The checked call, or InvalidRequest saying what is wrong with it."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be a JSON object: {Content, MessageId, Sender, ...}")
    sender = body.get("Sender")
    if not isinstance(sender, Mapping):
        raise InvalidRequest("Sender must be an object: {UserId, Attributes, Ip}")
    ip = sender.get("Ip")
    if ip is not None and not isinstance(ip, str):
        raise InvalidRequest("Sender.Ip must be text")
    return ReviewRequest(
        content=_text(body, "Content", "Content"),
        sender_id=_text(sender, "UserId", "Sender.UserId", required=True),
        sender_attributes=_text_map(sender.get("Attributes"), "Sender.Attributes"),
        sender_ip=ip or None,
        message_id=_text(body, "MessageId", "MessageId"),
        room_arn=_text(body, "RoomArn", "RoomArn"),
        attributes=_text_map(body.get("Attributes"), "Attributes"),
    )


def review_answer(verdict: Verdict) -> dict[str, object]:
    """The Lambda's answer for `verdict`: ALLOW (with the attributes to deliver instead,
    when it changes them), or DENY with its Reason."""
    if verdict.reason is None:
        if verdict.attributes is not None:
            return {"ReviewResult": "ALLOW", "Attributes": dict(verdict.attributes)}
        return {"ReviewResult": "ALLOW"}
    return {"ReviewResult": "DENY", "Attributes": {"Reason": verdict.reason.value}}


__all__ = ["ReviewRequest", "parse_review_request", "review_answer"]

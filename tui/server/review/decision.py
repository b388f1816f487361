"""Whether a message may be delivered: the app server's one policy, pure.

`decide` answers for one message from what is known about its sender (`Standing`: their
role, ban, timeout and whether their address is banned) and its content. In order:
- a banned sender, or one sending from a banned address: `banned`;
- a timed-out sender: `timed out`;
- a token that claims more than the sender's standing allows (a `moderator` role
  attribute after demotion, a `broadcaster` one on anyone but the broadcaster):
  `role changed`;
- then, for viewers only (`automatic_applies`): a blocked term, `blocked term`; a
  flood, `flood`.

The reasons are fixed words: the sender reads them, and nobody learns the list of
blocked terms by testing it (the term itself is kept for the moderation log). What
`decide` allows of a viewer is then asked about shield mode and the hold terms
(`held for review`, `shield mode`), and a moderator's approval comes before all of it
(`tui.server.raid.review`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum

from tui.common.roles import Role
from tui.server.moderation.policy import automatic_applies
from tui.server.moderation.terms import BlockedTerms


class Reason(StrEnum):
    """The `Reason` a DENY carries in its Attributes; IVS puts it in the sender's error."""

    BANNED = "banned"
    TIMED_OUT = "timed out"
    ROLE_CHANGED = "role changed"
    BLOCKED_TERM = "blocked term"
    FLOOD = "flood"
    HELD = "held for review"
    """A hold term, or a young identity in shield mode: queued for a moderator
    (`tui.server.raid`)."""
    SHIELD = "shield mode"
    """Shield mode's slow mode: one message per `slowModeSeconds`."""
    APPROVAL_REFUSED = "approval not valid"
    """A message carrying an approval marker that is forged, spent or stale."""


STANDING_REASONS = frozenset((Reason.BANNED, Reason.TIMED_OUT, Reason.ROLE_CHANGED))
"""Denials about who sends, not what: a sender whose message got past one of these
(a fallback ALLOW) is disconnected by the room keeper, since their token is stale."""


class Flood(Enum):
    """A viewer's message against the room's flood limits."""

    NO = "no"
    STARTS = "starts"
    """The first message over the limit: denied, and the sender is timed out."""
    CONTINUES = "continues"
    """Still over the limit (the timeout is on its way): denied."""


@dataclass(frozen=True, slots=True)
class Standing:
    """What the store holds about a sender, as of now."""

    role: Role = Role.VIEWER
    """Their effective role: broadcaster by their identity, moderator by their standing."""
    banned: bool = False
    timed_out: bool = False
    address_banned: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: Reason | None = None
    """None: ALLOW."""
    term: str | None = None
    """The blocked term that matched, as the broadcaster wrote it (for the log only)."""
    starts_flood: bool = False
    attributes: dict[str, str] | None = None
    """An ALLOW's attributes to deliver instead of the message's own (an approved
    message's, its marker taken out); None keeps them."""

    @property
    def allowed(self) -> bool:
        return self.reason is None


ALLOW = Verdict()

_RANK = {Role.VIEWER: 0, Role.MODERATOR: 1, Role.BROADCASTER: 2}


def claimed_role(attributes: dict[str, str] | None) -> Role:
    """The role a token's attributes claim (`Sender.Attributes.role`); viewer if none."""
    try:
        return Role((attributes or {}).get("role", Role.VIEWER.value))
    except ValueError:
        return Role.VIEWER


def decide(
    *,
    content: str,
    claimed: Role,
    standing: Standing,
    terms: BlockedTerms,
    flood: Callable[[], Flood],
) -> Verdict:
    """The verdict on one message. `flood()` is the message against the sender's flood
    limit (the room keeper counts it there and then); it is asked only for a viewer whose
    standing lets them send. A blocked term in a message that also starts a flood is
    denied for the term, and the flood's timeout still holds."""
    if standing.banned or standing.address_banned:
        return Verdict(Reason.BANNED)
    if standing.timed_out:
        return Verdict(Reason.TIMED_OUT)
    if _RANK[claimed] > _RANK[standing.role]:
        return Verdict(Reason.ROLE_CHANGED)
    if not automatic_applies(standing.role):
        return ALLOW
    counted = flood()
    found = terms.match(content) if terms else None
    starts = counted is Flood.STARTS
    if found is not None:
        return Verdict(Reason.BLOCKED_TERM, term=found.term, starts_flood=starts)
    if counted is Flood.NO:
        return ALLOW
    return Verdict(Reason.FLOOD, starts_flood=starts)


__all__ = [
    "ALLOW",
    "STANDING_REASONS",
    "Flood",
    "Reason",
    "Standing",
    "Verdict",
    "claimed_role",
    "decide",
]

"""The stage invite as one value (no Textual): the invite, where it stands, the stage link
and WHIP settings once redeemed, and when it stops working. The toast holds one
(tui/widgets/invite_toast.py) and the chat screen reads it; each step makes a new one, so
nothing is reset in four places."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from tui.ivs.invites import Invite

EXPIRED_WORDS = "Your invitation to this stream has expired."


class ToastState(StrEnum):
    PENDING = "pending"
    JOINING = "joining"
    JOINED = "joined"
    EXPIRED = "expired"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class WhipSettings:
    """What OBS needs to publish to the stage over WHIP."""

    server: str
    token: str


def _aware(moment: datetime) -> datetime:
    """A naive time taken as UTC (the app server speaks UTC): comparing a naive time
    with the aware clock would raise inside a timer and end the app."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StageInvite:
    invite: Invite
    state: ToastState = ToastState.PENDING
    expires_at: datetime | None = None
    link: str = ""
    """The stage link, once redeemed (checked safe to draw and open)."""
    whip: WhipSettings | None = None
    detail: str = ""
    """Why it expired or failed, in words."""
    browser_opened: bool = False

    @classmethod
    def hosting(
        cls, user_id: str, link: str, whip: WhipSettings, expires_at: datetime, *, opened: bool
    ) -> StageInvite:
        """The broadcaster's own stage link: nothing to redeem, so it starts joined."""
        own = Invite(user_id=user_id, broadcast_type="realtime", stage="", invite_id="")
        return cls(
            own,
            state=ToastState.JOINED,
            expires_at=_aware(expires_at),
            link=link,
            whip=whip,
            browser_opened=opened,
        )

    @classmethod
    def received(cls, invite: Invite) -> StageInvite:
        return cls(invite, expires_at=_aware(invite.expires_at) if invite.expires_at else None)

    @property
    def own(self) -> bool:
        """The broadcaster's own stage link (`hosting`), not an invite to redeem."""
        return not self.invite.invite_id

    @property
    def usable(self) -> bool:
        """It can still be joined (or its OBS settings shown)."""
        return self.state is not ToastState.EXPIRED

    def is_overdue(self, now: datetime) -> bool:
        """Usable, with its time passed at `now`."""
        return self.usable and self.expires_at is not None and now >= self.expires_at

    def expire_by(self, when: datetime) -> StageInvite:
        """It (or the stage link it became) stops working at `when` at the latest."""
        when = _aware(when)
        if self.expires_at is not None and self.expires_at <= when:
            return self
        return replace(self, expires_at=when)

    def joining(self) -> StageInvite:
        return replace(self, state=ToastState.JOINING)

    def joined(
        self, link: str, whip: WhipSettings | None = None, *, browser_opened: bool
    ) -> StageInvite:
        return replace(
            self, state=ToastState.JOINED, link=link, whip=whip, browser_opened=browser_opened
        )

    def expired(self, words: str = EXPIRED_WORDS) -> StageInvite:
        """No longer usable: expired or withdrawn (`words` says which); link and WHIP
        settings go with it."""
        return replace(self, state=ToastState.EXPIRED, detail=words, link="", whip=None)

    def failed(self, words: str) -> StageInvite:
        return replace(self, state=ToastState.FAILED, detail=words)


__all__ = ["EXPIRED_WORDS", "StageInvite", "ToastState", "WhipSettings"]

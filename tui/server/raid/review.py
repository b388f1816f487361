"""What the message review asks of shield mode, the held queue and approvals
(`tui.server.review.reviewer.HoldStep`).

- `approved`: a message carrying an approval marker (`approval.py`) is allowed, the
  marker taken out of its attributes, if the marker is good, fresh and unspent; denied
  otherwise. No other check applies: a moderator decided.
- `hold`, for a viewer's message that the review's own checks allowed, in order:
  - shield mode's slow mode: a second message within `slowModeSeconds` is denied,
    `shield mode`;
  - a hold term, or, while shield mode is on, an identity younger than
    `minIdentityAgeSeconds` (or one this server never made): queued and denied,
    `held for review`.

With shield mode off and no hold terms, a message costs one statement (shield mode and
the sender's age, read together).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tui.common.text import for_log
from tui.ivs.protocol import ID_LENGTH, new_id
from tui.server.moderation.records import Party
from tui.server.moderation.room_settings import RoomSettings
from tui.server.moderation.terms import BlockedTerms
from tui.server.raid.approval import MARKER_ATTRIBUTE, ApprovalStore, read_marker
from tui.server.raid.held import HELD_SECONDS, NEW_IDENTITY, HeldMessage, HeldQueue, hold_reason
from tui.server.raid.shield import ShieldStore
from tui.server.review.decision import ALLOW, Reason, Verdict
from tui.server.review.payload import ReviewRequest

log = logging.getLogger("tui.server.review")


class RaidReview:
    def __init__(
        self,
        shield: ShieldStore,
        queue: HeldQueue,
        approvals: ApprovalStore,
        settings: Callable[[], RoomSettings],
        *,
        secret: str,
        on_held: Callable[[], None] | None = None,
    ) -> None:
        """`settings()` is the room's current settings; `on_held()` is told of each
        message queued (the news feed looks sooner)."""
        self._shield = shield
        self._queue = queue
        self._approvals = approvals
        self._settings = settings
        self._secret = secret
        self._on_held = on_held
        self._compiled: tuple[RoomSettings, BlockedTerms] | None = None

    def _hold_terms(self, settings: RoomSettings) -> BlockedTerms:
        if self._compiled is None or self._compiled[0] is not settings:
            self._compiled = (settings, settings.compiled_hold_terms())
        return self._compiled[1]

    def approved(self, request: ReviewRequest, now: float) -> Verdict | None:
        text = request.attributes.get(MARKER_ATTRIBUTE)
        if text is None:
            return None
        marker = read_marker(
            self._secret, text, user_id=request.sender_id, content=request.content, now=now
        )
        if marker is None or not self._approvals.spend(marker, now):
            log.warning(
                "review: denied a message from %s: its approval marker is not valid",
                for_log(request.sender_id),
            )
            return Verdict(Reason.APPROVAL_REFUSED)
        kept = {k: v for k, v in request.attributes.items() if k != MARKER_ATTRIBUTE}
        return Verdict(attributes=kept)

    def hold(self, request: ReviewRequest, now: float) -> Verdict:
        settings = self._settings()
        terms = self._hold_terms(settings)
        shield, created_at = self._shield.sender(request.sender_id)
        on = shield.on(now)
        rules = settings.shield
        slow = rules.slow_mode_seconds
        if on and slow > 0 and not self._shield.take_slot(request.sender_id, now, slow):
            return Verdict(Reason.SHIELD)
        found = terms.match(request.content) if terms else None
        if found is not None:
            reason, term = hold_reason(found.term), found.term
        elif on and (created_at is None or now - created_at < rules.min_identity_age_seconds):
            reason, term = NEW_IDENTITY, None
        else:
            return ALLOW
        message_id = request.message_id
        fits = len(message_id) == ID_LENGTH and message_id.isascii() and message_id.isalnum()
        held_id = message_id if fits else new_id()
        self._queue.add(
            HeldMessage(
                id=held_id,
                at=now,
                expires_at=now + HELD_SECONDS,
                sender=Party(request.sender_id, request.sender_name),
                content=request.content,
                reason=reason,
                term=term,
                attributes=dict(request.attributes),
                sender_attributes=dict(request.sender_attributes),
            )
        )
        log.info("review: held a message from %s: %s", for_log(request.sender_id), for_log(reason))
        if self._on_held is not None:
            self._on_held()
        return Verdict(Reason.HELD, term=term)


__all__ = ["RaidReview"]

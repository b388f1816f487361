"""The message review as the app server runs it: the store's facts, the room's settings
and `decide`, for the review route (every message, before delivery) and the room keeper
(after delivery, the second line).

A viewer's first message over the flood limit also times them out, as the room keeper's
flood offence does (the log, the notice, DisconnectUser): in the background, so the
answer is not held up by IVS calls. The count lives in the shared store, so of several
instances exactly one starts the timeout, and a reconnect starts nothing afresh.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from tui.common.text import for_log
from tui.server.moderation.policy import automatic_applies
from tui.server.moderation.records import KEEPER, LoggedAction, NewRecord, Party
from tui.server.moderation.room_settings import RoomSettings
from tui.server.moderation.terms import BlockedTerms
from tui.server.review.decision import Reason, Standing, Verdict, claimed_role, decide
from tui.server.review.payload import ReviewRequest
from tui.server.review.store import ReviewStore

log = logging.getLogger("tui.server.review")

ApplyRecord = Callable[[NewRecord], Awaitable[object]]


class HoldStep(Protocol):
    """What the review asks beyond `decide` (`tui.server.raid.review.RaidReview`): a
    moderator's approval carried by the message, and for a viewer's message that `decide`
    allowed, shield mode and the hold terms."""

    def approved(self, request: ReviewRequest, now: float) -> Verdict | None:
        """The verdict on a message that carries an approval marker; None without one."""
        ...

    def hold(self, request: ReviewRequest, now: float) -> Verdict:
        """A viewer's message `decide` allowed: allowed still, held, or slowed."""
        ...


class MessageReviewer:
    def __init__(
        self,
        store: ReviewStore,
        settings: Callable[[], RoomSettings],
        apply: ApplyRecord,
        *,
        secret: str,
        log_only: ApplyRecord | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`settings()` is the room's current settings (the moderation service's, which
        follow changes made through other instances); `apply(record)` logs a record and
        carries it out (`ModerationService.apply_automatic`); `log_only(record)` logs one
        that changes nobody's standing (`ModerationService.log_automatic`: a refusal for a
        blocked term, so moderators see it and it counts as an offence); `secret` is what
        the review route's callers sign with (`secret.py`)."""
        self.store = store
        self.secret = secret
        self._settings = settings
        self._apply = apply
        self._log_only = log_only
        self._clock = clock
        self._compiled: tuple[RoomSettings, BlockedTerms] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.holds: HoldStep | None = None
        """Approvals, shield mode and hold terms (set at start-up)."""

    def terms(self) -> BlockedTerms:
        """The blocked terms compiled once per settings, not once per message."""
        settings = self._settings()
        if self._compiled is None or self._compiled[0] is not settings:
            self._compiled = (settings, settings.terms())
        return self._compiled[1]

    def standing(self, user_id: str, address: str | None = None) -> Standing:
        return self.store.standing(user_id, address, self._clock())

    def review(self, request: ReviewRequest) -> Verdict:
        """The verdict on one message about to be delivered (raises the database's
        errors: the route answers 503, and the room's fallback applies)."""
        now = self._clock()
        if self.holds is not None:
            approved = self.holds.approved(request, now)
            if approved is not None:
                return approved
        limits = self._settings().flood
        standing, flood = self.store.review(request.sender_id, request.sender_ip, now, limits)
        verdict = decide(
            content=request.content,
            claimed=claimed_role(request.sender_attributes),
            standing=standing,
            terms=self.terms(),
            flood=lambda: flood,
        )
        if verdict.allowed and self.holds is not None and automatic_applies(standing.role):
            verdict = self.holds.hold(request, now)
        if verdict.reason is Reason.BLOCKED_TERM:
            log.info(
                "review: denied a message from %s: blocked term %s",
                for_log(request.sender_id),
                for_log(repr(verdict.term)),
            )
            if self._log_only is not None:
                sender = Party(request.sender_id, request.sender_name)
                why = f"blocked term {verdict.term!r}"
                refused = NewRecord(now, KEEPER, True, LoggedAction.REFUSE, sender, why)
                self._spawn(refused, self._log_only, "logging a refusal")
        if verdict.starts_flood:
            sender = Party(request.sender_id, request.sender_name)
            why = f"flood: more than {limits.messages} messages in {limits.seconds} s"
            record = NewRecord(
                now,
                KEEPER,
                True,
                LoggedAction.TIMEOUT,
                sender,
                why,
                limits.timeout_seconds,
                now + limits.timeout_seconds,
            )
            self._spawn(record, self._apply, "applying a flood timeout")
        return verdict

    def _spawn(self, record: NewRecord, act: ApplyRecord, what: str) -> None:
        async def apply() -> None:
            try:
                await act(record)
            except Exception:  # the verdict stands: a flood's next message is still denied
                log.exception("review: %s failed", what)

        task = asyncio.ensure_future(apply())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Let the timeouts under way finish (briefly)."""
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=2.0)


__all__ = ["HoldStep", "MessageReviewer"]

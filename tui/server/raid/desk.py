"""The calls behind the raid routes (`RaidDesk`): shield mode, the held queue and its
decisions, the moderators' news; and the upkeep each instance runs once a second (shield
mode ended when its time is up, logged once; held messages expired).

Every call takes the caller's key and answers to the broadcaster and moderators only
(`ModerationService.caller`), as the other moderation routes do. Each change is logged
in the moderation log with its actor; none is told to the room (SendEvent reaches
viewers too): moderators learn of them from `GET /api/moderation/events`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from tui.common.text import for_log
from tui.server.db import DB_ERRORS
from tui.server.domain_errors import InvalidRequest, IvsFailed, NotFound
from tui.server.models import HeldDecision, ModerationNews, OffenceNews, ShieldNews
from tui.server.moderation.records import (
    KEEPER,
    ROOM,
    LoggedAction,
    NewRecord,
    Party,
    utc_text,
)
from tui.server.moderation.service import ModerationService
from tui.server.raid.approval import ApprovalFailed, ApprovalStore, new_marker, send_as_sender
from tui.server.raid.held import HeldMessage, HeldQueue
from tui.server.raid.review import RaidReview
from tui.server.raid.shield import Shield, ShieldStore

log = logging.getLogger("tui.server")

UPKEEP_SECONDS = 1.0
OFFENCES_AT_ONCE = 100
"""The most offences one news event carries; more wait for the next."""
BLOCKED_TERM, FLOOD = "blocked term", "flood"


@dataclass(frozen=True, slots=True)
class NewsState:
    """What a news event says but its offences: an event goes out when this changes."""

    held: int
    shield_on: bool
    until: float | None


class RaidDesk:
    def __init__(
        self,
        moderation: ModerationService,
        shield: ShieldStore,
        queue: HeldQueue,
        approvals: ApprovalStore,
        *,
        secret: str,
        chat_url: str,
    ) -> None:
        self.moderation = moderation
        self.shield_store = shield
        self.queue = queue
        self._secret = secret
        self._chat_url = chat_url
        self.review = RaidReview(
            shield, queue, approvals, lambda: moderation.settings, secret=secret
        )
        self.closing = asyncio.Event()
        """Set when the server stops: every news stream ends."""

    @property
    def _db(self) -> Any:
        return self.shield_store.db

    def _now(self) -> float:
        return self.moderation.clock()

    def _log(
        self,
        actor: Party,
        action: LoggedAction,
        target: Party,
        reason: str | None,
        duration_seconds: int | None = None,
        expires_at: float | None = None,
    ) -> None:
        """A record in the moderation log; automatic when the room keeper is the actor."""
        self.moderation.store.log_record(
            NewRecord(
                self._now(),
                actor,
                actor == KEEPER,
                action,
                target,
                reason,
                duration_seconds,
                expires_at,
            )
        )

    # --- shield mode -------------------------------------------------------------------

    def shield(self, key: str | None) -> dict[str, object]:
        """`GET /api/moderation/shield`."""
        self.moderation.caller(key)
        return self.shield_store.state().to_json(self.moderation.settings.shield, self._now())

    def set_shield(self, key: str | None, on: bool, minutes: int | None) -> dict[str, object]:
        """`POST /api/moderation/shield`: on for `minutes` (the room's default if None),
        again from now if it was on; or off. Logged with its actor when it changes."""
        caller = self.moderation.caller(key)
        now = self._now()
        settings = self.moderation.settings.shield
        if on:
            length = minutes or settings.minutes
            until = now + length * 60
            self.shield_store.turn_on(until, now)
            self._log(caller.party, LoggedAction.SHIELD, ROOM, None, length * 60, until)
            log.info("shield mode on for %d min by %s", length, for_log(caller.party.user_id))
        elif self.shield_store.turn_off(now):
            self._log(caller.party, LoggedAction.UNSHIELD, ROOM, "turned off")
            log.info("shield mode off by %s", for_log(caller.party.user_id))
        return self.shield_store.state().to_json(settings, now)

    # --- the held queue ----------------------------------------------------------------

    def held(self, key: str | None) -> list[HeldMessage]:
        """`GET /api/moderation/held`: oldest first."""
        self.moderation.caller(key)
        return self.queue.messages(self._now())

    async def decide(self, key: str | None, held_id: str, decision: str) -> HeldDecision:
        """`POST /api/moderation/held/{id}`: approve (into the room as its sender's) or
        deny (dropped); either is logged with the deciding moderator."""
        caller = self.moderation.caller(key)
        now = self._now()
        message = self.queue.take(held_id, now)
        if message is None:
            raise NotFound(
                f"no message {held_id!r} is held for review (decided already, or expired)"
            )
        if decision == "deny":
            self._log(caller.party, LoggedAction.DENY, message.sender, message.reason)
            return HeldDecision(id=message.id, decision="deny")
        state = self.moderation.store.state(message.sender.user_id)
        if state.banned(now) or state.timed_out(now):
            self.queue.add(message)  # still there to deny
            why = "banned" if state.banned(now) else "timed out"
            raise InvalidRequest(f"the sender is {why} now: deny the message instead")
        marker = new_marker(self._secret, message, now)
        try:
            echo = await send_as_sender(
                self.moderation.control,
                self.moderation.room_arn,
                self._chat_url,
                message,
                marker,
            )
        except ApprovalFailed as exc:
            self.queue.add(message)  # to approve again, or deny
            log.warning("approving held message %s failed: %s", message.id, for_log(str(exc)))
            raise IvsFailed(f"the message is still held: {exc}") from None
        self._log(caller.party, LoggedAction.APPROVE, message.sender, message.reason)
        self.queue.note_approved(echo.id, self._now())
        return HeldDecision(id=message.id, decision="approve", message_id=echo.id)

    # --- upkeep ------------------------------------------------------------------------

    def upkeep(self) -> None:
        """Shield mode ended (and logged, by one instance) when its time is up; held
        messages past their time dropped."""
        now = self._now()
        if self.shield_store.end_expired(now) is not None:
            self._log(KEEPER, LoggedAction.UNSHIELD, ROOM, "its time was up")
            log.info("shield mode off: its time was up")
        self.queue.expire(now)

    def upkeep_or_log(self) -> None:
        try:
            self.upkeep()
        except DB_ERRORS as exc:  # the next second tries again
            log.warning("raid upkeep failed: %s", for_log(str(exc)))

    # --- the news ----------------------------------------------------------------------

    def last_log_id(self) -> int:
        row = self._db.execute("SELECT max(id) FROM moderation_log").fetchone()
        return 0 if row is None or row[0] is None else int(row[0])

    def news_state(self) -> NewsState:
        now = self._now()
        shield: Shield = self.shield_store.state()
        on = shield.on(now)
        return NewsState(self.queue.count(now), on, shield.until if on else None)

    def offences_after(self, last_id: int) -> tuple[list[OffenceNews], int]:
        """The automatic records of blocked terms and floods after log id `last_id`, and
        the last id read."""
        rows = self._db.execute(
            "SELECT id, at, action, target_id, target_name, reason FROM moderation_log"
            " WHERE id > ? AND automatic = 1 ORDER BY id LIMIT ?",
            (last_id, OFFENCES_AT_ONCE),
        ).fetchall()
        found: list[OffenceNews] = []
        for rid, at, action, target_id, target_name, reason in rows:
            last_id = max(last_id, int(rid))
            words = str(reason or "")
            removed = action in (LoggedAction.DELETE.value, LoggedAction.REFUSE.value)
            if removed and words.startswith(BLOCKED_TERM):
                kind = BLOCKED_TERM
            elif action == LoggedAction.TIMEOUT.value and words.startswith(FLOOD):
                kind = FLOOD  # one per flood: the timeout, not each deletion
            else:
                continue
            found.append(
                OffenceNews.model_validate(
                    {
                        "id": int(rid),
                        "at": utc_text(float(at)),
                        "kind": kind,
                        "user": {"userId": str(target_id), "displayName": str(target_name)},
                    }
                )
            )
        return found, last_id

    def approved_after(self, last: int) -> tuple[list[str], int]:
        """The room's ids of messages approved after position `last`, and the last read."""
        return self.queue.approved_after(last, OFFENCES_AT_ONCE)

    @staticmethod
    def news(state: NewsState, offences: list[OffenceNews], approved: list[str]) -> ModerationNews:
        return ModerationNews(
            held=state.held,
            shield=ShieldNews.model_validate(
                {"on": state.shield_on, "until": utc_text(state.until)}
            ),
            offences=offences,
            approved=approved,
        )

    def close(self) -> None:
        self.closing.set()


def start_raid(moderation: ModerationService, *, secret: str, chat_url: str) -> RaidDesk:
    """The desk on the moderation store's connection (its tables migrated), and the
    message review asking it. Raises the database's errors."""
    db = moderation.store.db
    shield = ShieldStore(db)
    desk = RaidDesk(
        moderation, shield, HeldQueue(db), ApprovalStore(db), secret=secret, chat_url=chat_url
    )
    if moderation.reviewer is not None:
        moderation.reviewer.holds = desk.review
    return desk


__all__ = ["RaidDesk", "start_raid"]

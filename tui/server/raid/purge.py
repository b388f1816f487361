"""Purge: a ban's or timeout's `purgeSeconds` takes the user's recent messages down for
everyone.

Which messages: the history's, by sender and send time (`HistoryStore.message_ids_from`),
from `purgeSeconds` before the action to the action. Each is deleted with the control
plane's DeleteMessage, as a moderator's delete is, and dropped from the history at once
(the room keeper records the same deletion event again, which the history takes as the
one it has).

Pacing: IVS allows 100 DeleteMessage calls a second per account and region. One
`TokenBucket` per instance paces every purge it runs at `PURGE_DELETES_PER_SECOND`, half
of that, so that two instances purging at once (or one purge and the moderators' own
deletes) stay within it. A call IVS throttles anyway is tried again after a pause.

The action answers once the deletions are queued, with `purgeQueued`; the instance that
took the action carries them out in the background and writes `purged` (how many were
deleted) into the log record in the shared store when they are done, so the log read
through any instance shows it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from tui.common.text import for_log
from tui.common.token_bucket import TokenBucket
from tui.ivs.control import ControlError
from tui.ivs.protocol import EVENT_DELETE_MESSAGE, REASON_MAX_LENGTH
from tui.server.db import DB_ERRORS
from tui.server.history.record import ModerationEvent, from_micros
from tui.server.history.store import HistoryStore
from tui.server.moderation.log_store import ModerationStore
from tui.server.moderation.records import ModerationRecord
from tui.server.stage.control_plane import ServiceControl

log = logging.getLogger("tui.server")

IVS_DELETE_MESSAGE_TPS = 100
"""IVS's DeleteMessage quota: calls a second, per account and region."""
PURGE_DELETES_PER_SECOND = IVS_DELETE_MESSAGE_TPS / 2
"""What one instance's purges spend of it, all together."""
PURGE_BURST = 10
"""Deletions one instance may make at once before the rate holds."""
THROTTLED_PAUSE_SECONDS = 1.0
"""After IVS throttles a deletion (past botocore's own retries), wait this long."""
THROTTLED_TRIES = 5
"""A deletion IVS keeps throttling is given up after this many tries, and not counted."""
_THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException"})


def purge_reason(record: ModerationRecord) -> str:
    """The DeleteMessage reason of a purge's deletions: what the action was, and why."""
    words = f"purged with a {record.action.value}"
    if record.reason:
        words = f"{words}: {record.reason}"
    return words[:REASON_MAX_LENGTH]


class Purger:
    """Runs this instance's purges, one background task each, all paced by one bucket."""

    def __init__(
        self,
        control: ServiceControl,
        room_arn: str,
        history: HistoryStore,
        store: ModerationStore,
        *,
        rate: float = PURGE_DELETES_PER_SECOND,
        burst: int = PURGE_BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """`clock` and `sleep`: the bucket's time and how to wait for it (tests run a
        purge in a time of their own, to count what each second lets through)."""
        self.control = control
        self.room_arn = room_arn
        self.history = history
        self.store = store
        self.bucket = TokenBucket(rate, burst, clock=clock)
        self._sleep = sleep
        self.deleted = 0
        """Deletions this instance has made for purges: what tests count."""
        self._tasks: set[asyncio.Task[int]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def message_ids(self, user_id: str, seconds: int, at: float) -> list[str]:
        """The user's messages in the history sent in the `seconds` before `at`."""
        since_us = int((at - seconds) * 1_000_000)
        return self.history.message_ids_from(user_id, since_us)

    def queue(self, record: ModerationRecord, seconds: int) -> ModerationRecord:
        """Queue the deletion of `record.target`'s messages of `seconds` back; the record
        with `purge_queued` (and `purged` 0 when there was nothing to delete)."""
        ids = self.message_ids(record.target.user_id, seconds, record.at)
        purged = None if ids else 0
        self.store.set_purge(record.id, queued=len(ids), purged=purged)
        if ids:
            task = asyncio.create_task(self._run(record, ids), name=f"purge-{record.id}")
            self._tasks.add(task)
            self._idle.clear()
            task.add_done_callback(self._done)
        log.info(
            "moderation %s: purge of %s queued %d deletions",
            record.id,
            for_log(record.target.user_id),
            len(ids),
        )
        return replace(record, purge_queued=len(ids), purged=purged)

    def _done(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()

    async def idle(self) -> None:
        """Until no purge is running."""
        await self._idle.wait()

    async def _pace(self) -> None:
        while (wait := self.bucket.take()) > 0:
            await self._sleep(wait)

    async def _run(self, record: ModerationRecord, ids: Sequence[str]) -> int:
        reason = purge_reason(record)
        deleted = 0
        try:
            for message_id in ids:
                if await self._delete(record, message_id, reason):
                    deleted += 1
        finally:
            # Stopped part way (the server is stopping), the log still says how many
            # went, rather than a purge that never ends.
            self._logged(record, deleted, len(ids))
        return deleted

    def _logged(self, record: ModerationRecord, deleted: int, queued: int) -> None:
        try:
            self.store.set_purge(record.id, purged=deleted)
        except DB_ERRORS as exc:
            log.warning(
                "moderation %s: purge done (%d deleted) but not logged: %s",
                record.id,
                deleted,
                for_log(str(exc)),
            )
            return
        log.info("moderation %s: purge deleted %d of %d", record.id, deleted, queued)

    async def _delete(self, record: ModerationRecord, message_id: str, reason: str) -> bool:
        """One deletion, paced and tried again while IVS throttles it; whether it was
        deleted. The history drops the message too."""
        for _ in range(THROTTLED_TRIES):
            await self._pace()
            try:
                event_id = await self.control.delete_message(self.room_arn, message_id, reason)
            except ControlError as exc:
                if exc.code in _THROTTLED:
                    await self._sleep(THROTTLED_PAUSE_SECONDS)
                    continue
                log.warning(
                    "moderation %s: purge could not delete %s: %s",
                    record.id,
                    for_log(message_id),
                    for_log(str(exc)),
                )
                return False
            self.deleted += 1
            event = ModerationEvent(
                event_id or f"{EVENT_DELETE_MESSAGE}/{message_id}",
                EVENT_DELETE_MESSAGE,
                message_id,
                reason,
                from_micros(self.history.now_us()),
            )
            try:
                self.history.add_moderation(event)
            except DB_ERRORS as exc:  # the room keeper records the deletion event too
                log.warning("purge: history did not drop a message: %s", for_log(str(exc)))
            return True
        log.warning("moderation %s: IVS kept throttling a purge's deletion", record.id)
        return False

    async def close(self) -> None:
        """Stop every purge (the server is stopping); each logs what it deleted so far."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


__all__ = [
    "IVS_DELETE_MESSAGE_TPS",
    "PURGE_BURST",
    "PURGE_DELETES_PER_SECOND",
    "Purger",
    "purge_reason",
]

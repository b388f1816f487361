"""The app server's hold on its room: moderation (bans, timeouts, moderators, the room
keeper) and history, opened at start-up and closed with the app.

- `open_room_stores`: the moderation tables (in the store's database file, on their own
  connection: `open_moderation_store`) and the history file, before the server listens;
- `start_room`: the `ModerationService` and the room keeper, whose room events go to the
  history recorder, once the control plane is up;
- `room_lifetime`: the app's cleanup context: the history's upkeep (heartbeat, retention,
  checkpoints) runs while the app runs; at the end the keeper stops and both close;
- `ROUTES`: the moderation and history routes, under /api.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from tui.common.text import for_log
from tui.server.db import DB_ERRORS, DatabaseTarget, DatabaseUnavailable
from tui.server.domain_errors import InvalidRequest
from tui.server.history import routes as history_routes
from tui.server.history.coverage import HEARTBEAT_SECONDS
from tui.server.history.recorder import HistoryRecorder
from tui.server.history.store import HistoryStore, HistoryStoreError
from tui.server.moderation import routes as moderation_routes
from tui.server.moderation.keeper import RoomKeeper, keeper_tokens
from tui.server.moderation.log_store import ModerationStore, open_moderation_store
from tui.server.moderation.records import KEEPER_USER_ID
from tui.server.moderation.room_settings import parse_settings
from tui.server.moderation.service import ModerationService
from tui.server.raid import notes_routes
from tui.server.raid import routes as raid_routes
from tui.server.raid.desk import UPKEEP_SECONDS, start_raid
from tui.server.raid.notes import NoteStore
from tui.server.raid.purge import Purger
from tui.server.review import route as review_route
from tui.server.review.reviewer import MessageReviewer
from tui.server.review.store import ReviewStore
from tui.server.service import AppService
from tui.server.settings import ServerSettings
from tui.server.web.http import ServerState

log = logging.getLogger("tui.server")

ROUTES = (
    *moderation_routes.ROUTES,
    *history_routes.ROUTES,
    *review_route.ROUTES,
    *notes_routes.ROUTES,
    *raid_routes.ROUTES,
)


class RoomError(Exception):
    """The room's stores or settings cannot be used; `str()` says why (start-up words it)."""


def open_room_stores(
    target: DatabaseTarget, settings: ServerSettings, clock: Callable[[], float] = time.time
) -> tuple[ModerationStore, HistoryStore]:
    """The moderation tables and the history, each on a connection of its own: in the
    data dir's files (server.sqlite3, history.sqlite3), or in the shared Postgres."""
    try:
        moderation = open_moderation_store(target.open_core())
    except (*DB_ERRORS, DatabaseUnavailable, OSError, RuntimeError) as exc:
        raise RoomError(
            f"cannot open the moderation tables in {target.describe()}: {exc}"
        ) from None
    try:
        history = HistoryStore(
            target.open_history(),
            max_messages=settings.history_max_messages,
            max_age_seconds=settings.history_max_age_hours * 3600,
            clock=clock,
        )
    except (HistoryStoreError, DatabaseUnavailable, *DB_ERRORS, OSError) as exc:
        moderation.close()
        raise RoomError(str(exc)) from None
    return moderation, history


async def start_room(
    service: AppService,
    settings: ServerSettings,
    moderation_store: ModerationStore,
    history: HistoryStore,
    chat_url: str,
    *,
    review_secret: str,
) -> ModerationService:
    """Moderation on `service`, and the room keeper started (in the background: it
    connects, and reconnects, by itself; `GET /healthz` shows how it is doing)."""
    config = service.config
    moderation = ModerationService(
        service.control,
        service.store,
        moderation_store,
        room_arn=config.room_arn,
        broadcaster_key=config.broadcaster_key,
        broadcaster_name=config.broadcaster_name,
        clock=service.clock,
        history=history,
        take_off_stage=service.disconnect,
    )
    if settings.blocked_terms is not None:
        body = {"blockedTerms": settings.blocked_terms}
        try:
            chosen = await asyncio.to_thread(parse_settings, body, moderation.settings)
        except InvalidRequest as exc:
            raise RoomError(f"invalid blocked-terms setting: {exc.message}") from None
        moderation.set_settings(chosen)
    try:
        review_store = ReviewStore(moderation_store.db)
    except (*DB_ERRORS, RuntimeError) as exc:
        raise RoomError(f"cannot open the message review's tables: {exc}") from None
    moderation.reviewer = MessageReviewer(
        review_store,
        lambda: moderation.settings,
        moderation.apply_automatic,
        log_only=moderation.log_automatic,
        secret=review_secret,
        clock=lambda: moderation.clock(),  # moderation's one clock (tests move it)
    )
    try:
        moderation.notes = NoteStore(moderation_store.db)
    except (*DB_ERRORS, RuntimeError) as exc:
        raise RoomError(f"cannot open the user notes' table: {exc}") from None
    moderation.purger = Purger(service.control, config.room_arn, history, moderation_store)
    try:
        service.raid = start_raid(moderation, secret=review_secret, chat_url=chat_url)
    except (*DB_ERRORS, RuntimeError) as exc:
        raise RoomError(f"cannot open the held queue's tables: {exc}") from None
    recorder = HistoryRecorder(history)
    moderation.keeper = RoomKeeper(
        keeper_tokens(
            service.control, config.room_arn, chat_url, session_minutes=config.session_minutes
        ),
        moderation.settings,
        moderation.on_offence,
        user_id=KEEPER_USER_ID,
        on_event=recorder.on_event,
        claim=moderation.claim,
        standing=moderation.reviewer.standing,
    )
    service.moderation = moderation
    service.history = history
    moderation.keeper.start()
    return moderation


SETTINGS_FOLLOW_SECONDS = 2.0
"""On a shared database, how often an instance reads the room's settings again, so that
a change made through another instance reaches this one's room keeper."""


async def _follow_settings(state: ServerState) -> None:
    while True:
        await asyncio.sleep(SETTINGS_FOLLOW_SECONDS)
        service = state.service
        if service is None or service.moderation is None:
            continue
        try:
            service.moderation.reload_settings()
        except DB_ERRORS as exc:
            log.warning("could not read the room settings: %s", for_log(str(exc)))


async def _raid_upkeep(state: ServerState) -> None:
    """Shield mode's end and the held queue's expiry (`RaidDesk.upkeep`), every second."""
    while True:
        await asyncio.sleep(UPKEEP_SECONDS)
        service = state.service
        if service is not None and service.raid is not None:
            service.raid.upkeep_or_log()


def room_lifetime(
    state: ServerState, moderation_store: ModerationStore, history: HistoryStore
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """The app's cleanup context for the room (appended after the store's, so it ends
    first: the keeper stops while the control plane is still open)."""

    @contextlib.asynccontextmanager
    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(history.maintain(HEARTBEAT_SECONDS), name="history-upkeep")]
        if history.shared:
            tasks.append(asyncio.create_task(_follow_settings(state), name="settings-follow"))
        tasks.append(asyncio.create_task(_raid_upkeep(state), name="raid-upkeep"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            service = state.service
            if service is not None and service.moderation is not None:
                await service.moderation.close()  # the keeper, then its store
            else:
                moderation_store.close()
            history.close()

    return lifetime


__all__ = ["ROUTES", "RoomError", "open_room_stores", "room_lifetime", "start_room"]

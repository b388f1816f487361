"""The room keeper: the app server's own moderator connection to its room.

Who it is and what it may do: the README, "Moderation and the room keeper". It reads
every MESSAGE through the project's own room client (`tui.ivs.room.ChatRoom`), and for
each one from a viewer checks the blocked terms and the flood limits. An offending
message is deleted for everyone at once (DELETE_MESSAGE over its own socket, with a
reason), and `on_offence` is called with the records to keep: the deletion, and for a
flood the timeout, which the server applies as it applies a moderator's (log,
DisconnectUser, read-only tokens until it ends). Nothing here is local-only: on real IVS
the same socket does the same, no Lambda needed.

The room client reconnects and refreshes its session by itself. A room that ends for good
(a moderator disconnected the keeper, or the token provider refused) is opened anew after
a backoff, so the keeper keeps working until `stop()`. `health()` is its state for the
health endpoint.

What the world sees: the public deletion reason says only "blocked term" or "flood", so
nobody learns the list by testing it; the log record names the term for moderators.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypedDict

from tui.common.roles import Role
from tui.common.text import for_log
from tui.ivs.connection.backoff import backoff_delay
from tui.ivs.control import ControlError
from tui.ivs.events import (
    ChatError,
    ChatMessage,
    ConnectionState,
    RoomEvent,
    StateChanged,
    TokenRefused,
)
from tui.ivs.protocol import ChatCapability
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken, TokenProvider
from tui.server.db import DB_ERRORS
from tui.server.moderation.flood import FloodWatch
from tui.server.moderation.records import (
    KEEPER,
    KEEPER_USER_ID,
    LoggedAction,
    NewRecord,
    Party,
)
from tui.server.moderation.room_settings import RoomSettings
from tui.server.moderation.terms import BlockedTerms
from tui.server.review.decision import (
    STANDING_REASONS,
    Flood,
    Reason,
    Standing,
    claimed_role,
    decide,
)
from tui.server.stage.control_plane import ServiceControl

log = logging.getLogger("tui.server.keeper")

KEEPER_ATTRIBUTES = {"username": KEEPER.display_name, "role": Role.MODERATOR.value}
"""The token attributes the keeper's token should carry (`get_token`'s business)."""
KEEPER_CAPABILITIES = (ChatCapability.DELETE_MESSAGE,)
"""What its token needs: no SEND_MESSAGE, it never speaks; no DISCONNECT_USER, its
timeouts disconnect through the control plane. It is the only chat token with
DELETE_MESSAGE, and no chat token has DISCONNECT_USER, so no client can disconnect it."""
PUBLIC_REASON_TERM = Reason.BLOCKED_TERM.value
PUBLIC_REASON_FLOOD = Reason.FLOOD.value
MAX_DELETIONS_IN_FLIGHT = 500
"""Deletions waiting for the server's answer at once: five seconds of a room at 100 msg/s
where every message offends. Past it, offending messages are counted but not deleted
until some answers come back, so a stuck socket cannot grow memory without end."""


class KeeperState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


class OffenceKind(StrEnum):
    BLOCKED_TERM = "blocked-term"
    FLOOD = "flood"
    STANDING = "standing"
    """Sent by someone whose standing forbids it (banned, timed out, a stale role): a
    message a fallback ALLOW let through."""


@dataclass(frozen=True, slots=True)
class Offence:
    """One offending message and what the server should keep of it: `records` holds the
    deletion, and for a flood also the timeout (the server applies it)."""

    kind: OffenceKind
    message_id: str
    sender: Party
    records: tuple[NewRecord, ...]
    term: str | None = None
    disconnect: str | None = None
    """The reason to disconnect the sender with, when their token must end (STANDING)."""


@dataclass(frozen=True, slots=True)
class KeeperHealth:
    state: KeeperState
    last_error: str | None
    messages_seen: int
    deletions: int
    offences: int
    connections: int
    """Connections opened so far (1 while it never lost one)."""

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "lastError": self.last_error,
            "messagesSeen": self.messages_seen,
            "deletions": self.deletions,
            "offences": self.offences,
            "connections": self.connections,
        }


OnOffence = Callable[[Offence], Awaitable[None] | None]
Claim = Callable[[str], bool]
"""Whether this keeper acts on the offending message with this id (several instances)."""
StandingOf = Callable[[str], Standing]
"""A sender's standing in the store (`MessageReviewer.standing`)."""
OnEvent = Callable[[RoomEvent], None]
"""Every event the keeper's room yields, before the keeper looks at it: the history
recorder (`tui.server.history.recorder.HistoryRecorder.on_event`)."""


class RoomTimings(TypedDict, total=False):
    """The `ChatRoom` timings a keeper's rooms take (tests shorten them)."""

    request_timeout: float
    connect_timeout: float
    backoff_base: float
    backoff_cap: float
    refresh_margin: float


def keeper_tokens(
    control: ServiceControl,
    room_arn: str,
    chat_url: str,
    *,
    user_id: str = KEEPER_USER_ID,
    session_minutes: int = 60,
) -> TokenProvider:
    """The keeper's `get_token`: CreateChatToken through the app server's control plane,
    on the local stack and on AWS alike. A room that does not exist is a refusal (the
    keeper opens the room again later); any other failure is retried by the room client."""

    async def get_token() -> ChatToken:
        try:
            token = await control.create_chat_token(
                room_arn,
                user_id,
                capabilities=KEEPER_CAPABILITIES,
                attributes=KEEPER_ATTRIBUTES,
                session_minutes=session_minutes,
            )
        except ControlError as exc:
            if exc.not_found:
                raise TokenRefused(f"the room keeper's room is gone: {exc}") from None
            raise
        return ChatToken(
            token.token,
            chat_url,
            token.token_expiration_time,
            token.session_expiration_time,
            user_id,
        )

    return get_token


class RoomKeeper:
    def __init__(
        self,
        get_token: TokenProvider,
        settings: RoomSettings,
        on_offence: OnOffence,
        *,
        user_id: str | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        reopen_base: float = 1.0,
        reopen_cap: float = 60.0,
        room_options: RoomTimings | None = None,
        rng: random.Random | None = None,
        on_event: OnEvent | None = None,
        claim: Claim | None = None,
        standing: StandingOf | None = None,
    ) -> None:
        """`get_token()` returns a fresh ChatToken for the keeper's identity, with
        `KEEPER_CAPABILITIES`; `user_id` is that identity (its own messages and any with
        a moderator's or the broadcaster's role are never checked). `claim(message_id)`,
        when given, is asked before acting on an offending message: False means another
        instance's keeper has it, and this one leaves it alone. `standing(user_id)`, when
        given, is the sender's standing in the store, and each message is judged as the
        review route judges it (`tui.server.review.decision.decide`); without it, the
        role the token claims is taken as the sender's."""
        self._get_token = get_token
        self._standing = standing
        self._claim = claim
        self._on_offence = on_offence
        self._on_event = on_event
        self._user_id = user_id
        self._clock = clock
        self._reopen_base = reopen_base
        self._reopen_cap = reopen_cap
        self._room_options: RoomTimings = room_options or {}
        self._rng = rng or random.Random()
        self._terms: BlockedTerms = settings.terms()
        self._settings = settings
        self._flood = FloodWatch(settings.flood, clock=monotonic)
        self._state = KeeperState.STOPPED
        self._last_error: str | None = None
        self._seen = 0
        self._deletions = 0
        self._offences = 0
        self._connections = 0
        self._room: ChatRoom | None = None
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._live = asyncio.Event()
        self._changed = asyncio.Event()  # set and replaced whenever health() changes

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Start keeping the room, in the background. Idempotent."""
        if self._task is None:
            self._state = KeeperState.CONNECTING
            self._task = asyncio.create_task(self._run(), name="room-keeper")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        if self._room is not None:
            await self._room.close()
            self._room = None
        pending = list(self._inflight)
        if pending:
            await asyncio.wait(pending, timeout=2.0)
        self._state = KeeperState.STOPPED
        self._live.clear()
        self._bump()

    async def __aenter__(self) -> RoomKeeper:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_live(self) -> None:
        """Until the keeper's connection is open (for start-up and tests)."""
        await self._live.wait()

    def update(self, settings: RoomSettings) -> None:
        """New room settings (after `PUT /api/moderation/settings`), from the next message."""
        self._terms = settings.terms()
        if settings.flood != self._settings.flood:
            self._flood.set_limits(settings.flood)
        self._settings = settings

    async def wait_until(self, condition: Callable[[KeeperHealth], bool]) -> KeeperHealth:
        """Until `condition(health())` holds (for start-up, the health check and tests)."""
        while not condition(health := self.health()):
            await self._changed.wait()
        return health

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def health(self) -> KeeperHealth:
        return KeeperHealth(
            self._state,
            # Often a moderator's disconnect reason: /healthz answers anyone.
            None if self._last_error is None else for_log(self._last_error),
            self._seen,
            self._deletions,
            self._offences,
            self._connections,
        )

    # --- the connection ---------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0  # rooms in a row that ended without ever connecting count up
        while True:
            room = ChatRoom(self._get_token, **self._room_options)
            self._room = room
            connected_before = self._connections
            async with room:
                ended = await self._consume(room)
            self._room = None
            self._live.clear()
            failures = 1 if self._connections > connected_before else failures + 1
            self._state = KeeperState.RECONNECTING
            self._last_error = ended.reason or "the keeper's chat connection ended"
            log.warning("room keeper: %s; opening it again", for_log(self._last_error))
            self._bump()
            delay = backoff_delay(
                max(failures - 1, 0), base=self._reopen_base, cap=self._reopen_cap, rng=self._rng
            )
            await asyncio.sleep(max(delay, self._reopen_base / 2))

    async def _consume(self, room: ChatRoom) -> StateChanged:
        """Every event of one room, until it ends; the final state change."""
        async for event in room:
            if self._on_event is not None:
                self._hand_on(event)
            if isinstance(event, ChatMessage):
                self._seen += 1
                self._check(room, event)
                self._bump()
            elif isinstance(event, StateChanged):
                self._bump()
                if event.state is ConnectionState.CONNECTED:
                    self._connections += 1
                    self._state = KeeperState.LIVE
                    self._live.set()
                elif event.state is ConnectionState.DISCONNECTED:
                    return event
                else:
                    self._live.clear()
                    if self._connections:
                        self._state = KeeperState.RECONNECTING
                    if event.reason:
                        self._last_error = event.reason
        return StateChanged(ConnectionState.DISCONNECTED, reason="the event stream ended")

    def _hand_on(self, event: RoomEvent) -> None:
        assert self._on_event is not None
        try:
            self._on_event(event)
        except Exception as exc:  # a failing listener must not stop the moderation
            self._last_error = f"handing on a room event failed: {exc}"
            log.exception("room keeper: handing on a room event failed")

    # --- the hot path -----------------------------------------------------------------

    def _standing_of(self, message: ChatMessage, claimed: Role) -> Standing:
        if self._standing is None:
            return Standing(role=claimed)
        try:
            return self._standing(message.sender_id)
        except DB_ERRORS as exc:  # judge by the token's claim rather than not at all
            self._last_error = f"could not read a sender's standing: {exc}"
            log.warning("room keeper: %s", self._last_error)
            return Standing(role=claimed)

    def _check(self, room: ChatRoom, message: ChatMessage) -> None:
        if message.sender_id == self._user_id:
            return
        sender_id = message.sender_id
        claimed = claimed_role(message.sender_attributes)
        verdict = decide(
            content=message.content,
            claimed=claimed,
            standing=self._standing_of(message, claimed),
            terms=self._terms,
            flood=lambda: Flood.STARTS if self._flood.note(sender_id) else Flood.NO,
        )
        if verdict.reason is None:
            return
        if self._claim is not None and not self._claim(message.id):
            return  # another instance's keeper acts on this one
        now = self._clock()
        sender = Party(sender_id, message.sender_name)
        limits = self._settings.flood
        flood_words = f"flood: more than {limits.messages} messages in {limits.seconds} s"
        records: list[NewRecord] = []
        disconnect: str | None = None
        public = verdict.reason.value
        if verdict.reason is Reason.BLOCKED_TERM:
            kind, why = OffenceKind.BLOCKED_TERM, f"blocked term {verdict.term!r}"
        elif verdict.reason is Reason.FLOOD:
            kind, why = OffenceKind.FLOOD, flood_words
        else:
            assert verdict.reason in STANDING_REASONS
            kind, why = OffenceKind.STANDING, f"sent while {verdict.reason.value}"
            disconnect = f"{verdict.reason.value}: your connection is out of date"
        records.append(NewRecord(now, KEEPER, True, LoggedAction.DELETE, sender, why))
        if verdict.starts_flood:
            records.append(
                NewRecord(
                    now,
                    KEEPER,
                    True,
                    LoggedAction.TIMEOUT,
                    sender,
                    flood_words,
                    limits.timeout_seconds,
                    now + limits.timeout_seconds,
                )
            )
        self._offences += 1
        offence = Offence(kind, message.id, sender, tuple(records), verdict.term, disconnect)
        if len(self._inflight) < MAX_DELETIONS_IN_FLIGHT:
            self._spawn(self._delete(room, message.id, public))
        else:
            self._last_error = "too many deletions waiting for the chat server"
        self._spawn(self._tell(offence))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _delete(self, room: ChatRoom, message_id: str, reason: str) -> None:
        try:
            await room.delete_message(message_id, reason)
        except ChatError as exc:
            self._last_error = f"could not delete message {message_id}: {exc}"
            log.warning("room keeper: %s", for_log(self._last_error))
            self._bump()
            return
        self._deletions += 1
        self._bump()

    async def _tell(self, offence: Offence) -> None:
        try:
            result = self._on_offence(offence)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # the server's failure must not stop the keeper
            self._last_error = f"recording an offence failed: {exc}"
            log.exception("room keeper: recording an offence failed")


__all__ = [
    "KEEPER_ATTRIBUTES",
    "KEEPER_CAPABILITIES",
    "Claim",
    "KeeperHealth",
    "KeeperState",
    "Offence",
    "OffenceKind",
    "OnEvent",
    "OnOffence",
    "RoomKeeper",
    "keeper_tokens",
]

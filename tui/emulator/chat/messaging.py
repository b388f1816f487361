"""The messaging WebSocket at `/`: what `wss://edge.ivschat.<region>.amazonaws.com` does.

Handshake: the chat token is the subprotocol and the server selects it back. A missing,
unknown, already used or expired token is refused before the upgrade with HTTP 401 (the
body says which); a token whose room was deleted gets 404.

Frames, decisions worth knowing:
- Every receiver, the sender included, gets the very same MESSAGE frame, carrying the
  sender's RequestId. Real IVS does the same; the SDK correlates by RequestId and other
  clients' ids never match. It also keeps a client that overlaps two connections during
  a token refresh safe: whichever copy it sees first resolves its request.
- Events from the API (SendEvent, DeleteMessage, DisconnectUser) carry RequestId "";
  moderation over the socket carries the moderator's RequestId.
- aws:DELETE_MESSAGE carries both `MessageId` and the deprecated `MessageID` (the
  official SDK 1.1.1 reads only the latter), and `Reason` when one was given.
- Disconnecting a user broadcasts aws:DISCONNECT_USER, then closes every socket of that
  user with code 1000, which clients take as "disconnected by a moderator". The close
  reason is the moderator's cut to 123 UTF-8 bytes (a close frame holds no more); the
  event carries it whole.
- At the end of its session a socket gets ERROR 401 and is closed with
  `CLOSE_SESSION_EXPIRED` (4401): not 1000, so clients reconnect with a new token. The
  session ends at the sessionExpirationTime CreateChatToken returned (token creation +
  sessionDurationInMinutes, or + `EmulatorConfig.session_seconds` when set).
- When the room is deleted or the emulator stops, sockets are closed with 1001.
- An unmasked client frame fails the connection with 1002, as RFC 6455 requires
  (`masking`).
- A malformed frame gets ERROR 400 and the socket stays open.
- Every field of every action is bounded before anything else, and one too large gets
  ERROR 413 ("fields that are too large", as IVS words it): RequestId
  (`REQUEST_ID_MAX_LENGTH`, and the ERROR then carries RequestId "" rather than echo
  it), Content (the room's maximumMessageLength, in code points), Attributes
  (`MESSAGE_ATTRIBUTES_MAX_BYTES`), Id (`ID_LENGTH`), UserId (`USER_ID_MAX_LENGTH`),
  Reason (`REASON_MAX_LENGTH`). So nothing a client sends is copied, oversized, into a
  frame the whole room receives.
- Per message, then: capability (403), empty content (400), the room's shared rate
  (429), and last the room's message review handler, if it has one (`review`): so a
  message too long or too fast never reaches the handler, as on IVS, where those are
  the room's own limits. A message under review is delivered (or refused with 406) when
  the verdict is in, after every earlier message of the same sender in that room:
  reviews run at once, side by side, but one sender's messages keep their order, and
  no room waits for another's reviews.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import WSMsgType, web

from tui.common.text import for_log
from tui.common.timing.clock import utc_now
from tui.emulator.chat.live_room import Connection, LiveRoom
from tui.emulator.chat.masking import MaskCheckingResponse
from tui.emulator.chat.review import Reviewer, review_payload
from tui.emulator.state import EmulatorState, IssuedChatToken, Room
from tui.ivs.protocol import (
    CLOSE_NORMAL,
    CLOSE_REASON_MAX_BYTES,
    EVENT_DELETE_MESSAGE,
    EVENT_DISCONNECT_USER,
    ID_ALPHABET,
    ID_LENGTH,
    MESSAGE_ATTRIBUTES_MAX_BYTES,
    REASON_MAX_LENGTH,
    REQUEST_ID_MAX_LENGTH,
    USER_ID_MAX_LENGTH,
    ChatCapability,
    DeleteMessage,
    DisconnectUser,
    ErrorCode,
    ErrorFrame,
    EventFrame,
    FrameError,
    MessageFrame,
    Sender,
    SendMessage,
    attributes_size,
    code_points,
    new_id,
    parse_client_action,
)

log = logging.getLogger("tui.emulator")

CLOSE_SESSION_EXPIRED = 4401
"""Close code after the session ends (ERROR 401 first). Not 1000, so clients reconnect."""
CLOSE_GOING_AWAY = 1001
"""Close code when the room is deleted or the emulator stops."""
_ID_CHARS = frozenset(ID_ALPHABET)
CLIENT_FRAME_READ_LIMIT = 1024 * 1024
"""Largest client frame read; bigger ones close the socket (1009), as aiohttp does. Well
over `protocol.MAX_FRAME_BYTES` on purpose: a frame that can be read gets an ERROR 413
that names the field too large, rather than a bare close."""


class ChatHub:
    """The messaging endpoint: admits sockets, decides what each client action does, and
    keeps one `LiveRoom` per room (its sockets, outbox and rate), which sends it."""

    def __init__(self, state: EmulatorState, reviewer: Reviewer | None = None) -> None:
        self.state = state
        self.reviewer = reviewer or Reviewer({})
        self._live: dict[str, LiveRoom] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_review: dict[tuple[str, str], asyncio.Task[None]] = {}
        """(room ARN, user id) -> that sender's latest message under review."""

    def live_room(self, room: Room) -> LiveRoom:
        """The live side of `room`, made when first needed."""
        live = self._live.get(room.arn)
        if live is None:
            live = self._live[room.arn] = LiveRoom(room)
        return live

    def connections(self) -> list[Connection]:
        """Every open messaging connection, across rooms."""
        return [conn for live in self._live.values() for conn in live.connections]

    def set_rate(self, room: Room) -> None:
        """The room's maximumMessageRatePerSecond changed."""
        self.live_room(room).limiter.set_rate(room.maximum_message_rate_per_second)

    def forget(self, room: Room) -> None:
        """The room is deleted (its sockets already closing)."""
        self._live.pop(room.arn, None)

    # --- the socket -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(
                status=400,
                text="This is the IVS chat messaging endpoint: open a WebSocket with the "
                "chat token as the subprotocol.\n",
            )
        offered = request.headers.get("Sec-WebSocket-Protocol", "")
        token = offered.split(",")[0].strip()
        grant = self._admit(token)
        room = self.state.rooms.get(grant.room_arn)
        if room is None:
            raise web.HTTPNotFound(text="The room of this chat token no longer exists.\n")
        grant.used = True

        ws = MaskCheckingResponse(
            protocols=(token,), compress=False, max_msg_size=CLIENT_FRAME_READ_LIMIT, autoping=True
        )
        await ws.prepare(request)
        transport = request.transport
        assert transport is not None  # prepared, so the connection is open
        live = self.live_room(room)
        conn = Connection(ws, transport, live, grant, request.remote or "")
        live.connections.add(conn)
        delay = max(0.0, grant.session_expires_at - time.time())
        conn.expiry = asyncio.get_running_loop().call_later(delay, self.expire, conn)
        log.info("connected user %s to room %s", for_log(grant.user_id), room.id)
        try:
            async for msg in ws:
                if conn.closing:  # disconnected or expired: what it sends now is void
                    continue
                if msg.type == WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    self._error(conn, "", ErrorCode.BAD_REQUEST, "binary frames are not supported")
        finally:
            live.leave(conn)
            log.info("disconnected user %s from room %s", for_log(grant.user_id), room.id)
        return ws

    def _admit(self, token: str) -> IssuedChatToken:
        """The grant of a usable token, or an HTTP 401 saying why not."""
        if not token:
            raise web.HTTPUnauthorized(text="No chat token: send it as the subprotocol.\n")
        grant = self.state.chat_tokens.get(token)
        if grant is None:
            raise web.HTTPUnauthorized(text="Unknown chat token.\n")
        if grant.used:
            raise web.HTTPUnauthorized(text="This chat token was already used.\n")
        if time.time() > grant.expires_at:
            raise web.HTTPUnauthorized(text="This chat token has expired.\n")
        return grant

    def expire(self, conn: Connection) -> None:
        """End the session of one socket: ERROR 401, then close 4401."""
        self._error(conn, "", ErrorCode.UNAUTHORIZED, "connection expired")
        self.close(conn, CLOSE_SESSION_EXPIRED, "session expired")

    def abort(self, conn: Connection) -> None:
        """Cut one socket without a close frame, as a network failure would."""
        conn.live.flush()
        conn.live.leave(conn)
        conn.transport.abort()

    def close(self, conn: Connection, code: int, reason: str) -> None:
        """Start closing one socket; nothing more is written to it after this."""
        if conn.closing:
            return
        conn.live.flush()  # what was broadcast before the close reaches it first
        conn.live.leave(conn)
        self._spawn(conn.ws.close(code=code, message=close_reason(reason)))

    def close_all(self, room: Room, code: int, reason: str) -> None:
        for conn in self.live_room(room):
            self.close(conn, code, reason)

    async def drain(self) -> None:
        """Wait for the closes already started (used when stopping)."""
        if self._tasks:
            await asyncio.wait(tuple(self._tasks), timeout=2.0)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- client actions ---------------------------------------------------------------

    def _on_text(self, conn: Connection, data: str) -> None:
        try:
            action = parse_client_action(data)
        except FrameError as exc:
            self._error(conn, _request_id_of(data), ErrorCode.BAD_REQUEST, str(exc))
            return
        if problem := _too_large(action, conn.room.maximum_message_length):
            rid = action.request_id if len(action.request_id) <= REQUEST_ID_MAX_LENGTH else ""
            self._error(conn, rid, ErrorCode.TOO_LARGE, problem)
        elif isinstance(action, SendMessage):
            self._send_message(conn, action)
        elif isinstance(action, DeleteMessage):
            self._delete_message(conn, action)
        elif isinstance(action, DisconnectUser):
            self._disconnect_user(conn, action)

    def _send_message(self, conn: Connection, action: SendMessage) -> None:
        rid, room = action.request_id, conn.room
        if not conn.can(ChatCapability.SEND_MESSAGE):
            self._error(conn, rid, ErrorCode.FORBIDDEN, "not allowed to send messages")
        elif not action.content:
            self._error(conn, rid, ErrorCode.BAD_REQUEST, "Content must not be empty")
        elif conn.live.limiter.take() > 0.0:
            self._error(conn, rid, ErrorCode.TOO_MANY_REQUESTS, "rate limit exceeded")
        elif room.message_review_handler is None:
            self._deliver(conn, rid, new_id(), action.content, action.attributes or {})
        else:
            self._review(conn, action, room.message_review_handler)

    def _deliver(
        self, conn: Connection, rid: str, message_id: str, content: str, attributes: dict[str, str]
    ) -> None:
        frame = MessageFrame(
            id=message_id,
            request_id=rid,
            content=content,
            attributes=attributes,
            sender=Sender(user_id=conn.user_id, attributes=conn.grant.attributes),
            send_time=utc_now(),
        )
        conn.live.broadcast(frame.to_json())

    def _review(self, conn: Connection, action: SendMessage, handler: dict[str, str]) -> None:
        """Start the review of one message; it is delivered or refused once the verdict
        is in and this sender's earlier messages in the room have gone."""
        message_id = new_id()
        payload = review_payload(
            content=action.content,
            message_id=message_id,
            room_arn=conn.room.arn,
            attributes=action.attributes or {},
            sender_attributes=conn.grant.attributes,
            user_id=conn.user_id,
            ip=conn.ip,
        )
        key = (conn.room.arn, conn.user_id)
        task = self._spawn(
            self._after_review(
                conn, action.request_id, handler, payload, self._last_review.get(key)
            )
        )
        self._last_review[key] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._last_review.get(key) is done:
                del self._last_review[key]

        task.add_done_callback(forget)

    async def _after_review(
        self,
        conn: Connection,
        rid: str,
        handler: dict[str, str],
        payload: dict[str, Any],
        before: asyncio.Task[None] | None,
    ) -> None:
        room = conn.room
        try:
            verdict = await self.reviewer.review(handler, payload, room.maximum_message_length)
            if before is not None and not before.done():
                await asyncio.wait((before,))  # this sender's earlier message goes first
        except Exception:  # a bug here must not hold up the sender's later messages
            log.exception("review of message %s failed", payload["MessageId"])
            return
        if self._live.get(room.arn) is not conn.live:
            return  # the room was deleted meanwhile
        if verdict.allow:
            self._deliver(conn, rid, payload["MessageId"], verdict.content, verdict.attributes)
        else:
            self._error(conn, rid, ErrorCode.NOT_ACCEPTABLE, verdict.error_message)

    def _delete_message(self, conn: Connection, action: DeleteMessage) -> None:
        rid = action.request_id
        if not conn.can(ChatCapability.DELETE_MESSAGE):
            self._error(conn, rid, ErrorCode.FORBIDDEN, "not allowed to delete messages")
        elif len(action.id) != ID_LENGTH or not set(action.id) <= _ID_CHARS:
            self._error(conn, rid, ErrorCode.BAD_REQUEST, "Id is not a message id")
        else:
            self.delete_message(conn.room, action.id, action.reason, rid)

    def _disconnect_user(self, conn: Connection, action: DisconnectUser) -> None:
        rid = action.request_id
        if not conn.can(ChatCapability.DISCONNECT_USER):
            self._error(conn, rid, ErrorCode.FORBIDDEN, "not allowed to disconnect users")
        elif not action.user_id:
            self._error(conn, rid, ErrorCode.BAD_REQUEST, "UserId must not be empty")
        else:
            self.disconnect_user(conn.room, action.user_id, action.reason, rid)

    def _error(self, conn: Connection, request_id: str, code: ErrorCode, message: str) -> None:
        frame = ErrorFrame(
            id=new_id(), request_id=request_id, error_code=int(code), error_message=message
        )
        conn.live.send_to(conn, frame.to_json())  # after what the room was sent before

    # --- broadcasts (also used by the control plane) ----------------------------------

    def broadcast(self, room: Room, text: str) -> None:
        """Send one serialised frame to every socket of the room (see
        `LiveRoom.broadcast`)."""
        self.live_room(room).broadcast(text)

    def flush(self, room: Room) -> int:
        """Write the room's outbox to every socket now; how many sockets got it."""
        return self.live_room(room).flush()

    def send_event(
        self, room: Room, name: str, attributes: dict[str, str] | None, request_id: str = ""
    ) -> str:
        frame = EventFrame(
            id=new_id(),
            request_id=request_id,
            event_name=name,
            attributes=attributes or {},
            send_time=utc_now(),
        )
        self.broadcast(room, frame.to_json())
        return frame.id

    def delete_message(
        self, room: Room, message_id: str, reason: str | None, request_id: str = ""
    ) -> str:
        attributes = {"MessageId": message_id, "MessageID": message_id}
        if reason:
            attributes["Reason"] = reason
        return self.send_event(room, EVENT_DELETE_MESSAGE, attributes, request_id)

    def disconnect_user(
        self, room: Room, user_id: str, reason: str | None, request_id: str = ""
    ) -> str:
        attributes = {"UserId": user_id}
        if reason:
            attributes["Reason"] = reason
        event_id = self.send_event(room, EVENT_DISCONNECT_USER, attributes, request_id)
        for conn in self.live_room(room):
            if conn.user_id == user_id:
                self.close(conn, CLOSE_NORMAL, reason or "disconnected by moderator")
        return event_id


def close_reason(reason: str) -> bytes:
    """`reason` as a close frame may carry it: cut to `CLOSE_REASON_MAX_BYTES` of UTF-8 on
    a character boundary. A longer one makes the client fail the connection (1006) and
    reconnect; the full words travel in the aws:DISCONNECT_USER event."""
    data = reason.encode()
    if len(data) <= CLOSE_REASON_MAX_BYTES:
        return data
    return data[:CLOSE_REASON_MAX_BYTES].decode(errors="ignore").encode()


def _too_large(action: SendMessage | DeleteMessage | DisconnectUser, max_length: int) -> str:
    """What is too large in `action` (the words of its ERROR 413), or "" if nothing is."""
    limits: list[tuple[str, int, int, str]] = [
        ("RequestId", len(action.request_id), REQUEST_ID_MAX_LENGTH, "characters")
    ]
    if isinstance(action, SendMessage):
        limits.append(("Content", code_points(action.content), max_length, "characters"))
        size = attributes_size(action.attributes)
        limits.append(("Attributes", size, MESSAGE_ATTRIBUTES_MAX_BYTES, "bytes"))
    elif isinstance(action, DeleteMessage):
        limits.append(("Id", len(action.id), ID_LENGTH, "characters"))
    else:
        limits.append(("UserId", len(action.user_id), USER_ID_MAX_LENGTH, "characters"))
    if not isinstance(action, SendMessage) and action.reason is not None:
        limits.append(("Reason", code_points(action.reason), REASON_MAX_LENGTH, "characters"))
    for name, size, most, unit in limits:
        if size > most:
            return f"fields that are too large: {name} is {size} {unit}, at most {most}"
    return ""


def _request_id_of(data: str) -> str:
    """The RequestId of a frame that failed to parse, if it has a readable one."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return ""
    rid = value.get("RequestId") if isinstance(value, dict) else None
    return rid if isinstance(rid, str) and len(rid) <= REQUEST_ID_MAX_LENGTH else ""

"""A small, faithful fake of the moderation routes, served by aiohttp on loopback.

The client is tested against this contract, as the README's endpoint table and
"Moderation and the room keeper" write it (the real routes are tui/server/moderation/):
the routes, the bodies, Bearer authorization (the broadcaster key or a moderator's
session key; viewers 403), 404 for an unknown user, 400 with a message for bad input,
the log newest first. Unknown API paths answer as the app server does, 404
`{"message": "no such API: …"}`. Also a ban's or timeout's `purgeSeconds` (every
message of the user's in `messages` goes, at once: `purgeQueued` and `purged` alike),
the notes on users (`GET`/`POST .../notes`, at most 500 characters) and the profile's
`offences`.

With a `ChatSide` (the real local stack's control plane and room), it also answers
`POST /api/chat/token` as the app server does: real chat tokens that may send and no
more (no SEND_MESSAGE and a `timedOutUntil` while timed out; nobody's may delete or
disconnect), the `role` token attribute, 403 with the reason for a banned identity; and
after each action it does what the app server does in the room: the
`ivs-chat-tui:Moderation` notice (not for a disconnect), DeleteMessage for a delete,
then the DisconnectUser (not after an unban or a delete). So the chat in these tests is
real: TUIs connect to the emulator with these tokens. A delete finds its message's
sender in `messages` (message id to user id), as the app server does in its history.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tui.client.app_server import AppServerClient
from tui.client.moderation_api import ModerationClient
from tui.ivs.control import ControlPlane
from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice
from tui.ivs.protocol import ChatCapability

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
HOST_KEY = "host-key"
MAX_TIMEOUT_SECONDS = 14 * 24 * 3600
ACTIONS = ("ban", "unban", "timeout", "untimeout", "mod", "unmod", "delete", "disconnect")


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


@dataclass
class User:
    user_id: str
    display_name: str
    role: str = "viewer"
    session_key: str | None = None
    banned_until: datetime | None = None
    timed_out_until: datetime | None = None
    created_at: datetime = T0
    ban_reason: str = ""


@dataclass
class ChatSide:
    """Where tokens come from and notices go: the local stack's control plane and room."""

    control: ControlPlane
    room_arn: str
    chat_url: str


@dataclass(frozen=True)
class Issued:
    """A token the fake gave out: whose, and what it may do."""

    user_id: str
    capabilities: tuple[str, ...]
    timed_out_until: datetime | None


@dataclass
class FakeModeration:
    users: dict[str, User] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(
        default_factory=lambda: {
            "blockedTerms": ["spam"],
            "flood": {"messages": 5, "seconds": 5, "timeoutSeconds": 60},
            "newIdentityWaitSeconds": 0,
        }
    )
    now: datetime = T0
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, path with query, Authorization header) of every request."""
    chat: ChatSide | None = None
    clock: Callable[[], datetime] | None = None
    """The time tokens and timeouts run on (a real chat needs the real clock); else `now`."""
    issued: list[Issued] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)
    """The history, as far as a delete needs it: message id to its sender's user id."""
    notes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The notes on each user, newest first."""

    def time(self) -> datetime:
        return self.clock() if self.clock is not None else self.now

    def add(self, user: User) -> User:
        self.users[user.user_id] = user
        return user

    def caller(self, request: web.Request) -> User:
        auth = request.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        if key == HOST_KEY:
            return next(u for u in self.users.values() if u.role == "broadcaster")
        for user in self.users.values():
            if key and user.session_key == key and user.role == "moderator":
                return user
        raise _refuse(web.HTTPForbidden, "only the broadcaster and moderators may moderate")

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/api/moderation/actions", self.act)
        app.router.add_get("/api/moderation/log", self.log)
        app.router.add_get("/api/moderation/users/{user_id}", self.user)
        app.router.add_get("/api/moderation/users/{user_id}/notes", self.read_notes)
        app.router.add_post("/api/moderation/users/{user_id}/notes", self.add_note)
        app.router.add_get("/api/moderation/settings", self.get_settings)
        app.router.add_put("/api/moderation/settings", self.put_settings)
        if self.chat is not None:
            app.router.add_post("/api/chat/token", self.token)
        app.router.add_route("*", "/{tail:.*}", self.unknown)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(
            (request.method, request.path_qs, request.headers.get("Authorization"))
        )
        return await handler(request)

    async def unknown(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"message": f"no such API: {request.method} {request.path}"}, status=404
        )

    async def act(self, request: web.Request) -> web.Response:
        actor = self.caller(request)
        body = await request.json()
        action = body.get("action")
        if action not in ACTIONS:
            raise _refuse(web.HTTPBadRequest, f"unknown action {action!r}")
        if action == "delete":
            sender = self.messages.get(str(body.get("messageId")))
            if sender is None:
                raise _refuse(web.HTTPNotFound, f"no message {body.get('messageId')!r}")
            body["userId"] = sender
        target = self.users.get(str(body.get("userId")))
        if target is None:
            raise _refuse(web.HTTPNotFound, f"no user {body.get('userId')!r}")
        if target.role == "broadcaster":
            raise _refuse(web.HTTPForbidden, "nobody can act on the broadcaster")
        if actor.role == "moderator" and (target.role == "moderator" or action in ("mod", "unmod")):
            raise _refuse(web.HTTPForbidden, "a moderator cannot act on moderators")
        duration = body.get("durationSeconds")
        if duration is not None and not (
            isinstance(duration, int) and 0 < duration <= MAX_TIMEOUT_SECONDS
        ):
            raise _refuse(
                web.HTTPBadRequest, f"durationSeconds must be from 1 to {MAX_TIMEOUT_SECONDS}"
            )
        now = self.time()
        expires = now + timedelta(seconds=duration) if duration else None
        if action == "ban":
            target.banned_until = expires or datetime(9998, 1, 1, tzinfo=UTC)
            target.ban_reason = body.get("reason") or ""
        elif action == "unban":
            target.banned_until = None
        elif action == "timeout":
            duration = duration or 600
            expires = now + timedelta(seconds=duration)
            target.timed_out_until = expires
        elif action == "untimeout":
            target.timed_out_until = None
        elif action in ("mod", "unmod"):
            target.role = "moderator" if action == "mod" else "viewer"
        record = {
            "id": len(self.records) + 1,
            "at": _utc(now),
            "actor": {"userId": actor.user_id, "displayName": actor.display_name},
            "automatic": False,
            "action": action,
            "target": {"userId": target.user_id, "displayName": target.display_name},
            "reason": body.get("reason"),
            "durationSeconds": duration,
            "expiresAt": _utc(expires),
        }
        if action == "ban":
            record["banAddress"] = bool(body.get("banAddress", False))
        purge = body.get("purgeSeconds")
        gone: list[str] = []
        if purge is not None:
            if action not in ("ban", "timeout"):
                raise _refuse(web.HTTPBadRequest, "purgeSeconds goes with ban or timeout")
            if not isinstance(purge, int) or not 1 <= purge <= 3600:
                raise _refuse(web.HTTPBadRequest, "purgeSeconds must be from 1 to 3600")
            gone = [m for m, sender in self.messages.items() if sender == target.user_id]
            record["purgeQueued"] = record["purged"] = len(gone)
        self.records.append(record)
        if self.chat is not None:
            await self._in_the_room(record, actor, target, body.get("messageId") or "")
            for message_id in gone:
                await self.chat.control.delete_message(self.chat.room_arn, message_id)
        for message_id in gone:
            del self.messages[message_id]
        return web.json_response(record)

    async def read_notes(self, request: web.Request) -> web.Response:
        self.caller(request)
        user_id = request.match_info["user_id"]
        if user_id not in self.users:
            raise _refuse(web.HTTPNotFound, f"no user {user_id!r}")
        return web.json_response({"notes": self.notes.get(user_id, [])})

    async def add_note(self, request: web.Request) -> web.Response:
        author = self.caller(request)
        user_id = request.match_info["user_id"]
        if user_id not in self.users:
            raise _refuse(web.HTTPNotFound, f"no user {user_id!r}")
        text = (await request.json()).get("text")
        if not isinstance(text, str) or not text.strip():
            raise _refuse(web.HTTPBadRequest, "the note is empty")
        if len(text.strip()) > 500:
            raise _refuse(web.HTTPBadRequest, f"the note has {len(text.strip())} characters")
        note = {
            "id": sum(map(len, self.notes.values())) + 1,
            "at": _utc(self.time()),
            "author": {"userId": author.user_id, "displayName": author.display_name},
            "text": text.strip(),
        }
        self.notes.setdefault(user_id, []).insert(0, note)
        return web.json_response(note, status=201)

    async def _in_the_room(
        self, record: dict[str, Any], actor: User, target: User, message_id: str
    ) -> None:
        """What the app server does in the room after logging: the notice, then
        DeleteMessage or (but for an unban) the disconnect, whose reason the target
        sees."""
        assert self.chat is not None
        action = record["action"]
        control, room = self.chat.control, self.chat.room_arn
        if action == "disconnect":
            await control.disconnect_user(room, target.user_id, record["reason"] or None)
            return
        notice = ModerationNotice(
            action=action,
            record_id=record["id"],
            actor_id=actor.user_id,
            actor_name=actor.display_name,
            target_id=target.user_id,
            target_name=target.display_name,
            reason=record["reason"] or "",
            duration_seconds=record["durationSeconds"],
            expires_at=target.timed_out_until if action == "timeout" else None,
            message_id=message_id,
        )
        await control.send_event(room, EVENT_MODERATION, notice.attributes())
        if action == "delete":
            await control.delete_message(room, message_id, record["reason"] or None)
        elif action != "unban":
            words = {"ban": "banned", "timeout": "timed out"}.get(action, "renewing your chat")
            why = f"{words}: {record['reason']}" if record["reason"] else words
            await control.disconnect_user(room, target.user_id, why)

    async def token(self, request: web.Request) -> web.Response:
        """POST /api/chat/token: a real token for the broadcaster (the key), a known
        session key, or a new viewer."""
        assert self.chat is not None
        body = await request.json()
        name = str(body.get("displayName", ""))
        auth = request.headers.get("Authorization", "")
        if auth == f"Bearer {HOST_KEY}":
            user = next(u for u in self.users.values() if u.role == "broadcaster")
        elif body.get("sessionKey"):
            known = [u for u in self.users.values() if u.session_key == body["sessionKey"]]
            if not known:
                raise _refuse(web.HTTPUnauthorized, "unknown session key")
            user = known[0]
        else:
            user = self.add(
                User(f"viewer-{secrets.token_hex(4)}", name, session_key=secrets.token_hex(8))
            )
        now = self.time()
        if user.banned_until is not None and user.banned_until > now:
            why = f": {user.ban_reason}" if user.ban_reason else ""
            raise _refuse(web.HTTPForbidden, f"you are banned from this chat{why}")
        until = user.timed_out_until
        timed_out = until if until is not None and until > now else None
        capabilities = [] if timed_out else [ChatCapability.SEND_MESSAGE]
        token = await self.chat.control.create_chat_token(
            self.chat.room_arn,
            user.user_id,
            capabilities=capabilities,
            attributes={"username": user.display_name, "role": user.role},
        )
        self.issued.append(Issued(user.user_id, tuple(map(str, capabilities)), timed_out))
        answer = {
            "token": token.token,
            "tokenExpirationTime": _utc(token.token_expiration_time),
            "sessionExpirationTime": _utc(token.session_expiration_time),
            "userId": user.user_id,
            "displayName": user.display_name,
            "role": user.role,
            "sessionKey": user.session_key or HOST_KEY,
            "chatUrl": self.chat.chat_url,
        }
        if timed_out:
            answer["timedOutUntil"] = _utc(timed_out)
        return web.json_response(answer)

    async def log(self, request: web.Request) -> web.Response:
        self.caller(request)
        user_id = request.query.get("userId")
        limit = int(request.query.get("limit", "50"))
        if not 1 <= limit <= 500:
            raise _refuse(web.HTTPBadRequest, f"limit must be from 1 to 500, not {limit}")
        records = [
            r
            for r in reversed(self.records)
            if not user_id or user_id in (r["actor"]["userId"], r["target"]["userId"])
        ]
        return web.json_response({"records": records[:limit]})

    async def user(self, request: web.Request) -> web.Response:
        self.caller(request)
        user = self.users.get(request.match_info["user_id"])
        if user is None:
            raise _refuse(web.HTTPNotFound, f"no user {request.match_info['user_id']!r}")
        answer: dict[str, Any] = {
            "userId": user.user_id,
            "displayName": user.display_name,
            "role": user.role,
            "createdAt": _utc(user.created_at),
        }
        if user.banned_until:
            answer["bannedUntil"] = _utc(user.banned_until)
        if user.timed_out_until:
            answer["timedOutUntil"] = _utc(user.timed_out_until)
        offences = [
            r
            for r in self.records
            if r["target"]["userId"] == user.user_id
            and r["action"] in ("ban", "timeout", "delete", "disconnect")
        ]
        automatic = sum(r["automatic"] for r in offences)
        answer["offences"] = {"automatic": automatic, "manual": len(offences) - automatic}
        return web.json_response(answer)

    async def get_settings(self, request: web.Request) -> web.Response:
        self.caller(request)
        return web.json_response(self.settings)

    async def put_settings(self, request: web.Request) -> web.Response:
        if self.caller(request).role != "broadcaster":
            raise _refuse(web.HTTPForbidden, "only the broadcaster may change the settings")
        body = await request.json()
        for term in body["blockedTerms"]:
            try:
                re.compile(term)
            except re.error as exc:
                raise _refuse(
                    web.HTTPBadRequest, f"blocked term {term!r} is not a valid pattern: {exc}"
                ) from None
        for name in ("messages", "seconds", "timeoutSeconds"):
            value = body["flood"][name]
            if not isinstance(value, int) or value < 1:
                raise _refuse(web.HTTPBadRequest, f"flood.{name} must be at least 1")
        self.settings = body
        return web.json_response(self.settings)


def _refuse(kind: type[web.HTTPError], message: str) -> web.HTTPError:
    return kind(text=json.dumps({"message": message}), content_type="application/json")


@asynccontextmanager
async def serving(fake: FakeModeration) -> AsyncIterator[str]:
    """`fake` on a loopback port; yields its base URL."""
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@dataclass
class Served:
    fake: FakeModeration
    url: str

    def client(self, *, key: str | None = None, session: str | None = None) -> ModerationClient:
        return ModerationClient(AppServerClient(self.url, broadcaster_key=key, session_key=session))

    def host(self) -> ModerationClient:
        return self.client(key=HOST_KEY)

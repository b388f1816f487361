"""The app server's moderation API, for the TUI: no Textual.

    POST /api/moderation/actions      {action, userId, reason?, durationSeconds?, banAddress?,
                                       purgeSeconds?}
                                      {action: "delete", messageId, reason?}
                                      {action: "disconnect", userId, reason?}
    GET  /api/moderation/log          ?userId=&limit=  -> {records: [...]}, newest first
    GET  /api/moderation/users/{id}   -> {userId, displayName, role, bannedUntil?, ...,
                                          offences: {automatic, manual}}
    GET  /api/moderation/users/{id}/notes  -> {notes: [{id, at, author, text}]}, newest first
    POST /api/moderation/users/{id}/notes  {text} -> the note as stored
    GET  /api/moderation/settings     -> {blockedTerms, flood, newIdentityWaitSeconds,
                                          holdTerms, shield}
    PUT  /api/moderation/settings     the same body; answers the settings as saved
    GET  /api/moderation/shield       -> {on, until, settings}
    POST /api/moderation/shield       {on, minutes?} -> the same
    GET  /api/moderation/held         -> {messages: [{id, at, sender, content, reason, term}]}
    POST /api/moderation/held/{id}    {decision: "approve" | "deny"} -> {id, decision, messageId?}
    GET  /api/moderation/events       text/event-stream of `news` events (ModerationNews)

`ModerationClient` rides on the app's `AppServerClient`: its connections, base URL,
timeout and connection-failure words, and the identity it already holds (the broadcaster
key, else the session key the first chat token gave), sent as `Authorization: Bearer`.
Every failure is a `ModerationError` (an `AppServerError`) whose message a user can read:
403 "you may not …", 404 "no such user" (or message), another 4xx the server's own
message, no answer "cannot reach the app server at URL …".

Deleting a message and disconnecting a user go through the app server too, never over
the chat socket: no chat token but the room keeper's may delete or disconnect, so the
server checks the roles and logs every action with its actor.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote, urlencode

from pydantic import ValidationError

from tui.client.app_server import AppServerClient, AppServerError
from tui.server.models import (
    ApiModel,
    FloodLimits,
    HeldDecision,
    HeldMessage,
    HeldMessages,
    ModeratedUser,
    ModerationAction,
    ModerationLog,
    ModerationNews,
    ModerationRecord,
    NoteRequest,
    Offences,
    Party,
    RoomSettings,
    ShieldState,
    UserNote,
    UserNotes,
)

M = TypeVar("M", bound=ApiModel)

DEFAULT_LOG_LIMIT: Final = 200
"""Records asked for at once: several screens of the log, one small answer."""


# What a 403 says the caller may not do, per request.
_MAY_NOT: Final[dict[ModerationAction, str]] = {
    ModerationAction.BAN: "ban this user",
    ModerationAction.UNBAN: "unban this user",
    ModerationAction.TIMEOUT: "time out this user",
    ModerationAction.UNTIMEOUT: "end this user's timeout",
    ModerationAction.MOD: "make this user a moderator",
    ModerationAction.UNMOD: "remove this moderator",
    ModerationAction.DELETE: "delete this message",
    ModerationAction.DISCONNECT: "disconnect this user",
}


# --- errors ------------------------------------------------------------------------------


class ModerationError(AppServerError):
    """A moderation request failed; the message is in the user's words."""


class NotPermitted(ModerationError):
    """403: this identity may not do that (a viewer, or a moderator acting on a moderator
    or on the broadcaster)."""


class NoSuchUser(ModerationError):
    """404: the app server knows no user with that id."""


class NoSuchMessage(ModerationError):
    """404: the app server's history does not hold that message (deleted already, or
    too old)."""


class Refused(ModerationError):
    """Another 4xx: bad input (an unknown action, a duration out of range, a blocked term
    that is not a valid pattern); the message is the server's."""


class NoSuchHeldMessage(ModerationError):
    """404: the message is no longer held (another moderator decided, or it expired)."""


class Unavailable(ModerationError):
    """No usable answer: the server is unreachable, failed (5xx), or has no moderation
    routes; the message names its URL."""


# The words AppServerClient falls back to when a refusal carries no message of its own.
_NO_MESSAGE = re.compile(r"the app server (at \S+ )?answered \d+")
# What the app server answers for a route it does not have (tui/server/web/http.py).
_NO_SUCH_API = "no such API"


def _server_words(exc: AppServerError) -> str | None:
    return None if _NO_MESSAGE.fullmatch(exc.message) else exc.message


class ModerationClient:
    """The moderation routes, as `server`'s identity. Satisfies the screens' Protocols
    (`tui.screens.moderation_log.LogSource`, `tui.screens.room_settings.SettingsStore`)."""

    def __init__(self, server: AppServerClient) -> None:
        self.server = server

    @property
    def base_url(self) -> str:
        return self.server.base_url

    async def act(
        self,
        action: ModerationAction | str,
        user_id: str,
        *,
        reason: str | None = None,
        duration_seconds: int | None = None,
        ban_address: bool = False,
        purge_seconds: int | None = None,
    ) -> ModerationRecord:
        """Ban, unban, time out, end a timeout, make or remove a moderator, disconnect; the
        log record the server kept. `ban_address` (bans only) also refuses the addresses
        the user was seen from. `purge_seconds` (bans and timeouts, at most 3600) also
        deletes the user's messages of that many seconds back, for everyone: the record
        then has `purge_queued`, and `purged` once the server is done. A delete names a
        message: `delete`."""
        try:
            kind = ModerationAction(action)
        except ValueError:
            known = ", ".join(a.value for a in ModerationAction)
            raise Refused(None, f"{action!r} is not a moderation action: use {known}") from None
        if kind is ModerationAction.DELETE:
            raise Refused(None, "a delete names a message, not a user: use delete(message_id)")
        body: dict[str, Any] = {"action": kind.value, "userId": user_id}
        if reason:
            body["reason"] = reason
        if duration_seconds is not None:
            body["durationSeconds"] = duration_seconds
        if ban_address:
            body["banAddress"] = True
        if purge_seconds is not None:
            body["purgeSeconds"] = purge_seconds
        return await self._call(
            "POST", "/api/moderation/actions", ModerationRecord, _MAY_NOT[kind], body, user=user_id
        )

    async def delete(self, message_id: str, reason: str | None = None) -> ModerationRecord:
        """Delete a message for everyone; the server finds its sender in its history."""
        body: dict[str, Any] = {"action": ModerationAction.DELETE.value, "messageId": message_id}
        if reason:
            body["reason"] = reason
        return await self._call(
            "POST",
            "/api/moderation/actions",
            ModerationRecord,
            _MAY_NOT[ModerationAction.DELETE],
            body,
            message=message_id,
        )

    async def disconnect(self, user_id: str, reason: str | None = None) -> ModerationRecord:
        """Disconnect a user (they may come back at once) and withdraw their stage invites."""
        return await self.act(ModerationAction.DISCONNECT, user_id, reason=reason)

    async def moderation_log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]:
        """The log, newest first: everyone's, or only what concerns `user_id`."""
        query: dict[str, str | int] = {"limit": limit}
        if user_id:
            query["userId"] = user_id
        log = await self._call(
            "GET", f"/api/moderation/log?{urlencode(query)}", ModerationLog, "read the log"
        )
        return log.records

    async def user(self, user_id: str) -> ModeratedUser:
        path = f"/api/moderation/users/{quote(user_id, safe='')}"
        return await self._call("GET", path, ModeratedUser, "look up this user", user=user_id)

    async def user_notes(self, user_id: str) -> list[UserNote]:
        """The notes moderators wrote on `user_id`, newest first (their text untrusted)."""
        notes = await self._call(
            "GET", _notes_path(user_id), UserNotes, "read the notes on this user", user=user_id
        )
        return notes.notes

    async def add_user_note(self, user_id: str, text: str) -> UserNote:
        """Add a note on `user_id` that every moderator sees; the note as stored. Text
        past 500 characters, or empty, is `Refused` in the server's words."""
        return await self._call(
            "POST",
            _notes_path(user_id),
            UserNote,
            "add a note on this user",
            NoteRequest(text=text).to_json(),
            user=user_id,
        )

    async def room_settings(self) -> RoomSettings:
        return await self._call(
            "GET", "/api/moderation/settings", RoomSettings, "see the room's moderation settings"
        )

    async def save_room_settings(self, settings: RoomSettings) -> RoomSettings:
        """PUT the whole settings; the settings as the server saved them."""
        return await self._call(
            "PUT",
            "/api/moderation/settings",
            RoomSettings,
            "change the room's moderation settings",
            settings.to_json(),
        )

    # --- shield mode, the held queue, the news ------------------------------------------

    async def shield(self) -> ShieldState:
        """Shield mode now: on or off, until when, and its defaults."""
        return await self._call(
            "GET", "/api/moderation/shield", ShieldState, "see shield mode's state"
        )

    async def set_shield(self, on: bool, minutes: int | None = None) -> ShieldState:
        """Turn shield mode on (for `minutes`, else the room's default; again from now if
        it is on) or off; its state after."""
        body: dict[str, Any] = {"on": on}
        if minutes is not None:
            body["minutes"] = minutes
        what = "turn shield mode on" if on else "turn shield mode off"
        return await self._call("POST", "/api/moderation/shield", ShieldState, what, body)

    async def held_messages(self) -> list[HeldMessage]:
        """The messages held for review, oldest first."""
        held = await self._call(
            "GET", "/api/moderation/held", HeldMessages, "see the messages held for review"
        )
        return held.messages

    async def decide_held(self, held_id: str, decision: Literal["approve", "deny"]) -> HeldDecision:
        """Approve a held message (it goes into the room as its sender's) or deny it
        (dropped); `NoSuchHeldMessage` when it is no longer held."""
        path = f"/api/moderation/held/{quote(held_id, safe='')}"
        what = "approve held messages" if decision == "approve" else "deny held messages"
        return await self._call(
            "POST", path, HeldDecision, what, {"decision": decision}, held=held_id
        )

    async def approve_held(self, held_id: str) -> HeldDecision:
        return await self.decide_held(held_id, "approve")

    async def deny_held(self, held_id: str) -> HeldDecision:
        return await self.decide_held(held_id, "deny")

    async def moderation_news(self) -> AsyncIterator[ModerationNews]:
        """`GET /api/moderation/events`: the held count, shield mode and the offences
        logged since the last event, as they change (at most once a second; the first
        at once). It ends when the server ends the stream (it stops, or this identity is
        no longer a moderator); a refusal or a broken stream is a `ModerationError`.
        An event this client cannot read is skipped."""
        bearer = self.server.broadcaster_key or self.server.session_key
        if not bearer:
            raise NotPermitted(None, "you may not follow the moderators' news: join the room first")
        what = "follow the moderators' news"
        stream = self.server.events("/api/moderation/events", bearer=bearer)
        try:
            async for event in stream:
                if event.event != "news":
                    continue
                try:
                    yield ModerationNews.model_validate_json(event.data)
                except ValidationError:
                    continue
        except AppServerError as exc:
            raise _typed(exc, what, user=None, message=None, base_url=self.base_url) from None
        finally:
            await stream.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        what: str,
        body: dict[str, Any] | None = None,
        *,
        user: str | None = None,
        message: str | None = None,
        held: str | None = None,
    ) -> M:
        """One request; `what` finishes "you may not …". With `user` or `message` (the id
        asked about), a 404 with the server's own message means that user or message is
        unknown; without one, or without a message (aiohttp's own 404), the route is
        missing."""
        bearer = self.server.broadcaster_key or self.server.session_key
        if not bearer:
            raise NotPermitted(None, f"you may not {what}: join the room first")
        try:
            # AppServerClient's one request path: session, timeout, URL and failure words.
            answer = await self.server.request(method, path, model, body, bearer=bearer)
        except AppServerError as exc:
            raise _typed(
                exc, what, user=user, message=message, held=held, base_url=self.base_url
            ) from None
        assert answer is not None  # a model was given
        return answer


def _notes_path(user_id: str) -> str:
    return f"/api/moderation/users/{quote(user_id, safe='')}/notes"


def _typed(
    exc: AppServerError,
    what: str,
    *,
    user: str | None,
    message: str | None,
    base_url: str,
    held: str | None = None,
) -> ModerationError:
    words = _server_words(exc)
    status = exc.status
    if status == 403:
        return NotPermitted(status, f"you may not {what}" + (f": {words}" if words else ""))
    known_route = bool(words) and not (words or "").startswith(_NO_SUCH_API)
    if status == 404 and user is not None and known_route:
        return NoSuchUser(status, f"no such user: {user}")
    if status == 404 and held is not None and known_route:
        return NoSuchHeldMessage(
            status, "that message is no longer held (another moderator decided, or it expired)"
        )
    if status == 404 and message is not None and known_route:
        return NoSuchMessage(
            status, "that message is no longer in the app server's history (deleted or too old)"
        )
    if status == 404:
        return Unavailable(
            status, f"the app server at {base_url} has no moderation API (is it older?)"
        )
    if status is not None and 400 <= status < 500:
        return Refused(status, words or f"the app server at {base_url} refused: {status}")
    return Unavailable(status, exc.message)


__all__ = [
    "DEFAULT_LOG_LIMIT",
    "FloodLimits",
    "ModeratedUser",
    "ModerationAction",
    "ModerationClient",
    "ModerationError",
    "ModerationRecord",
    "NoSuchHeldMessage",
    "NoSuchMessage",
    "NoSuchUser",
    "NotPermitted",
    "Offences",
    "Party",
    "Refused",
    "RoomSettings",
    "Unavailable",
    "UserNote",
]

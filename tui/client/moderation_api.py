"""The app server's moderation API, for the TUI: no Textual.

    POST /api/moderation/actions      {action, userId, reason?, durationSeconds?, banAddress?}
                                      {action: "delete", messageId, reason?}
                                      {action: "disconnect", userId, reason?}
    GET  /api/moderation/log          ?userId=&limit=  -> {records: [...]}, newest first
    GET  /api/moderation/users/{id}   -> {userId, displayName, role, bannedUntil?, ...}
    GET  /api/moderation/settings     -> {blockedTerms, flood, newIdentityWaitSeconds}
    PUT  /api/moderation/settings     the same body; answers the settings as saved

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
from enum import StrEnum
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

from tui.client.app_server import AppServerClient, AppServerError
from tui.server.models import (
    ApiModel,
    FloodLimits,
    ModeratedUser,
    ModerationLog,
    ModerationRecord,
    Party,
    RoomSettings,
)

M = TypeVar("M", bound=ApiModel)

DEFAULT_LOG_LIMIT: Final = 200
"""Records asked for at once: several screens of the log, one small answer."""


class ModerationAction(StrEnum):
    BAN = "ban"
    UNBAN = "unban"
    TIMEOUT = "timeout"
    UNTIMEOUT = "untimeout"
    MOD = "mod"
    UNMOD = "unmod"
    DELETE = "delete"
    DISCONNECT = "disconnect"


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
    ) -> ModerationRecord:
        """Ban, unban, time out, end a timeout, make or remove a moderator, disconnect; the
        log record the server kept. `ban_address` (bans only) also refuses the addresses
        the user was seen from. A delete names a message: `delete`."""
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
            raise _typed(exc, what, user=user, message=message, base_url=self.base_url) from None
        assert answer is not None  # a model was given
        return answer


def _typed(
    exc: AppServerError, what: str, *, user: str | None, message: str | None, base_url: str
) -> ModerationError:
    words = _server_words(exc)
    status = exc.status
    if status == 403:
        return NotPermitted(status, f"you may not {what}" + (f": {words}" if words else ""))
    known_route = bool(words) and not (words or "").startswith(_NO_SUCH_API)
    if status == 404 and user is not None and known_route:
        return NoSuchUser(status, f"no such user: {user}")
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
    "NoSuchMessage",
    "NoSuchUser",
    "NotPermitted",
    "Party",
    "Refused",
    "RoomSettings",
    "Unavailable",
]

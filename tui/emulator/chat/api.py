"""The ivschat control plane: rooms, chat tokens and the server-side room actions.

Requests reach these methods already validated against botocore's model (see
`validation`); what is left here is the behaviour: defaults, lookups, state changes.
Not emulated: logging configurations (identifiers given to a room are stored as given).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from tui.common.timing.timefmt import rfc3339
from tui.emulator.chat.messaging import CLOSE_GOING_AWAY, ChatHub
from tui.emulator.config import EmulatorConfig
from tui.emulator.lookups import list_page, lookup
from tui.emulator.state import EmulatorState, IssuedChatToken, Room
from tui.ivs.protocol import (
    DEFAULT_MAX_MESSAGE_LENGTH,
    DEFAULT_MESSAGE_RATE_PER_SECOND,
    DEFAULT_SESSION_MINUTES,
    new_id,
)

Params = dict[str, Any]
Operation = Callable[[Params], Params | None]

DEFAULT_LIST_ROOMS = 50


class ChatApi:
    def __init__(self, config: EmulatorConfig, state: EmulatorState, hub: ChatHub) -> None:
        self.config = config
        self.state = state
        self.hub = hub

    def operations(self) -> dict[str, Operation]:
        return {
            "CreateRoom": self.create_room,
            "GetRoom": self.get_room,
            "UpdateRoom": self.update_room,
            "ListRooms": self.list_rooms,
            "DeleteRoom": self.delete_room,
            "CreateChatToken": self.create_chat_token,
            "SendEvent": self.send_event,
            "DeleteMessage": self.delete_message,
            "DisconnectUser": self.disconnect_user,
        }

    def room(self, identifier: str) -> Room:
        return lookup(self.state.rooms, identifier, self.config.account_id, "ROOM", "Room")

    # --- rooms ------------------------------------------------------------------------

    def create_room(self, params: Params) -> Params:
        room_id = new_id()
        now = time.time()
        room = Room(
            arn=f"arn:aws:ivschat:{self.config.region}:{self.config.account_id}:room/{room_id}",
            id=room_id,
            name=params.get("name") or "",
            create_time=now,
            update_time=now,
            maximum_message_rate_per_second=params.get(
                "maximumMessageRatePerSecond", DEFAULT_MESSAGE_RATE_PER_SECOND
            ),
            maximum_message_length=params.get("maximumMessageLength", DEFAULT_MAX_MESSAGE_LENGTH),
            message_review_handler=_review_handler(params.get("messageReviewHandler")),
            tags=dict(params.get("tags") or {}),
            logging_configuration_identifiers=list(
                params.get("loggingConfigurationIdentifiers") or []
            ),
        )
        self.state.rooms[room.arn] = room
        return room.describe()

    def get_room(self, params: Params) -> Params:
        return self.room(params["identifier"]).describe()

    def update_room(self, params: Params) -> Params:
        room = self.room(params["identifier"])
        if "name" in params:
            room.name = params["name"]
        if "maximumMessageRatePerSecond" in params:
            room.maximum_message_rate_per_second = params["maximumMessageRatePerSecond"]
            self.hub.set_rate(room)
        if "maximumMessageLength" in params:
            room.maximum_message_length = params["maximumMessageLength"]
        if "messageReviewHandler" in params:
            room.message_review_handler = _review_handler(params["messageReviewHandler"])
        if "loggingConfigurationIdentifiers" in params:
            room.logging_configuration_identifiers = list(params["loggingConfigurationIdentifiers"])
        room.update_time = time.time()
        return room.describe()

    def list_rooms(self, params: Params) -> Params:
        rooms = sorted(self.state.rooms.values(), key=lambda r: r.update_time, reverse=True)
        if params.get("name"):
            rooms = [r for r in rooms if r.name == params["name"]]
        if params.get("messageReviewHandlerUri"):
            uri = params["messageReviewHandlerUri"]
            rooms = [r for r in rooms if (r.message_review_handler or {}).get("uri") == uri]
        if params.get("loggingConfigurationIdentifier"):
            ident = params["loggingConfigurationIdentifier"]
            rooms = [r for r in rooms if ident in r.logging_configuration_identifiers]
        return list_page("rooms", rooms, params, DEFAULT_LIST_ROOMS, Room.summary)

    def delete_room(self, params: Params) -> None:
        room = self.room(params["identifier"])
        self.hub.close_all(room, CLOSE_GOING_AWAY, "room deleted")
        self.hub.forget(room)
        del self.state.rooms[room.arn]
        for token in [t for t, g in self.state.chat_tokens.items() if g.room_arn == room.arn]:
            del self.state.chat_tokens[token]

    # --- tokens and room actions ------------------------------------------------------

    def create_chat_token(self, params: Params) -> Params:
        room = self.room(params["roomIdentifier"])
        now = time.time()
        self.state.forget_expired_tokens(now)
        minutes = params.get("sessionDurationInMinutes", DEFAULT_SESSION_MINUTES)
        session = self.config.session_seconds
        if session is None:
            session = minutes * 60.0
        grant = IssuedChatToken(
            # Subprotocol-safe characters only (an HTTP token): letters, digits, "-_.".
            token="ivschat-local." + secrets.token_urlsafe(48),
            room_arn=room.arn,
            user_id=params["userId"],
            capabilities=frozenset(params.get("capabilities") or ()),
            attributes=dict(params.get("attributes") or {}),
            expires_at=now + self.config.token_ttl_seconds,
            session_expires_at=now + session,
        )
        self.state.chat_tokens[grant.token] = grant
        return {
            "token": grant.token,
            "tokenExpirationTime": rfc3339(grant.expires_at),
            "sessionExpirationTime": rfc3339(grant.session_expires_at),
        }

    def send_event(self, params: Params) -> Params:
        room = self.room(params["roomIdentifier"])
        return {"id": self.hub.send_event(room, params["eventName"], params.get("attributes"))}

    def delete_message(self, params: Params) -> Params:
        room = self.room(params["roomIdentifier"])
        return {"id": self.hub.delete_message(room, params["id"], params.get("reason"))}

    def disconnect_user(self, params: Params) -> Params:
        room = self.room(params["roomIdentifier"])
        self.hub.disconnect_user(room, params["userId"], params.get("reason"))
        return {}


def _review_handler(value: Params | None) -> dict[str, str] | None:
    """The stored handler; an empty `uri` removes it, as in IVS."""
    if not value or not value.get("uri"):
        return None
    return {"uri": value["uri"], "fallbackResult": value.get("fallbackResult", "ALLOW")}

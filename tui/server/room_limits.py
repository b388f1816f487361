"""The room's own limits, which IVS enforces: `maximumMessageRatePerSecond` (1-100, for
the whole room) and `maximumMessageLength` (1-500 code points).

Set at start-up (`--max-message-rate`, `--max-message-length`: on a room the server
creates, or with UpdateRoom on a given one), and live by the broadcaster through
`PUT /api/moderation/settings` (`maxMessageRate`, `maxMessageLength`), which calls
UpdateRoom. `GET` reads them with GetRoom, so a change made through another instance,
or in the AWS console, shows. Every chat token's answer carries `maxMessageLength`, for
the TUI's composer to count against.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.common.text import for_log
from tui.ivs.control import ControlError, RoomOptions
from tui.ivs.protocol import (
    DEFAULT_MAX_MESSAGE_LENGTH,
    DEFAULT_MESSAGE_RATE_PER_SECOND,
    MAX_MESSAGE_LENGTH,
    MAX_MESSAGE_RATE_PER_SECOND,
)
from tui.server.domain_errors import InvalidRequest, IvsFailed
from tui.server.stage.control_plane import ServiceControl

log = logging.getLogger("tui.server")

RATE_FIELD = "maxMessageRate"
LENGTH_FIELD = "maxMessageLength"


@dataclass(frozen=True, slots=True)
class RoomLimits:
    max_message_rate: int = DEFAULT_MESSAGE_RATE_PER_SECOND
    max_message_length: int = DEFAULT_MAX_MESSAGE_LENGTH

    @classmethod
    def of_room(cls, room: Mapping[str, Any]) -> RoomLimits:
        """As CreateRoom, GetRoom or UpdateRoom describe the room (IVS's defaults where
        an answer leaves one out)."""
        return cls(
            int(room.get("maximumMessageRatePerSecond") or DEFAULT_MESSAGE_RATE_PER_SECOND),
            int(room.get("maximumMessageLength") or DEFAULT_MAX_MESSAGE_LENGTH),
        )

    def to_json(self) -> dict[str, int]:
        return {RATE_FIELD: self.max_message_rate, LENGTH_FIELD: self.max_message_length}


def _whole(body: Mapping[str, object], name: str, high: int) -> int | None:
    if name not in body:
        return None
    value = body[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{name} must be a whole number from 1 to {high}")
    if not 1 <= value <= high:
        raise InvalidRequest(f"{name} must be from 1 to {high}, not {value}")
    return value


def parse_limits(body: object) -> RoomOptions:
    """The limits a PUT body asks for (those it leaves out stay as they are), or
    InvalidRequest in words."""
    if not isinstance(body, Mapping):
        return RoomOptions()
    return RoomOptions(
        max_message_rate=_whole(body, RATE_FIELD, MAX_MESSAGE_RATE_PER_SECOND),
        max_message_length=_whole(body, LENGTH_FIELD, MAX_MESSAGE_LENGTH),
    )


class LiveRoomLimits:
    """The room's limits as this server last saw them, and the calls that read and
    change them."""

    def __init__(self, control: ServiceControl, room_arn: str, current: RoomLimits) -> None:
        self.control = control
        self.room_arn = room_arn
        self.current = current

    async def read(self) -> RoomLimits:
        """GetRoom; the last known limits if IVS does not answer (said in the log)."""
        try:
            self.current = RoomLimits.of_room(await self.control.get_room(self.room_arn))
        except ControlError as exc:
            log.warning("could not read the room's limits: %s", for_log(str(exc)))
        return self.current

    async def change(self, options: RoomOptions) -> RoomLimits:
        """UpdateRoom with `options`; IvsFailed in words if IVS refuses."""
        if not options:
            return self.current
        try:
            self.current = RoomLimits.of_room(
                await self.control.update_room(self.room_arn, options)
            )
        except ControlError as exc:
            raise IvsFailed(f"could not change the room's limits: {exc}") from None
        return self.current


__all__ = ["LENGTH_FIELD", "RATE_FIELD", "LiveRoomLimits", "RoomLimits", "parse_limits"]

"""The control plane as the service sees it: the IVS calls it makes, and putting a
participant on or off a stage that has no media server.

`ServiceControl` is the interface `AppService` calls. `AwsControl` is real IVS, where only
the Web Broadcast SDK or OBS joins a stage; `LocalControl` is the local IVS stack (in this
process with `--local`, or at `--endpoint-url`), whose `/_local/stage/{join,leave}` routes
stand in for a media server (`tui.ivs.protocol.LOCAL_STAGE_PATH`, served by
`tui.emulator.stage_api`). Both are `tui.ivs.control`'s `ControlPlane`, built with its
`connect`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

import aiohttp

from tui.ivs.control import (
    ChatTokenResult,
    ControlError,
    ControlPlane,
    ParticipantSummary,
    RoomOptions,
)
from tui.ivs.control import ParticipantToken as IssuedParticipantToken
from tui.ivs.protocol import LOCAL_STAGE_PATH, ChatCapability, StageCapability

StageMove = Literal["join", "leave"]


class ServiceControl(Protocol):
    @property
    def local_stage(self) -> bool:
        """True when no media server runs: `move` puts participants on the stage."""
        ...

    @property
    def endpoint_url(self) -> str | None: ...

    async def create_chat_token(
        self,
        room_arn: str,
        user_id: str,
        *,
        capabilities: Sequence[ChatCapability] = ...,
        attributes: Mapping[str, str] | None = None,
        session_minutes: int | None = None,
    ) -> ChatTokenResult: ...

    async def send_event(
        self, room_arn: str, event_name: str, attributes: Mapping[str, str] | None = None
    ) -> str: ...

    async def delete_message(
        self, room_arn: str, message_id: str, reason: str | None = None
    ) -> str: ...

    async def disconnect_user(
        self, room_arn: str, user_id: str, reason: str | None = None
    ) -> None: ...

    async def get_room(self, room_arn: str) -> dict[str, Any]: ...

    async def update_room(self, room_arn: str, options: RoomOptions) -> dict[str, Any]: ...

    async def create_participant_token(
        self,
        stage_arn: str,
        user_id: str,
        *,
        capabilities: Sequence[StageCapability] = ...,
        attributes: Mapping[str, str] | None = None,
        duration_minutes: int | None = None,
    ) -> IssuedParticipantToken: ...

    async def list_participants(
        self, stage_arn: str, *, user_id: str | None = None
    ) -> list[ParticipantSummary]: ...

    async def disconnect_participant(
        self, stage_arn: str, participant_id: str, reason: str | None = None
    ) -> None: ...

    async def move(self, participant_token: str, move: StageMove) -> None:
        """Put the token's participant on (`join`) or off (`leave`) the stage. Raises
        `ControlError`, with code `NoLocalStage` where a real media server runs."""
        ...

    async def close(self) -> None: ...


class AwsControl(ControlPlane):
    """Amazon IVS: participants join through the Web Broadcast SDK or WHIP, never here."""

    local_stage = False

    async def move(self, participant_token: str, move: StageMove) -> None:
        raise ControlError("NoLocalStage", "joining without media works only with the local stack")

    async def close(self) -> None:
        return None


class LocalControl(ControlPlane):
    """The local IVS stack: its local-only stage routes mark a participant as on or off
    the stage, so that ListParticipants shows who joined."""

    local_stage = True
    _http: aiohttp.ClientSession | None = None

    async def move(self, participant_token: str, move: StageMove) -> None:
        base = (self.endpoint_url or "").rstrip("/")
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with self._http.post(
                f"{base}{LOCAL_STAGE_PATH}/{move}",
                headers={"Authorization": f"Bearer {participant_token}"},
            ) as resp:
                if resp.status >= 400:
                    detail = (await resp.text())[:200].strip()
                    raise ControlError(
                        "LocalStageRefused", f"the local stage refused to {move}: {detail}"
                    )
        except aiohttp.ClientError as exc:
            raise ControlError(
                "EndpointConnection", f"cannot reach the local stage at {base}: {exc}"
            ) from None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

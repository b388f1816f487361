"""The IVS control plane's calls (ivschat + ivs-realtime) over boto3, for asyncio callers.

boto3 blocks, so every call runs in a worker thread (boto3 clients are thread-safe).
`endpoint_url` points both services at one URL: that is how the app server talks to the
local IVS stack, whose single port serves both. Each call is thin: its parameters in,
its answer as a small dataclass out, and every botocore failure a `ControlError` in words
(`aws_words.py`); nothing else escapes.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tui.ivs.connection import budget
from tui.ivs.control.aws_words import ControlError, describe_exception, operation_name
from tui.ivs.protocol import ChatCapability, StageCapability, messaging_url

T = TypeVar("T")

CHAT_SERVICE = "ivschat"
REALTIME_SERVICE = "ivs-realtime"

# Per attempt, and attempts in all (`total_max_attempts`; `max_attempts` would count only
# retries): within CONTROL_CALL_BUDGET, which `_call` also holds the whole call to, so the
# app server answers the TUI before the TUI stops waiting (tui/ivs/connection/budget.py).
_BOTO_CONFIG = Config(
    connect_timeout=budget.CONTROL_CONNECT_TIMEOUT,
    read_timeout=budget.CONTROL_READ_TIMEOUT,
    retries={"total_max_attempts": budget.CONTROL_TOTAL_ATTEMPTS, "mode": "standard"},
)

LIST_PARTICIPANTS_PAGE = 100
"""ListParticipants' largest `maxResults` (botocore's model); IVS's default page is 50."""
LIST_MAX_PAGES = 1000
"""A bound on the pages one listing reads, so a server that never stops handing out
`nextToken` cannot hold a caller for ever (100,000 participants; 50,000 rooms or stages)."""


@dataclass(frozen=True, slots=True)
class ChatTokenResult:
    token: str
    token_expiration_time: datetime
    session_expiration_time: datetime


@dataclass(frozen=True, slots=True)
class ParticipantToken:
    token: str
    participant_id: str
    user_id: str
    expiration_time: datetime
    capabilities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParticipantSummary:
    """One participant of a stage session, as ListParticipants gives it (botocore's
    `ParticipantSummary`). Not the local stack's `Participant`, which is its whole record."""

    participant_id: str
    user_id: str
    state: str
    """`CONNECTED` or `DISCONNECTED`."""
    attributes: dict[str, str]
    """Empty from AWS: ListParticipants' summaries carry no attributes (GetParticipant does)."""


@dataclass(frozen=True, slots=True)
class RoomOptions:
    """What the app server sets on its room with CreateRoom or UpdateRoom; None leaves
    IVS's value (or the room's current one) as it is."""

    max_message_rate: int | None = None
    """`maximumMessageRatePerSecond`, 1-100, shared by every client of the room."""
    max_message_length: int | None = None
    """`maximumMessageLength`, 1-500 code points."""
    review_handler_uri: str | None = None
    """`messageReviewHandler.uri`: the Lambda's ARN; "" takes a handler off the room."""
    review_fallback: str | None = None
    """`messageReviewHandler.fallbackResult`: ALLOW or DENY (IVS's default is ALLOW)."""

    def __bool__(self) -> bool:
        return any(
            v is not None
            for v in (self.max_message_rate, self.max_message_length, self.review_handler_uri)
        )

    def params(self) -> dict[str, Any]:
        """The CreateRoom / UpdateRoom parameters."""
        out: dict[str, Any] = {}
        if self.max_message_rate is not None:
            out["maximumMessageRatePerSecond"] = self.max_message_rate
        if self.max_message_length is not None:
            out["maximumMessageLength"] = self.max_message_length
        if self.review_handler_uri is not None:
            handler: dict[str, str] = {"uri": self.review_handler_uri}
            if self.review_handler_uri and self.review_fallback:
                handler["fallbackResult"] = self.review_fallback.upper()
            out["messageReviewHandler"] = handler
        return out


def arn_region(arn: str) -> str | None:
    """The region an ARN names (`arn:aws:ivschat:<region>:...`), if it has one."""
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def arn_resource_id(arn: str) -> str:
    """The id at the end of a room or stage ARN (`.../room/<id>`)."""
    return arn.rsplit("/", 1)[-1]


CONTROL_THREADS = 16
"""Control-plane calls at once. They have threads of their own: in one process with
clients that block the default executor's few threads waiting on this server (the demo's
bots, the TUI), calls that waited for those threads would wait for ever; IVS is called
over the network, so its threads mostly wait."""


@functools.cache
def _control_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=CONTROL_THREADS, thread_name_prefix="ivs-control")


class ControlCalls:
    """ivschat and ivs-realtime, awaitable. Build it with `await ControlPlane.connect(...)`:
    creating boto3 clients reads model files, which is blocking too."""

    def __init__(self, chat: Any, realtime: Any, *, region: str, endpoint_url: str | None) -> None:
        self._chat = chat
        self._realtime = realtime
        self.region = region
        self.endpoint_url = endpoint_url

    @classmethod
    async def connect(
        cls,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        profile: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> Self:
        """Clients for both services. Without `credentials`, boto3's default chain applies
        (environment, profiles, SSO, instance roles). Raises `ControlError` (e.g. no region)."""

        def build() -> tuple[Any, Any]:
            session = boto3.Session(
                profile_name=profile,
                region_name=region,
                aws_access_key_id=credentials[0] if credentials else None,
                aws_secret_access_key=credentials[1] if credentials else None,
            )
            kwargs: dict[str, Any] = {"config": _BOTO_CONFIG, "endpoint_url": endpoint_url}
            chat = session.client(CHAT_SERVICE, **kwargs)
            return chat, session.client(REALTIME_SERVICE, **kwargs)

        try:
            chat, realtime = await asyncio.to_thread(build)
        except Exception as exc:  # botocore's profile/region errors
            if isinstance(exc, BotoCoreError):
                raise describe_exception(
                    exc, endpoint=endpoint_url or "AWS", custom_endpoint=endpoint_url is not None
                ) from None
            if type(exc).__module__.startswith("botocore"):
                raise ControlError(type(exc).__name__, f"AWS configuration: {exc}") from None
            raise
        return cls(chat, realtime, region=chat.meta.region_name, endpoint_url=endpoint_url)

    @property
    def endpoint(self) -> str:
        return self.endpoint_url or f"the AWS IVS endpoints in {self.region}"

    @property
    def chat_url(self) -> str:
        """The messaging WebSocket clients connect to: the real edge, or, when an endpoint
        override points at the local stack, the same host over ws(s)."""
        if self.endpoint_url:
            return messaging_url(self.endpoint_url)
        return f"wss://edge.ivschat.{self.region}.amazonaws.com"

    async def _call(
        self,
        fn: Callable[..., T],
        resources: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> T:
        def call() -> T:
            return fn(**kwargs)

        try:
            # The thread cannot be stopped, but nobody waits on it past the budget; botocore's
            # own timeouts end it soon after.
            async with asyncio.timeout(budget.CONTROL_CALL_BUDGET):
                return await asyncio.get_running_loop().run_in_executor(_control_threads(), call)
        except TimeoutError:
            raise ControlError(
                "Timeout",
                f"IVS at {self.endpoint} did not answer in {budget.CONTROL_CALL_BUDGET:g} s",
                operation=operation_name(fn),
            ) from None
        except (BotoCoreError, ClientError) as exc:
            raise describe_exception(
                exc,
                endpoint=self.endpoint,
                resources=resources,
                custom_endpoint=self.endpoint_url is not None,
            ) from None

    # --- ivschat ---------------------------------------------------------------------

    async def create_room(self, name: str, **options: Any) -> dict[str, Any]:
        return await self._call(self._chat.create_room, name=name, **options)

    async def get_room(self, room_arn: str) -> dict[str, Any]:
        return await self._call(self._chat.get_room, {"room": room_arn}, identifier=room_arn)

    async def update_room(self, room_arn: str, options: RoomOptions) -> dict[str, Any]:
        """UpdateRoom with `options` (the room's limits, its review handler); the room
        as UpdateRoom describes it afterwards."""
        return await self._call(
            self._chat.update_room, {"room": room_arn}, identifier=room_arn, **options.params()
        )

    async def delete_room(self, room_arn: str) -> None:
        await self._call(self._chat.delete_room, {"room": room_arn}, identifier=room_arn)

    async def create_chat_token(
        self,
        room_arn: str,
        user_id: str,
        *,
        capabilities: Sequence[ChatCapability] = (ChatCapability.SEND_MESSAGE,),
        attributes: Mapping[str, str] | None = None,
        session_minutes: int | None = None,
    ) -> ChatTokenResult:
        kwargs: dict[str, Any] = {
            "roomIdentifier": room_arn,
            "userId": user_id,
            "capabilities": [str(c) for c in capabilities],
        }
        if attributes:
            kwargs["attributes"] = dict(attributes)
        if session_minutes is not None:
            kwargs["sessionDurationInMinutes"] = session_minutes
        out = await self._call(self._chat.create_chat_token, {"room": room_arn}, **kwargs)
        return ChatTokenResult(
            out["token"], out["tokenExpirationTime"], out["sessionExpirationTime"]
        )

    async def send_event(
        self, room_arn: str, event_name: str, attributes: Mapping[str, str] | None = None
    ) -> str:
        kwargs: dict[str, Any] = {"roomIdentifier": room_arn, "eventName": event_name}
        if attributes:
            kwargs["attributes"] = dict(attributes)
        out = await self._call(self._chat.send_event, {"room": room_arn}, **kwargs)
        return str(out.get("id", ""))

    async def delete_message(
        self, room_arn: str, message_id: str, reason: str | None = None
    ) -> str:
        kwargs: dict[str, Any] = {"roomIdentifier": room_arn, "id": message_id}
        if reason:
            kwargs["reason"] = reason
        out = await self._call(self._chat.delete_message, {"room": room_arn}, **kwargs)
        return str(out.get("id", ""))

    async def disconnect_user(self, room_arn: str, user_id: str, reason: str | None = None) -> None:
        kwargs: dict[str, Any] = {"roomIdentifier": room_arn, "userId": user_id}
        if reason:
            kwargs["reason"] = reason
        await self._call(self._chat.disconnect_user, {"room": room_arn}, **kwargs)

    # --- ivs-realtime ----------------------------------------------------------------

    async def create_stage(self, name: str, **options: Any) -> dict[str, Any]:
        out = await self._call(self._realtime.create_stage, name=name, **options)
        return dict(out["stage"])

    async def get_stage(self, stage_arn: str) -> dict[str, Any]:
        out = await self._call(self._realtime.get_stage, {"stage": stage_arn}, arn=stage_arn)
        return dict(out["stage"])

    async def delete_stage(self, stage_arn: str) -> None:
        await self._call(self._realtime.delete_stage, {"stage": stage_arn}, arn=stage_arn)

    async def _pages(
        self,
        fn: Callable[..., Any],
        key: str,
        what: str | None = None,
        resources: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """The items under `key` of every page `fn(**kwargs)` answers, read until
        `nextToken` runs out. Pages that go round in a loop (a token seen before) or past
        `LIST_MAX_PAGES` end in a ControlError saying so, about `what` (else `key`)."""
        seen_tokens: set[str] = set()
        read = 0
        for _ in range(LIST_MAX_PAGES):
            out = await self._call(fn, resources, **kwargs)
            items = out.get(key, [])
            read += len(items)
            for item in items:
                yield item
            token = out.get("nextToken")
            if not token:
                return
            if token in seen_tokens:  # a page token seen before: the pages go round in a loop
                break
            seen_tokens.add(token)
            kwargs["nextToken"] = token
        raise ControlError(
            "Pagination",
            f"IVS kept handing out pages of {what or key}; stopped after reading {read}",
            operation=operation_name(fn),
        )

    async def create_participant_token(
        self,
        stage_arn: str,
        user_id: str,
        *,
        capabilities: Sequence[StageCapability] = (
            StageCapability.PUBLISH,
            StageCapability.SUBSCRIBE,
        ),
        attributes: Mapping[str, str] | None = None,
        duration_minutes: int | None = None,
    ) -> ParticipantToken:
        kwargs: dict[str, Any] = {
            "stageArn": stage_arn,
            "userId": user_id,
            "capabilities": [str(c) for c in capabilities],
        }
        if attributes:
            kwargs["attributes"] = dict(attributes)
        if duration_minutes is not None:
            kwargs["duration"] = duration_minutes
        out = await self._call(
            self._realtime.create_participant_token, {"stage": stage_arn}, **kwargs
        )
        token = out["participantToken"]
        return ParticipantToken(
            token=token["token"],
            participant_id=token["participantId"],
            user_id=token.get("userId", user_id),
            expiration_time=token["expirationTime"],
            capabilities=tuple(token.get("capabilities", ())),
        )

    async def list_participants(
        self, stage_arn: str, *, user_id: str | None = None, session_id: str | None = None
    ) -> list[ParticipantSummary]:
        """Every participant of a stage session, whatever their state: the active session
        unless `session_id` names another (none when no session is live); only those of
        `user_id` if given (`filterByUserId`). botocore has no paginator for this call, so
        the pages are read here until `nextToken` runs out."""
        if session_id is None:
            session_id = (await self.get_stage(stage_arn)).get("activeSessionId")
            if not session_id:
                return []
        kwargs: dict[str, Any] = {
            "stageArn": stage_arn,
            "sessionId": session_id,
            "maxResults": LIST_PARTICIPANTS_PAGE,
        }
        if user_id is not None:
            kwargs["filterByUserId"] = user_id
        return [
            ParticipantSummary(
                participant_id=p.get("participantId", ""),
                user_id=p.get("userId", ""),
                state=p.get("state", ""),
                attributes=dict(p.get("attributes") or {}),
            )
            async for p in self._pages(
                self._realtime.list_participants,
                "participants",
                f"the participants of stage {stage_arn}",
                {"stage": stage_arn},
                **kwargs,
            )
        ]

    async def disconnect_participant(
        self, stage_arn: str, participant_id: str, reason: str | None = None
    ) -> None:
        kwargs: dict[str, Any] = {"stageArn": stage_arn, "participantId": participant_id}
        if reason:
            kwargs["reason"] = reason
        try:
            await self._call(self._realtime.disconnect_participant, {}, **kwargs)
        except ControlError as exc:
            if not exc.not_found:
                raise
            raise ControlError(
                exc.code,
                f"participant {participant_id} is not on stage {stage_arn}, "
                "or the stage does not exist",
                operation=exc.operation,
            ) from None

"""Starting the app server: `--local` (with the local IVS stack on the same app and
port) or `--aws` (boto3's default credentials, optionally an `--endpoint-url`).

Both modes run the same code past start-up: the only difference is where the control
plane points and whether the room and stage are created here. Start-up failures raise
`StartupError` with one line that says what to fix. The steps live by job beside this
module: `web_app.py` (the aiohttp app and its port), `custody.py` (the data dir),
`broadcaster_key.py`, `room_and_stage.py` (the control plane; the room and stage with
`--aws`), `room_stores.py` (the room's stores and keeper), `delete.py` (`--delete`).
This module runs them in order and mounts the local stack: of the server, only it
imports the stack.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from aiohttp import web

from tui.emulator import Emulator, EmulatorConfig
from tui.ivs.control import ControlError, ControlPlane, arn_resource_id
from tui.ivs.protocol import messaging_url
from tui.server.boot.broadcaster_key import kept_broadcaster_key, shared_broadcaster_key
from tui.server.boot.created_resources import Resources
from tui.server.boot.custody import UnsafeCustody, private_dir
from tui.server.boot.room_and_stage import aws_resources, connect_control, room_options
from tui.server.boot.room_stores import RoomError, open_room_stores, start_room
from tui.server.boot.startup_error import StartupError
from tui.server.boot.web_app import build_app, listen, tls_context
from tui.server.db import DB_ERRORS, DatabaseTarget, DatabaseUnavailable, SchemaTooNew
from tui.server.history.store import HistoryStore
from tui.server.moderation.log_store import ModerationStore
from tui.server.review.secret import SecretError, kept_review_secret, shared_review_secret
from tui.server.room_limits import LiveRoomLimits, RoomLimits
from tui.server.service import AppService
from tui.server.settings import (
    DEFAULT_PORT,
    DEFAULT_ROOM_NAME,
    DEFAULT_STAGE_NAME,
    WHIP_GLOBAL,
    ServerSettings,
    ServiceConfig,
    load_settings,
)
from tui.server.stage.control_plane import AwsControl, LocalControl
from tui.server.store import Store


def local_access_key_id() -> str:
    """A fresh, unguessable access key id: the only caller the local stack's control
    plane accepts. Upper-case alphanumerics, as AWS key ids are."""
    return "LOCAL" + secrets.token_hex(16).upper()


@dataclass
class RunningServer:
    """A running app server (and, in local mode, the local IVS stack on the same port)."""

    url: str
    """http://HOST:PORT: the app server's API and, locally, the IVS endpoint too."""
    broadcaster_key: str
    service: AppService
    settings: ServerSettings
    emulator: Emulator | None
    room_arn: str
    stage_arn: str
    created: bool
    """True when the room or the stage was created at start-up."""
    notes: tuple[str, ...]
    """What start-up did about the room and stage (made, reused, one gone), for the banner."""
    review_secret: str = field(repr=False)
    """What callers of `POST /api/review` sign with (the Lambda forwarder's
    `REVIEW_SECRET`, the local stack's `--review-secret`)."""
    _runner: web.AppRunner = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def mode(self) -> str:
        return self.settings.effective_mode

    @property
    def chat_url(self) -> str:
        return self.service.config.chat_url

    @property
    def control_access_key_id(self) -> str | None:
        """Local mode: the only AWS access key id the local IVS stack's control plane
        accepts; sign boto3 calls with it and `control_secret_access_key` to drive the
        stack, as tests do. None with --aws."""
        return self.emulator.config.access_key_id if self.emulator else None

    @property
    def control_secret_access_key(self) -> str | None:
        """Local mode: the secret key the local IVS stack checks signatures with (fresh
        per start). None with --aws."""
        return self.emulator.config.secret_access_key if self.emulator else None

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        await self._runner.cleanup()  # the app's cleanup_ctx closes the service and store

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


LocalStack = RunningServer
"""What `start_local_stack` gives: `.url`, `.broadcaster_key`, `.service`, `.emulator`."""


LOCAL_STAGE_KEY = "local_stage_arn"
"""Store meta: the stage `--local` made, recreated on the next start with the same data
dir so that pending invites (bound to the stage ARN) still work after a restart."""


async def _local_stage(
    control: ControlPlane, emulator: Emulator, store: Store, now: float
) -> dict[str, object]:
    arn = store.get_meta(LOCAL_STAGE_KEY)
    live = store.live_invites(arn, now) if arn else []
    if arn and emulator.stages.restore(
        arn, DEFAULT_STAGE_NAME, [i.participant_token for i in live]
    ):
        return await control.get_stage(arn)
    stage = await control.create_stage(DEFAULT_STAGE_NAME)
    store.set_meta(LOCAL_STAGE_KEY, str(stage["arn"]))
    return stage


LOCAL_REVIEW_FUNCTION = "ivs-chat-tui-review"
"""`serve --local`: the name of the Lambda its room's review handler names; the local
stack maps that ARN to this server's `POST /api/review` (no Lambda runs locally)."""


def local_review_arn(config: EmulatorConfig) -> str:
    return f"arn:aws:lambda:{config.region}:{config.account_id}:function:{LOCAL_REVIEW_FUNCTION}"


def _private_data_dir(data_dir: Path) -> None:
    try:
        private_dir(data_dir)
    except UnsafeCustody as exc:
        raise StartupError(str(exc)) from None
    except OSError as exc:
        raise StartupError(f"cannot make the data dir {data_dir}: {exc}") from None


def _open_store(target: DatabaseTarget, clock: Callable[[], float]) -> Store:
    """The store, in a data dir nobody else may touch (unless the database is shared)."""
    if not target.shared:  # the SQLite files and broadcaster.key: nobody else's
        _private_data_dir(target.data_dir)
    try:
        store = Store(target.open_core())
        store.forget_participant_tokens(now=clock())
    except DatabaseUnavailable as exc:
        raise StartupError(str(exc)) from None
    except (SchemaTooNew, *DB_ERRORS, OSError) as exc:  # permissions, a bad file, ...
        raise StartupError(f"cannot open the database in {target.describe()}: {exc}") from None
    return store


def _open_room(
    settings: ServerSettings, target: DatabaseTarget, store: Store, clock: Callable[[], float]
) -> tuple[str, ModerationStore, HistoryStore]:
    """The review secret and the room's stores; the store is closed if they fail."""
    try:
        review_secret = settings.review_secret or (
            shared_review_secret(store.db) if target.shared else kept_review_secret(target.data_dir)
        )
        moderation_store, history = open_room_stores(target, settings, clock)
    except (RoomError, SecretError) as exc:
        store.close()
        raise StartupError(str(exc)) from None
    return review_secret, moderation_store, history


def _mount_local_stack(
    settings: ServerSettings,
    emulator_config: EmulatorConfig | None,
    app: web.Application,
    review_secret: str,
) -> Emulator:
    """`--local`: the local IVS stack, on the app's own port."""
    config = emulator_config or EmulatorConfig(region=settings.region or "us-east-1")
    if settings.public_url and config.public_url is None:
        config.public_url = settings.public_url
    if config.access_key_id is None:
        # Its control plane shares our public port: only we may call it, with a key
        # pair made for this start (the stack verifies the signatures).
        config.access_key_id = local_access_key_id()
        config.secret_access_key = secrets.token_urlsafe(30)
    if config.review_secret is None:
        config.review_secret = review_secret  # the stack signs as the forwarder does
    emulator = Emulator(config)
    emulator.setup(app)
    return emulator


async def _room_and_stage(
    settings: ServerSettings,
    url: str,
    emulator: Emulator | None,
    store: Store,
    clock: Callable[[], float],
) -> tuple[AwsControl | LocalControl, Resources]:
    """The control plane, and the room and stage it serves: made here on the local stack,
    else as `--aws` says."""
    if emulator is None:
        control = await connect_control(settings, url, None)
        return control, await aws_resources(control, settings, store, clock())
    key_id = emulator.config.access_key_id or "local"
    control = await connect_control(settings, url, (key_id, emulator.config.secret_access_key))
    # Every message is reviewed by this server's route, as on AWS through a Lambda.
    review_arn = local_review_arn(emulator.config)
    emulator.map_review_handler(review_arn, f"{url}/api/review")
    options = room_options(settings, review_arn)
    room = await control.create_room(DEFAULT_ROOM_NAME, **options.params())
    stage = await _local_stage(control, emulator, store, clock())
    return control, Resources(room, stage, created=True, notes=())


def _service_config(
    settings: ServerSettings,
    target: DatabaseTarget,
    store: Store,
    control: AwsControl | LocalControl,
    resources: Resources,
    url: str,
) -> ServiceConfig:
    room, stage = resources.room, resources.stage
    stage_arn = str(stage["arn"])
    endpoints = stage.get("endpoints")
    whip = endpoints.get("whip") if isinstance(endpoints, dict) else None
    local = settings.effective_mode == "local"
    return ServiceConfig(
        room_arn=str(room["arn"]),
        # Read once here: every chat token answer carries it, with no GetRoom each.
        room_name=str(room.get("name") or ""),
        stage_arn=stage_arn,
        stage_name=str(stage.get("name") or arn_resource_id(stage_arn)),
        chat_url=messaging_url(settings.public_url)
        if local and settings.public_url
        else control.chat_url,
        public_url=settings.public_url or url,
        broadcaster_key=settings.broadcaster_key
        or (
            shared_broadcaster_key(store)
            if target.shared
            else kept_broadcaster_key(target.data_dir)
        ),
        broadcaster_name=settings.broadcaster_name,
        whip_url=str(whip or WHIP_GLOBAL),
        session_minutes=settings.session_minutes,
        invite_minutes=settings.invite_minutes,
        host_minutes=settings.host_minutes,
        link_seconds=settings.link_seconds,
        local_stage=control.local_stage and not settings.sdk_stage_page,
    )


async def start_server(
    settings: ServerSettings,
    *,
    emulator_config: EmulatorConfig | None = None,
    clock: Callable[[], float] = time.time,
) -> RunningServer:
    """Start the app server as `settings` say. Raises `StartupError` (one line)."""
    tls = tls_context(settings)
    target = DatabaseTarget(settings.resolved_data_dir, settings.database_url)
    store = _open_store(target, clock)
    review_secret, moderation_store, history = _open_room(settings, target, store, clock)
    built = build_app(settings, store, moderation_store, history)
    emulator = None
    if settings.effective_mode == "local":
        emulator = _mount_local_stack(settings, emulator_config, built.app, review_secret)
    # On failure the runner's cleanup (the app's cleanup context) has closed the store.
    runner, url = await listen(built.app, settings.host, settings.port, built.guard, tls)
    try:
        control, resources = await _room_and_stage(settings, url, emulator, store, clock)
    except (ControlError, StartupError) as exc:
        await runner.cleanup()
        raise StartupError(str(exc)) from None
    config = _service_config(settings, target, store, control, resources, url)
    service = AppService(control, store, config, clock=clock)
    try:
        await start_room(
            service,
            settings,
            moderation_store,
            history,
            control.chat_url,
            review_secret=review_secret,
        )
    except RoomError as exc:
        await runner.cleanup()
        raise StartupError(str(exc)) from None
    service.room_limits = LiveRoomLimits(
        control, config.room_arn, RoomLimits.of_room(resources.room)
    )
    built.state.service = service
    return RunningServer(
        url=url,
        broadcaster_key=config.broadcaster_key,
        service=service,
        settings=settings,
        emulator=emulator,
        room_arn=config.room_arn,
        stage_arn=config.stage_arn,
        created=resources.created,
        notes=resources.notes,
        review_secret=review_secret,
        _runner=runner,
    )


async def start_local_stack(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    data_dir: Path | None = None,
    broadcaster_key: str | None = None,
    broadcaster_name: str | None = None,
    emulator_config: EmulatorConfig | None = None,
) -> LocalStack:
    """The local IVS stack and the app server on one port, with a fresh room; the stage
    is the one an earlier start with the same `data_dir` made, so its invites still work.
    `port=0` picks a free port (see `.url`). Raises `StartupError`."""
    settings = ServerSettings(
        mode="local",
        host=host,
        port=port,
        data_dir=data_dir,
        broadcaster_key=broadcaster_key,
        broadcaster_name=broadcaster_name,
    )
    return await start_server(settings, emulator_config=emulator_config)


__all__ = [
    "DEFAULT_PORT",
    "LocalStack",
    "RunningServer",
    "StartupError",
    "load_settings",
    "start_local_stack",
    "start_server",
]

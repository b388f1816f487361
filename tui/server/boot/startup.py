"""Starting the app server: `--local` (with the local IVS stack on the same app and
port) or `--aws` (boto3's default credentials, optionally an `--endpoint-url`).

Both modes run the same code past start-up: the only difference is where the control
plane points and whether the room and stage are created here. Start-up failures raise
`StartupError` with one line that says what to fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import secrets
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, cast

from aiohttp import web

from tui.common.hosts import url_host
from tui.emulator import Emulator, EmulatorConfig
from tui.ivs.control import (
    CREATED_BY_TAG,
    ControlError,
    ControlPlane,
    RoomOptions,
    arn_region,
    arn_resource_id,
)
from tui.ivs.protocol import messaging_url
from tui.server.boot.created_resources import (
    KeptFileError,
    KeptInDatabase,
    KeptInFile,
    KeptPlace,
    Resources,
    create_or_reuse,
)
from tui.server.boot.custody import UnsafeCustody, kept_secret, new_key, private_dir
from tui.server.boot.room_stores import (
    ROUTES,
    RoomError,
    open_room_stores,
    room_lifetime,
    start_room,
)
from tui.server.db import DB_ERRORS, Database, DatabaseTarget, DatabaseUnavailable, SchemaTooNew
from tui.server.raid.routes import on_shutdown as end_news_streams
from tui.server.review.secret import (
    SecretError,
    kept_review_secret,
    shared_review_secret,
)
from tui.server.room_limits import LiveRoomLimits, RoomLimits
from tui.server.service import WHIP_GLOBAL, AppService, ServiceConfig
from tui.server.settings import (
    BROADCASTER_KEY_MIN,
    DEFAULT_PORT,
    DEFAULT_ROOM_NAME,
    DEFAULT_STAGE_NAME,
    ServerSettings,
    load_settings,
)
from tui.server.stage.control_plane import AwsControl, LocalControl
from tui.server.store import Store
from tui.server.web.client_address import parse_networks
from tui.server.web.http import ServerState, new_app, setup_routes
from tui.server.web.listener import GuardedTCPSite, SlowClientGuard
from tui.server.web.ratelimit import AddressBudget

CHECKPOINT_SECONDS = 5.0
"""How often the store's WAL is copied into its database file, off the event loop."""


def local_access_key_id() -> str:
    """A fresh, unguessable access key id: the only caller the local stack's control
    plane accepts. Upper-case alphanumerics, as AWS key ids are."""
    return "LOCAL" + secrets.token_hex(16).upper()


BROADCASTER_KEY_FILE = "broadcaster.key"
"""In the data dir, mode 0600: the generated broadcaster key, reused on every start with
the same data dir so that the broadcaster's TUI keeps working across restarts."""


def kept_broadcaster_key(data_dir: Path) -> str:
    """The key kept in `data_dir`, or a new one, generated and kept there (0600); one
    that another user owns or may write is refused (tui/server/boot/custody.py)."""
    path = data_dir / BROADCASTER_KEY_FILE
    try:
        return kept_secret(path, "the broadcaster key", new_key, BROADCASTER_KEY_MIN)
    except UnsafeCustody as exc:
        raise StartupError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupError(f"cannot keep the broadcaster key in {path}: {exc}") from None


BROADCASTER_KEY_META = "broadcaster_key"
"""Store meta, on a shared database only: the generated broadcaster key, the same for
every instance (the data dir's file would give each instance its own)."""


def shared_broadcaster_key(store: Store) -> str:
    """The key kept in the shared database, or a new one kept there; of several instances
    starting at once, the first to write wins and all read its key."""
    try:
        store.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (BROADCASTER_KEY_META, secrets.token_urlsafe(18)),
        )
        kept = store.get_meta(BROADCASTER_KEY_META)
    except DB_ERRORS as exc:
        raise StartupError(f"cannot keep the broadcaster key in the database: {exc}") from None
    assert kept is not None
    return kept


class StartupError(Exception):
    """The server cannot start; `str()` is one line saying why and what to do."""


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


def _tls(settings: ServerSettings) -> ssl.SSLContext | None:
    """The server's TLS context from --tls-cert and --tls-key, or None for plain HTTP."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    if settings.effective_mode == "local":
        # The local stack's control plane is this very port, called by boto3, which
        # would have to trust the certificate; and the local stage has no media anyway.
        raise StartupError(
            "--tls-cert works with --aws; for --local, put a TLS reverse proxy in front "
            "(see the README) and pass its address as --public-url"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(
            f"cannot load the TLS certificate {settings.tls_cert} with the key "
            f"{settings.tls_key}: {exc}"
        ) from None
    return context


async def _listen(
    app: web.Application,
    host: str,
    port: int,
    guard: SlowClientGuard,
    tls: ssl.SSLContext | None = None,
) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        await GuardedTCPSite(runner, host, port, guard, tls).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is in use: pass another --port (or stop what uses it)"
            ) from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_port = runner.addresses[0][1]
    scheme = "https" if tls else "http"
    return runner, f"{scheme}://{url_host(host)}:{bound_port}"


async def _control_plane(
    settings: ServerSettings, url: str, emulator: Emulator | None
) -> AwsControl | LocalControl:
    """The local stack's control plane (in this process, or at --endpoint-url: no media
    server behind either), or Amazon IVS."""
    if emulator is not None:
        key_id = emulator.config.access_key_id or "local"
        # `connect` builds the class it is called on.
        local = await LocalControl.connect(
            region=settings.region or "us-east-1",
            endpoint_url=url,
            credentials=(key_id, emulator.config.secret_access_key),
        )
        return cast(LocalControl, local)
    region = settings.region or arn_region(settings.room_arn or "") or None
    kind = LocalControl if settings.endpoint_url else AwsControl
    control = await kind.connect(
        region=region, endpoint_url=settings.endpoint_url, profile=settings.profile
    )
    return cast(AwsControl | LocalControl, control)


def _lifetime(
    state: ServerState, store: Store
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """The app's cleanup context: the store's checkpoints run in the background while
    the app runs; at the end they stop, then the service and the store close."""

    @contextlib.asynccontextmanager
    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        checkpoints = asyncio.create_task(
            store.keep_checkpointing(CHECKPOINT_SECONDS), name="store-checkpoints"
        )
        try:
            yield
        finally:
            checkpoints.cancel()
            await asyncio.wait([checkpoints])
            if state.service is not None:
                await state.service.close()
            store.close()

    return lifetime


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


def room_options(settings: ServerSettings, local_review: str | None = None) -> RoomOptions:
    """What the settings put on the room: its limits, and its review handler (on AWS the
    one `--review-handler-arn` names; `--local`, `local_review`, which the stack maps to
    this server's route)."""
    aws = settings.effective_mode == "aws"
    arn = settings.review_handler_arn if aws else local_review
    return RoomOptions(
        max_message_rate=settings.max_message_rate,
        max_message_length=settings.max_message_length,
        review_handler_uri=arn,
        review_fallback=settings.review_fallback if arn else None,
    )


def _kept_place(settings: ServerSettings, store: Store) -> KeptPlace:
    """Where `--create` keeps its ARNs: the data dir, or the shared database, so that
    every instance serves the room and stage the first one made."""
    if settings.database_url:
        return KeptInDatabase(store.db)
    return KeptInFile(settings.resolved_data_dir)


async def _aws_resources(
    control: ControlPlane, settings: ServerSettings, store: Store, now: float
) -> Resources:
    """The room and the stage: with `--create` those kept (data dir or database), or new
    ones (`resources.create_or_reuse`); else the ARNs given, checked with GetRoom/GetStage."""
    if settings.create:
        try:
            # One instance at a time, so two starting at once do not both create.
            with store.db.exclusive("ivs-chat-tui create"):
                return await create_or_reuse(
                    control,
                    _kept_place(settings, store),
                    DEFAULT_ROOM_NAME,
                    DEFAULT_STAGE_NAME,
                    now,
                    room_options(settings),
                )
        except KeptFileError as exc:
            raise StartupError(str(exc)) from None
    assert settings.room_arn and settings.stage_arn  # the settings validator checks
    for arn, service in ((settings.room_arn, "ivschat"), (settings.stage_arn, "ivs")):
        if not arn.startswith(f"arn:aws:{service}:"):
            kind = "room" if service == "ivschat" else "stage"
            raise StartupError(f"{arn!r} is not an IVS {kind} ARN (arn:aws:{service}:...)")
    options = room_options(settings)
    if options:
        room = await control.update_room(settings.room_arn, options)
    else:
        room = await control.get_room(settings.room_arn)
    stage = await control.get_stage(settings.stage_arn)
    return Resources(room, stage, created=False, notes=())


def _private_data_dir(data_dir: Path) -> None:
    try:
        private_dir(data_dir)
    except UnsafeCustody as exc:
        raise StartupError(str(exc)) from None
    except OSError as exc:
        raise StartupError(f"cannot make the data dir {data_dir}: {exc}") from None


async def start_server(
    settings: ServerSettings,
    *,
    emulator_config: EmulatorConfig | None = None,
    clock: Callable[[], float] = time.time,
) -> RunningServer:
    """Start the app server as `settings` say. Raises `StartupError` (one line)."""
    local = settings.effective_mode == "local"
    tls = _tls(settings)
    data_dir = settings.resolved_data_dir
    target = DatabaseTarget(data_dir, settings.database_url)
    if not target.shared:  # the SQLite files and broadcaster.key: nobody else's
        _private_data_dir(data_dir)
    try:
        store = Store(target.open_core())
        store.forget_participant_tokens(now=clock())
    except DatabaseUnavailable as exc:
        raise StartupError(str(exc)) from None
    except (SchemaTooNew, *DB_ERRORS, OSError) as exc:  # permissions, a bad file, ...
        raise StartupError(f"cannot open the database in {target.describe()}: {exc}") from None
    try:
        review_secret = settings.review_secret or (
            shared_review_secret(store.db) if target.shared else kept_review_secret(data_dir)
        )
        moderation_store, history = open_room_stores(target, settings, clock)
    except (RoomError, SecretError) as exc:
        store.close()
        raise StartupError(str(exc)) from None
    state = ServerState(
        token_requests=AddressBudget(settings.token_rate_per_minute, settings.token_burst),
        mode=settings.effective_mode,
        wrong_keys=AddressBudget(settings.wrong_keys_per_minute, settings.wrong_key_burst),
        body_seconds=settings.body_seconds,
        trusted_proxies=parse_networks(settings.trusted_proxies),
    )
    guard = SlowClientGuard(
        header_seconds=settings.header_seconds,
        per_address=settings.slow_connections_per_address,
    )
    app = new_app(guard.request_started)
    setup_routes(app, state, ROUTES)
    app.cleanup_ctx.append(_lifetime(state, store))
    app.cleanup_ctx.append(room_lifetime(state, moderation_store, history))
    app.on_shutdown.append(end_news_streams)  # before aiohttp waits for the handlers
    emulator: Emulator | None = None
    if local:
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
    # On failure the runner's cleanup (the app's cleanup context) has closed the store.
    runner, url = await _listen(app, settings.host, settings.port, guard, tls)
    try:
        control = await _control_plane(settings, url, emulator)
        if emulator is not None:
            # Every message is reviewed by this server's route, as on AWS through a Lambda.
            review_arn = local_review_arn(emulator.config)
            emulator.map_review_handler(review_arn, f"{url}/api/review")
            options = room_options(settings, review_arn)
            room = await control.create_room(DEFAULT_ROOM_NAME, **options.params())
            stage = await _local_stage(control, emulator, store, clock())
            resources = Resources(room, stage, created=True, notes=())
        else:
            resources = await _aws_resources(control, settings, store, clock())
            room, stage = resources.room, resources.stage
    except (ControlError, StartupError) as exc:
        await runner.cleanup()
        raise StartupError(str(exc)) from None
    room_arn = str(room["arn"])
    stage_arn = str(stage["arn"])
    endpoints = stage.get("endpoints")
    whip = endpoints.get("whip") if isinstance(endpoints, dict) else None
    service = AppService(
        control,
        store,
        ServiceConfig(
            room_arn=room_arn,
            # Read once here: every chat token answer carries it, with no GetRoom each.
            room_name=str(room.get("name") or ""),
            stage_arn=stage_arn,
            stage_name=str(stage.get("name") or arn_resource_id(stage_arn)),
            chat_url=messaging_url(settings.public_url)
            if local and settings.public_url
            else control.chat_url,
            public_url=settings.public_url or url,
            broadcaster_key=settings.broadcaster_key
            or (shared_broadcaster_key(store) if target.shared else kept_broadcaster_key(data_dir)),
            broadcaster_name=settings.broadcaster_name,
            whip_url=str(whip or WHIP_GLOBAL),
            session_minutes=settings.session_minutes,
            invite_minutes=settings.invite_minutes,
            host_minutes=settings.host_minutes,
            link_seconds=settings.link_seconds,
            local_stage=control.local_stage and not settings.sdk_stage_page,
        ),
        clock=clock,
    )
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
    service.room_limits = LiveRoomLimits(control, room_arn, RoomLimits.of_room(room))
    state.service = service
    return RunningServer(
        url=url,
        broadcaster_key=service.config.broadcaster_key,
        service=service,
        settings=settings,
        emulator=emulator,
        room_arn=room_arn,
        stage_arn=stage_arn,
        created=resources.created,
        notes=resources.notes,
        review_secret=review_secret,
        _runner=runner,
    )


async def delete_created_resources(settings: ServerSettings) -> list[str]:
    """`serve --aws --delete`: delete the room and stage `--create` made and kept in the
    data dir (or those `--room-arn` / `--stage-arn` name), only if they carry this app's
    tag; lines saying what was deleted. Raises `StartupError` (one line)."""
    data_dir = settings.resolved_data_dir
    db: Database | None = None
    place: KeptPlace = KeptInFile(data_dir)
    try:
        if settings.database_url:
            db = DatabaseTarget(data_dir, settings.database_url).open_core()
            place = KeptInDatabase(Store(db).db)  # Store: the tables exist, migrated
        control = await _control_plane(settings, "", None)
        kept = place.find(control.region, control.endpoint_url)
        given = settings.room_arn or settings.stage_arn
        room_arn = settings.room_arn if given else kept.room_arn if kept else None
        stage_arn = settings.stage_arn if given else kept.stage_arn if kept else None
        if not (room_arn or stage_arn):
            found = await control.find_created()
            lines = [
                f"Nothing to delete: {place.where()} keeps no room or stage made by "
                f"--create in {control.region}."
            ]
            for tagged in (*found.rooms, *found.stages):
                lines.append(f"  Tagged {CREATED_BY_TAG} here: {tagged}")
            if found.rooms or found.stages:
                lines.append(
                    "To delete one: serve --aws --delete --room-arn ARN and/or --stage-arn ARN"
                )
            return lines
        deleted = await control.delete_created(room_arn, stage_arn)
        if kept is not None and {room_arn, stage_arn} >= {kept.room_arn, kept.stage_arn}:
            place.forget(control.region, control.endpoint_url)
    except (ControlError, KeptFileError, DatabaseUnavailable) as exc:
        raise StartupError(str(exc)) from None
    except (SchemaTooNew, *DB_ERRORS) as exc:
        raise StartupError(f"cannot use the database: {exc}") from None
    finally:
        if db is not None:
            db.close()
    lines = []
    for kind, arn in (("stage", stage_arn), ("room", room_arn)):
        if arn:
            done = "Deleted" if arn in deleted else "Already gone, nothing to delete:"
            lines.append(f"{done} {kind} {arn}")
    return lines


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
    "delete_created_resources",
    "load_settings",
    "start_local_stack",
    "start_server",
]

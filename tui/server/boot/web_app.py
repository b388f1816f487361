"""The aiohttp app the server runs, built and listening: its state, the slow-client guard,
the routes, the cleanup contexts (store checkpoints; the room's stores), TLS and the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from tui.common.hosts import url_host
from tui.server.boot.custody import UnsafeCustody, check_private_key
from tui.server.boot.room_stores import ROUTES, room_lifetime
from tui.server.boot.startup_error import StartupError
from tui.server.history.store import HistoryStore
from tui.server.moderation.log_store import ModerationStore
from tui.server.raid.routes import on_shutdown as end_news_streams
from tui.server.settings import ServerSettings
from tui.server.store import Store
from tui.server.web.client_address import parse_networks
from tui.server.web.http import ServerState, new_app, setup_routes
from tui.server.web.listener import GuardedTCPSite, SlowClientGuard
from tui.server.web.ratelimit import AddressBudget

CHECKPOINT_SECONDS = 5.0
"""How often the store's WAL is copied into its database file, off the event loop."""


@dataclass(frozen=True, slots=True)
class BuiltApp:
    """The app, the state its handlers share (its `service` set once the room is up), and
    the guard its listener applies."""

    app: web.Application
    state: ServerState
    guard: SlowClientGuard


def build_app(
    settings: ServerSettings,
    store: Store,
    moderation_store: ModerationStore,
    history: HistoryStore,
) -> BuiltApp:
    """The app with its routes and cleanup contexts, not yet listening."""
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
    return BuiltApp(app, state, guard)


def tls_context(settings: ServerSettings) -> ssl.SSLContext | None:
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
    try:
        check_private_key(Path(settings.tls_key), "the TLS key")
    except UnsafeCustody as exc:
        raise StartupError(str(exc)) from None
    except OSError:
        pass  # load_cert_chain says what is wrong with a key it cannot read
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(
            f"cannot load the TLS certificate {settings.tls_cert} with the key "
            f"{settings.tls_key}: {exc}"
        ) from None
    return context


async def listen(
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

"""A stand-in for the app server's history that a test can restart on its own.

`StandInHistory` is what the app server is for history: a room keeper's connection
(the real room client on the real local stack) feeding the real `HistoryRecorder` and
`HistoryStore`, and `GET /api/chat/history` answered by the real `history` query, on a
real aiohttp server on loopback. Only the wiring is the test's: to switch to the real
route, drop the `history_source` the chaos tests set, and restart the app server itself
where they restart this.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiohttp import web

from tui.client.app_server import AppServerClient
from tui.client.history import HISTORY_PATH, HistoryClient
from tui.client.session import ChatSession
from tui.ivs.events import ConnectionState, StateChanged
from tui.ivs.room import ChatRoom
from tui.server.domain_errors import ServiceError
from tui.server.history.query import history, parse_after
from tui.server.history.recorder import HistoryRecorder
from tui.server.history.store import HistoryStore
from tui.server.web.http import status_of


class StandInHistory:
    """The keeper and the history route; `stop()` and `start()` again is a restart: the
    store's file in `data_dir` is all that carries over, as for the app server."""

    def __init__(self, stack_url: str, data_dir: Path) -> None:
        self.stack_url = stack_url
        self.data_dir = data_dir
        self.port = 0
        self.store: HistoryStore | None = None
        self.connected = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._keeper: asyncio.Task[None] | None = None
        # The keeper's identity outlives a restart, as the app server's own does.
        self._session = ChatSession(AppServerClient(stack_url), "Keeper")
        self._clients: list[AppServerClient] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> HistoryClient:
        """The TUI's history source: this route (no key checked here)."""
        server = AppServerClient(self.url, broadcaster_key="stand-in")
        self._clients.append(server)
        return HistoryClient(server)

    async def start(self) -> None:
        self.store = HistoryStore(self.data_dir)
        self.connected.clear()
        app = web.Application()
        app.router.add_get(HISTORY_PATH, self._history)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]
        await self._session.open()
        self._keeper = asyncio.create_task(self._keep(self._session))
        await asyncio.wait_for(self.connected.wait(), 20)

    async def _keep(self, session: ChatSession) -> None:
        assert self.store is not None
        recorder = HistoryRecorder(self.store)
        async with ChatRoom(session.token_provider(), backoff_base=0.02) as room:
            async for event in room:
                recorder.on_event(event)
                if isinstance(event, StateChanged) and event.state is ConnectionState.CONNECTED:
                    self.connected.set()

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        if self.store is not None:
            self.store.coverage.stopped(self.store.now_us())  # the keeper is gone
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.store is not None:
            self.store.close()
            self.store = None

    async def close(self) -> None:
        await self.stop()
        await self._session.close()
        for server in self._clients:
            await server.close()

    async def _history(self, request: web.Request) -> web.Response:
        assert self.store is not None
        after = request.query.get("after")
        try:
            # An Id the store lacks is checked here: the 404 helper the query raises
            # comes with the server's route (tui/server/domain_errors.py on main, later).
            where = parse_after(after)
            if isinstance(where, str) and self.store.position(where) is None:
                return web.json_response(
                    {"message": f"message {where} is not in the history"}, status=404
                )
            page = history(self.store, after, request.query.get("limit"))
        except ServiceError as exc:
            return web.json_response({"message": exc.message}, status=status_of(exc))
        return web.Response(text=page.to_json(), content_type="application/json")

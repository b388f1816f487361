"""Fixtures for the app server tests: the server in both modes, on real loopback sockets.

`stack` is parametrized: "local" is `serve --local` in-process (the local IVS stack and
the app server on one port); "aws" is `serve --aws --create --endpoint-url` against a
separately started local IVS stack, as the issue asks: both modes run the same code.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.postgres import PostgresServer, PostgresUnavailable, running_postgres
from tui.emulator import Emulator, EmulatorConfig
from tui.server.boot.startup import RunningServer, start_local_stack, start_server
from tui.server.db import DatabaseTarget
from tui.server.settings import ServerSettings

FRAME_WAIT = 10.0
"""Safety net only: a frame that never comes fails the test instead of hanging it."""


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings or AWS configuration from the machine running the tests."""
    import os

    for name in list(os.environ):
        if name.startswith("IVS_CHAT_TUI_") or name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # platformdirs: no server.toml or data dir of the user's own.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


async def start_aws_server(emulator: Emulator, data_dir: Path, **settings: Any) -> RunningServer:
    options: dict[str, Any] = {"create": True}
    options.update(settings)
    return await start_server(
        ServerSettings(
            mode="aws",
            host="127.0.0.1",
            port=0,
            data_dir=data_dir,
            endpoint_url=emulator.url,
            region="us-east-1",
            **options,
        )
    )


@pytest.fixture(params=["local", "aws"])
async def stack(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningServer]:
    if request.param == "local":
        server = await start_local_stack(port=0, data_dir=tmp_path / "data")
        async with server:
            yield server
        return
    async with Emulator(EmulatorConfig()) as emu:
        server = await start_aws_server(emu, tmp_path / "data")
        async with server:
            yield server


async def next_frame(ws: ClientConnection) -> tuple[dict[str, Any], str]:
    """The next chat frame, parsed, and its raw text."""
    raw = await asyncio.wait_for(ws.recv(), FRAME_WAIT)
    text = raw if isinstance(raw, str) else raw.decode()
    return json.loads(text), text


async def next_event(ws: ClientConnection, name: str) -> tuple[dict[str, Any], str]:
    """The next EVENT frame named `name` (skipping anything else)."""
    while True:
        frame, raw = await next_frame(ws)
        if frame.get("Type") == "EVENT" and frame.get("EventName") == name:
            return frame, raw


# --- the two engines -------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the whole run (tests/postgres.py). Missing binaries
    skip on a developer's machine and fail in CI, where a skip would hide that the
    Postgres half of the store tests never ran."""
    cluster = running_postgres()
    try:
        server = cluster.__enter__()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Postgres tests: {exc}", pytrace=False)
        pytest.skip(f"Postgres tests skipped: {exc}")
    try:
        yield server
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database of its own for the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseTarget:
    """Where a store test keeps its data: SQLite files in a data dir, or a fresh
    Postgres database. Open stores with `where.open_core()` / `where.open_history()`
    (again, for a restart or a second instance)."""
    if request.param == "sqlite":
        return DatabaseTarget(tmp_path / "data")
    return DatabaseTarget(tmp_path / "data", request.getfixturevalue("postgres_url"))

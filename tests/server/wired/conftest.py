"""`server`: the app server in both modes, its room keeper connected: "local" is
`serve --local` in-process; "aws" is `serve --aws --create --endpoint-url` against a
separately started local IVS stack (tests/server/conftest.py), the same code past start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.server.conftest import start_aws_server
from tests.server.wired.helpers import LENIENT, keeper_live, local_server
from tui.emulator import Emulator, EmulatorConfig
from tui.server.boot.startup import RunningServer


@pytest.fixture(params=["local", "aws"])
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningServer]:
    if request.param == "local":
        async with await local_server(tmp_path / "data") as running:
            yield running
        return
    async with Emulator(EmulatorConfig()) as emu:
        running = await start_aws_server(emu, tmp_path / "data", **LENIENT)
        async with await keeper_live(running):
            yield running

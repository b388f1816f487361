"""Fixtures: emulators with a config of the test's own (`start_emulator`), and boto3 clients
pointed at the root conftest's `emulator`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.emulator.helpers import client
from tui.emulator import Emulator, EmulatorConfig

StartEmulator = Callable[..., Awaitable[Emulator]]


@pytest.fixture
async def start_emulator() -> AsyncIterator[StartEmulator]:
    started: list[Emulator] = []

    async def start(**config: Any) -> Emulator:
        emulator = Emulator(EmulatorConfig(**config))
        await emulator.start("127.0.0.1", 0)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        await emulator.stop()


@pytest.fixture
def chat(emulator: Emulator) -> Any:
    return client("ivschat", emulator)


@pytest.fixture
def realtime(emulator: Emulator) -> Any:
    return client("ivs-realtime", emulator)

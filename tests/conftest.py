"""Fixtures every test folder may use.

- The app's fixed people, clock and messages live in `tests/app_helpers.py` (imported by
  name where a test needs its helpers); its fixtures are registered here.
- `local`: the app server with the local IVS stack, on a free loopback port, its data dir
  in the test's `tmp_path`.
- `emulator`: the local IVS stack alone, on a free loopback port.
- `served`: the fake of the moderation routes (`tests/screens/moderation/fake_server.py`)
  with a broadcaster, a moderator and two viewers, on a loopback port, for the client's
  tests and the moderation screens'.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.screens.moderation.fake_server import FakeModeration, Served, User, serving

if TYPE_CHECKING:
    from tui.emulator import Emulator
    from tui.server.boot.startup import RunningServer


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[RunningServer]:
    # Imported here: the TUI's tests, which never start a server, do not load it.
    from tui.server.boot.startup import start_local_stack

    async with await start_local_stack(port=0, data_dir=tmp_path / "data") as server:
        yield server


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    from tui.emulator import Emulator, EmulatorConfig

    async with Emulator(EmulatorConfig()) as emu:
        yield emu


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    fake = FakeModeration()
    fake.add(User("user-host", "Host", "broadcaster"))
    fake.add(User("viewer-mia", "Mia", "moderator", session_key="mia-session"))
    fake.add(User("viewer-bob", "Bob", "viewer", session_key="bob-session"))
    fake.add(User("viewer-eve", "[red]Eve\x1b[0m", "viewer", session_key="eve-session"))
    async with serving(fake) as url:
        yield Served(fake, url)


pytest_plugins = ["tests.app_helpers"]

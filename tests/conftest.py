"""Fixtures every test folder may use.

- The app's fixed people, clock and messages live in `tests/app_helpers.py` (imported by
  name where a test needs its helpers); its fixtures are registered here.
- `served`: the fake of the moderation routes (`tests/screens/moderation/fake_server.py`)
  with a broadcaster, a moderator and two viewers, on a loopback port, for the client's
  tests and the moderation screens'.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.screens.moderation.fake_server import FakeModeration, Served, User, serving


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

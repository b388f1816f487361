"""The fake moderation server (fake_server.py) with a broadcaster, a moderator and two
viewers, on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.tui.moderation.fake_server import HOST_KEY, FakeModeration, User, serving
from tui.moderation_api import ModerationClient
from tui.server.client import AppServerClient


@dataclass
class Served:
    fake: FakeModeration
    url: str

    def client(self, *, key: str | None = None, session: str | None = None) -> ModerationClient:
        return ModerationClient(AppServerClient(self.url, broadcaster_key=key, session_key=session))

    def host(self) -> ModerationClient:
        return self.client(key=HOST_KEY)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    fake = FakeModeration()
    fake.add(User("user-host", "Host", "broadcaster"))
    fake.add(User("viewer-mia", "Mia", "moderator", session_key="mia-session"))
    fake.add(User("viewer-bob", "Bob", "viewer", session_key="bob-session"))
    fake.add(User("viewer-eve", "[red]Eve\x1b[0m", "viewer", session_key="eve-session"))
    async with serving(fake) as url:
        yield Served(fake, url)

"""What the moderation and history routes share: their services, and the wrong-key
budget (`tui.server.web.http.key_budget`'s, applied to wrong keys only).

The budget here counts 401s (a key nobody was given) and not 403s: a moderator whose
request is refused for what it asks (a moderator banning a moderator) sent a right key,
and must not be locked out of the chat for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from tui.server.domain_errors import NotAuthenticated, NotReady
from tui.server.history.store import HistoryStore
from tui.server.moderation.service import ModerationService
from tui.server.web.http import STATE, _address, _service, _too_many

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def moderation(request: web.Request) -> ModerationService:
    found = _service(request).moderation
    if found is None:
        raise NotReady("moderation is still starting; try again")
    return found


def history(request: web.Request) -> HistoryStore:
    found = _service(request).history
    if found is None:
        raise NotReady("the history is still starting; try again")
    return found


def keyed(handler: Handler) -> Handler:
    """`handler` behind the wrong-key budget: 429 for an address past it, and each wrong
    key (401) draws on it."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        budget = request.app[STATE].wrong_keys
        address = _address(request)
        if (wait := budget.wait(address)) > 0:
            return _too_many("wrong keys", wait)
        try:
            return await handler(request)
        except NotAuthenticated:
            budget.check(address)
            raise

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


__all__ = ["history", "keyed", "moderation"]

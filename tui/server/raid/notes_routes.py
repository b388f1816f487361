"""The notes routes, mounted under /api with the moderation routes (`tui.server.boot.room_stores`):

- `GET /api/moderation/users/{userId}/notes`: `{notes: [{id, at, author: {userId,
  displayName}, text}]}`, newest first (the newest `NOTES_SHOWN`);
- `POST /api/moderation/users/{userId}/notes` `{text}`: 201 and the note as stored.

The broadcaster and moderators only, with the moderation routes' key and refusals
(`ModerationService.caller`: 401 without a key, 403 for a viewer). 404 for a user the
server does not know; 400 for an empty note or one past `NOTE_MAX_LENGTH`.
"""

from __future__ import annotations

from aiohttp import web

from tui.server.domain_errors import NotFound, NotReady
from tui.server.moderation.service import ModerationService
from tui.server.raid.notes import NoteStore, parse_note
from tui.server.web.http import bearer, json_body
from tui.server.web.keyed import keyed, moderation


def _known(service: ModerationService, user_id: str) -> NoteStore:
    if service.notes is None:
        raise NotReady("the user notes are still starting; try again")
    if service.identities.identity(user_id) is None:
        raise NotFound(f"no user {user_id!r} is known to this server")
    return service.notes


@keyed
async def read_notes(request: web.Request) -> web.StreamResponse:
    service = moderation(request)
    service.caller(bearer(request))
    notes = _known(service, request.match_info["user_id"])
    found = notes.notes(request.match_info["user_id"])
    return web.json_response({"notes": [note.to_json() for note in found]})


@keyed
async def add_note(request: web.Request) -> web.StreamResponse:
    service = moderation(request)
    author = service.caller(bearer(request)).party  # 401 / 403 before reading the body
    user_id = request.match_info["user_id"]
    notes = _known(service, user_id)
    text = parse_note(await json_body(request))
    note = notes.add(user_id, author, text, service.clock())
    return web.json_response(note.to_json(), status=201)


ROUTES = (
    web.get("/moderation/users/{user_id}/notes", read_notes),
    web.post("/moderation/users/{user_id}/notes", add_note),
)
"""Relative to the API's /api prefix."""

__all__ = ["ROUTES"]

"""ModerationClient against the fake of the moderation routes on a real loopback socket
(fake_server.py says why a fake): the bodies it sends, the typed answers it reads, and
the words of every failure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp import web

from tests.ports import closed_port
from tests.screens.moderation.fake_server import HOST_KEY, T0, FakeModeration, Served
from tui.client.app_server import AppServerClient, AppServerError
from tui.client.moderation_api import (
    FloodLimits,
    ModerationAction,
    ModerationClient,
    NoSuchMessage,
    NoSuchUser,
    NotPermitted,
    Refused,
    RoomSettings,
    Unavailable,
)


async def test_a_timeout_is_recorded_and_read_back(served: Served) -> None:
    client = served.host()
    async with client.server:
        record = await client.act(
            ModerationAction.TIMEOUT, "viewer-bob", reason="caps", duration_seconds=600
        )
        assert (record.action, record.target.user_id, record.actor.display_name) == (
            "timeout",
            "viewer-bob",
            "Host",
        )
        assert (record.reason, record.duration_seconds, record.automatic) == ("caps", 600, False)
        assert record.at == T0 and record.expires_at == datetime(2026, 12, 1, 20, 10, tzinfo=UTC)
        user = await client.user("viewer-bob")
        assert user.timed_out_until == record.expires_at and user.banned_until is None
    # Sent as the contract says: the broadcaster key as Bearer, camelCase fields.
    assert served.fake.requests[0] == ("POST", "/api/moderation/actions", f"Bearer {HOST_KEY}")


async def test_every_action_is_sent_and_the_log_is_newest_first(served: Served) -> None:
    client = served.host()
    try:
        for action in ModerationAction:
            if action is not ModerationAction.DELETE:  # names a message: below
                await client.act(action, "viewer-bob")
        await client.act("ban", "viewer-eve", reason="spam", ban_address=True)
        log = await client.moderation_log()
        assert [r.action for r in log] == [
            "ban",
            "disconnect",
            "unmod",
            "mod",
            "untimeout",
            "timeout",
            "unban",
            "ban",
        ]
        only_eve = await client.moderation_log(user_id="viewer-eve")
        assert [(r.action, r.target.display_name) for r in only_eve] == [("ban", "[red]Eve\x1b[0m")]
        assert len(await client.moderation_log(limit=2)) == 2
        user = await client.user("viewer-bob")
        assert user.role == "viewer" and user.banned_until is None
    finally:
        await client.server.close()
    assert ("GET", "/api/moderation/log?limit=200&userId=viewer-eve", f"Bearer {HOST_KEY}") in (
        served.fake.requests
    )


async def test_a_moderator_uses_their_session_key(served: Served) -> None:
    client = served.client(session="mia-session")
    try:
        record = await client.act("timeout", "viewer-bob", duration_seconds=60)
        assert record.actor.user_id == "viewer-mia"
        with pytest.raises(NotPermitted) as exc:
            await client.act("mod", "viewer-bob")
    finally:
        await client.server.close()
    assert exc.value.status == 403
    assert exc.value.message == (
        "you may not make this user a moderator: a moderator cannot act on moderators"
    )
    assert served.fake.requests[0][2] == "Bearer mia-session"


async def test_refusals_in_words(served: Served) -> None:
    host, viewer = served.host(), served.client(session="bob-session")
    try:
        with pytest.raises(NotPermitted) as forbidden:
            await viewer.moderation_log()
        with pytest.raises(NotPermitted) as on_host:
            await host.act("ban", "user-host")
        with pytest.raises(NoSuchUser) as unknown:
            await host.act("ban", "viewer-nobody")
        with pytest.raises(NoSuchUser) as unknown_card:
            await host.user("viewer-nobody")
        with pytest.raises(Refused) as huge:
            await host.act("timeout", "viewer-bob", duration_seconds=10**9)
        with pytest.raises(Refused) as bad_action:
            await host.act("smite", "viewer-bob")
    finally:
        await host.server.close()
        await viewer.server.close()
    assert forbidden.value.message == (
        "you may not read the log: only the broadcaster and moderators may moderate"
    )
    assert on_host.value.message == "you may not ban this user: nobody can act on the broadcaster"
    assert (unknown.value.status, unknown.value.message) == (404, "no such user: viewer-nobody")
    assert unknown_card.value.message == "no such user: viewer-nobody"
    assert (huge.value.status, huge.value.message) == (
        400,
        "durationSeconds must be from 1 to 1209600",
    )
    # An unknown action never leaves the client.
    assert bad_action.value.message.startswith("'smite' is not a moderation action: use ban, ")
    # (three POSTs above reached the server: the ban of the host, of nobody, the huge timeout)
    assert len([r for r in served.fake.requests if r[0] == "POST"]) == 3
    # Typed errors are AppServerErrors: code that catches those keeps working.
    assert isinstance(forbidden.value, AppServerError)


async def test_settings_round_trip_and_an_invalid_pattern(served: Served) -> None:
    client = served.host()
    try:
        settings = await client.room_settings()
        assert settings == RoomSettings(
            blocked_terms=["spam"],
            flood=FloodLimits(messages=5, seconds=5, timeout_seconds=60),
            new_identity_wait_seconds=0,
        )
        wanted = RoomSettings(
            blocked_terms=["spam", r"fr[e3]{2}\s*v-?bucks"],
            flood=FloodLimits(messages=8, seconds=10, timeout_seconds=600),
            new_identity_wait_seconds=300,
        )
        assert await client.save_room_settings(wanted) == wanted
        assert await client.room_settings() == wanted
        with pytest.raises(Refused) as bad:
            await client.save_room_settings(wanted.model_copy(update={"blocked_terms": ["(oops"]}))
        moderator = served.client(session="mia-session")
        with pytest.raises(NotPermitted) as not_host:
            await moderator.save_room_settings(wanted)
        await moderator.server.close()
    finally:
        await client.server.close()
    assert bad.value.message == (
        "blocked term '(oops' is not a valid pattern: "
        "missing ), unterminated subpattern at position 0"
    )
    assert served.fake.settings["blockedTerms"] == ["spam", r"fr[e3]{2}\s*v-?bucks"]
    assert not_host.value.message == (
        "you may not change the room's moderation settings: "
        "only the broadcaster may change the settings"
    )


async def test_no_identity_yet_asks_nothing(served: Served) -> None:
    client = served.client()
    with pytest.raises(NotPermitted) as exc:
        await client.moderation_log()
    assert exc.value.message == "you may not read the log: join the room first"
    assert served.fake.requests == []


async def test_unreachable_server_names_its_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = ModerationClient(AppServerClient(url, broadcaster_key=HOST_KEY))
    try:
        with pytest.raises(Unavailable) as exc:
            await client.room_settings()
    finally:
        await client.server.close()
    assert exc.value.status is None
    assert exc.value.message.startswith(f"cannot reach the app server at {url}: ")


async def test_a_server_without_the_routes_is_not_an_unknown_user() -> None:
    # An app server older than the moderation routes answers each of them "no such API" (404).
    old = FakeModeration()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", old.unknown)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    client = ModerationClient(AppServerClient(url, broadcaster_key=HOST_KEY))
    try:
        with pytest.raises(Unavailable) as exc:
            await client.act("ban", "viewer-bob")
    finally:
        await client.server.close()
        await runner.cleanup()
    assert exc.value.message == f"the app server at {url} has no moderation API (is it older?)"


async def test_delete_names_the_message_and_disconnect_the_user(served: Served) -> None:
    served.fake.messages["msg-of-bob1"] = "viewer-bob"
    client = served.host()
    async with client.server:
        record = await client.delete("msg-of-bob1", reason="ads")
        assert (record.action, record.target.user_id, record.reason) == (
            "delete",
            "viewer-bob",
            "ads",
        )
        record = await client.disconnect("viewer-bob", reason="cool off")
        assert (record.action, record.target.user_id, record.reason) == (
            "disconnect",
            "viewer-bob",
            "cool off",
        )
        with pytest.raises(NoSuchMessage) as gone:
            await client.delete("msg-unknown1")
        assert "no longer in the app server's history" in gone.value.message
        with pytest.raises(Refused) as wrong:
            await client.act(ModerationAction.DELETE, "viewer-bob")
        assert "names a message" in wrong.value.message


async def test_notes_offences_and_a_purge_as_the_fake_answers_them(served: Served) -> None:
    """The fake speaks the notes, offences and purge contract the real routes do
    (tests/server/wired/test_raid_client.py runs the client against those)."""
    served.fake.messages.update({"m1": "viewer-bob", "m2": "viewer-bob", "m3": "viewer-eve"})
    client = served.host()
    try:
        assert await client.user_notes("viewer-bob") == []
        note = await client.add_user_note("viewer-bob", "warned once")
        assert (note.text, note.author.display_name) == ("warned once", "Host")
        assert await client.user_notes("viewer-bob") == [note]
        with pytest.raises(Refused, match="empty"):
            await client.add_user_note("viewer-bob", "  ")
        with pytest.raises(NoSuchUser):
            await client.user_notes("nobody")
        record = await client.act(ModerationAction.BAN, "viewer-bob", purge_seconds=600)
        assert (record.purge_queued, record.purged) == (2, 2)
        assert served.fake.messages == {"m3": "viewer-eve"}
        user = await client.user("viewer-bob")
        assert user.offences is not None and (user.offences.manual, user.offences.automatic) == (
            1,
            0,
        )
    finally:
        await client.server.close()
    viewer = served.client(session="bob-session")
    try:
        with pytest.raises(NotPermitted, match="read the notes on this user"):
            await viewer.user_notes("viewer-eve")
    finally:
        await viewer.server.close()

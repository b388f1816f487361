"""Nobody passes for the broadcaster: a viewer may not take the broadcaster's display name
(whatever its case or width) nor call themselves "Broadcaster" or "Moderator"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.client.app_server import AppServerClient, AppServerError
from tui.server.boot.startup import start_local_stack

# Full-width letters: NFKC makes them the plain ones a reader takes them for.
WIDE_HOST = "\uff33\uff34\uff32\uff25\uff21\uff2d \uff28\uff2f\uff33\uff34"
WIDE_MODERATOR = "\uff4d\uff4f\uff44\uff45\uff52\uff41\uff54\uff4f\uff52"


async def refusal(url: str, name: str, session_key: str | None = None) -> AppServerError:
    async with AppServerClient(url, session_key=session_key) as viewer:
        with pytest.raises(AppServerError) as refused:
            await viewer.chat_token(name)
    assert refused.value.status == 400
    return refused.value


async def test_viewers_cannot_take_the_broadcasters_name(tmp_path: Path) -> None:
    async with (
        await start_local_stack(port=0, data_dir=tmp_path) as stack,
        AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
        AppServerClient(stack.url) as early,
    ):
        # Before the broadcaster joins, the name is free; the reserved ones never are.
        assert (await early.chat_token("Stream Host")).role == "viewer"
        await host.chat_token("Stream Host")
        for name in (
            "stream host",
            WIDE_HOST,
            "STREAM   HOST",
        ):
            refused = await refusal(stack.url, name)
            assert refused.message == (
                f"{name!r} is the broadcaster's name: a viewer may not use it, so that "
                "nobody can pass for the broadcaster; choose another"
            )
        for name in (
            "Moderator",
            "BROADCASTER",
            WIDE_MODERATOR,
        ):
            refused = await refusal(stack.url, name)
            assert "is reserved: it would make you look like the chat's staff" in refused.message

        # A viewer who had the name first keeps it across reconnects, but nobody may switch to it.
        assert (await early.chat_token("Stream Host")).display_name == "Stream Host"
        async with AppServerClient(stack.url) as other:
            grant = await other.chat_token("Sam")
            await refusal(stack.url, "stream host", session_key=grant.session_key)
            assert (await other.chat_token("Stream Hostess")).display_name == "Stream Hostess"


LOOK_ALIKES_OF_ALICE = [
    "Alice\u034f",  # COMBINING GRAPHEME JOINER
    "Alice\ufe0f",  # VARIATION SELECTOR-16
    "Alice\U000e0100",  # VARIATION SELECTOR-17
    "Ali\u17b4ce",  # KHMER VOWEL INHERENT AQ
    "\u115f\u115fAlice",  # HANGUL CHOSEONG FILLER
    "Alice\u2800",  # BRAILLE PATTERN BLANK
    "Alice\u3164",  # HANGUL FILLER
    "\u0410lice",  # CYRILLIC CAPITAL LETTER A
    "A\u0406ice",  # CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I, for l
    "ALICE",
]


async def test_the_configured_broadcaster_name_is_reserved_from_the_start(
    tmp_path: Path,
) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path, broadcaster_name="Alice") as s:
        # Nobody has a token yet, and still the name and its look-alikes are taken.
        refused = await refusal(s.url, "Alice")
        assert "is the broadcaster's name" in refused.message
        for name in LOOK_ALIKES_OF_ALICE:
            refused = await refusal(s.url, name)
            assert "is the broadcaster's name" in refused.message, name
        async with AppServerClient(s.url, broadcaster_key=s.broadcaster_key) as host:
            assert (await host.chat_token("Alice")).role == "broadcaster"


@pytest.mark.parametrize(
    "name", ["broad\u034fcaster", "MODERATOR\ufe0f", "m\u043ederator", "Room Keeper"]
)
async def test_reserved_names_are_compared_by_skeleton(tmp_path: Path, name: str) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path) as stack:
        refused = await refusal(stack.url, name)
        assert "is reserved: it would make you look like the chat's staff" in refused.message


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("[host] Alice", "would read like a badge such as [host]"),
        ("[mod] Bob", "would read like a badge"),
        ("\uff3bhost\uff3d Alice", "would read like a badge"),  # full-width brackets
        ("--", "starts like the chat's system lines"),
        ("!!", "starts like the chat's system lines"),
        ("-- Alice joined", "starts like the chat's system lines"),
        ("\u2014\u2014", "starts like the chat's system lines"),  # em dashes
    ],
)
async def test_names_that_imitate_a_badge_or_a_system_line_are_refused(
    tmp_path: Path, name: str, words: str
) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path) as stack:
        refused = await refusal(stack.url, name)
        assert words in refused.message


async def test_a_display_name_belongs_to_one_identity(tmp_path: Path) -> None:
    async with (
        await start_local_stack(port=0, data_dir=tmp_path) as stack,
        AppServerClient(stack.url) as first,
    ):
        alice = await first.chat_token("Alice")
        for name in ("Alice", *LOOK_ALIKES_OF_ALICE):
            refused = await refusal(stack.url, name)
            assert "is taken: someone else in this chat goes by that name" in refused.message
        # Its holder keeps it across reconnects and may change its case.
        assert (await first.chat_token("alice")).user_id == alice.user_id
        # Once she takes another name, "Alice" is free again.
        await first.chat_token("Alicia")
        async with AppServerClient(stack.url) as second:
            assert (await second.chat_token("Alice")).display_name == "Alice"

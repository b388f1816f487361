"""What a client sends reaches the local stack's log escaped, never raw.

The attack: a request path with `%1b%5d52;...%07` wrote the operator's clipboard (OSC 52),
`%1b%5b2J` wiped the screen and `%0a` forged log lines.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
import pytest

from tests.emulator.helpers import connect, new_room, token_for
from tui.emulator import Emulator

# What a terminal acts on: C0 and C1 controls, DEL, bidi controls, line separators.
RAW = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("tui.emulator")]


async def test_request_paths_are_logged_escaped(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tui.emulator")
    paths = [
        "/tags/%1b%5d52;c;UFdORUQ=%07/x",  # OSC 52: write the clipboard
        "/tags/%1b%5b2J%1b%5b3J",  # clear the screen and the scrollback
        "/tags/a%0dGET%20/forged%20200",  # a carriage return: a forged log line
        "/tags/%e2%80%ae-reversed",  # U+202E, bidi override
    ]
    async with aiohttp.ClientSession() as http:
        for path in paths:
            async with http.get(emulator.url + path) as response:
                assert response.status < 500
    logged = messages(caplog)
    assert len([m for m in logged if m.startswith("GET /tags/")]) == len(paths)
    assert [m for m in logged if RAW.search(m)] == []
    text = "\n".join(logged)
    assert "\\x1b]52;c;UFdORUQ=\\x07" in text
    assert "\\x1b[2J" in text and "a\\rGET /forged" in text and "\\u202e" in text


async def test_user_ids_are_logged_escaped(
    emulator: Emulator, chat: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tui.emulator")
    room = await new_room(chat)
    hostile = "\x1b]52;c;UFdORUQ=\x07mallory\nforged line"
    async with connect(emulator, await token_for(chat, room, hostile)) as sock:
        await sock.send(Action="SEND_MESSAGE", RequestId="r", Content="x")
        await sock.recv()
    logged = [m for m in messages(caplog) if "mallory" in m]
    assert logged and [m for m in logged if RAW.search(m)] == []
    assert "\\x1b]52;c;UFdORUQ=\\x07mallory\\nforged line" in logged[0]

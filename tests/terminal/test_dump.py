"""IVS_CHAT_TUI_SCROLLBACK_DUMP: on quitting, the app writes every message its scrollback
holds (what bench/bench_tty.py checks a slow link lost none of)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.app_helpers import ALICE, chat_message, conversation, show_conversation
from tui.app import ChatApp
from tui.terminal.dump import SCROLLBACK_DUMP_ENV


async def test_quitting_writes_the_scrollback(
    make_app: Callable[..., ChatApp], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "scrollback.jsonl"
    monkeypatch.setenv(SCROLLBACK_DUMP_ENV, str(target))
    app = make_app()
    flood = [chat_message(100 + n, ALICE, f"flood {n}") for n in range(300)]
    async with app.run_test(size=(120, 40)) as pilot:
        await show_conversation(app, pilot, *flood)
        await pilot.press("ctrl+q")
    dumped = [json.loads(line) for line in target.read_text().splitlines()]
    expected = [*conversation(), *flood]
    assert [d["id"] for d in dumped] == [m.id for m in expected]
    assert dumped[-1]["content"] == "flood 299"


async def test_without_the_variable_nothing_is_written(
    make_app: Callable[..., ChatApp], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SCROLLBACK_DUMP_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test() as pilot:
        await show_conversation(app, pilot)
        await pilot.press("ctrl+q")
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 (after the app, nothing runs)

"""`serve --database-url` / `IVS_CHAT_TUI_DATABASE_URL`: how the engine is chosen, and
what a user reads when the URL is wrong or the database cannot be reached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.ports import closed_port
from tui.server.settings import describe_settings_error, load_settings

ROOT = Path(__file__).parents[2]


def test_the_flag_and_the_variable_choose_postgres(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    none = tmp_path / "none.toml"
    none.write_text("")
    assert load_settings(none).database_url is None  # SQLite in the data dir
    monkeypatch.setenv("IVS_CHAT_TUI_DATABASE_URL", "postgresql://u@db/ivs")
    assert load_settings(none).database_url == "postgresql://u@db/ivs"
    given = load_settings(none, database_url="postgres://other/ivs")
    assert given.database_url == "postgres://other/ivs"  # the flag wins


def test_a_url_that_is_not_postgres_is_refused_in_words(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    none.write_text("")
    with pytest.raises(ValueError) as caught:
        load_settings(none, database_url="mysql://u@db/ivs")
    words = describe_settings_error(caught.value)
    assert "database-url" in words and "must be a PostgreSQL URL, postgresql://" in words


def _serve(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_serve_with_a_bad_url_says_so_and_exits_2(tmp_path: Path) -> None:
    done = _serve("--database-url", "sqlite:///x.db", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "must be a PostgreSQL URL" in done.stderr and "Traceback" not in done.stderr


def test_serve_with_an_unreachable_database_says_so_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql://ivs:s3cret-pw@127.0.0.1:{closed_port()}/ivs"
    done = _serve("--database-url", url, tmp_path=tmp_path)
    assert done.returncode == 1
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("ivs-chat-tui serve: cannot connect to postgresql://ivs@127.0.0.1:")
    assert "s3cret-pw" not in done.stderr and "Traceback" not in done.stderr


async def test_serve_local_on_postgres_keeps_its_state_there(
    postgres_url: str, tmp_path: Path
) -> None:
    """One instance with --local on Postgres: the state survives a restart with another
    data dir (it is in the database, not the directory)."""
    from tests.server.wired.helpers import local_server
    from tui.server.client import AppServerClient

    async with await local_server(tmp_path / "one", database_url=postgres_url) as first:
        async with AppServerClient(first.url) as viewer:
            grant = await viewer.chat_token("Alice")
        key = first.broadcaster_key
    async with await local_server(tmp_path / "two", database_url=postgres_url) as second:
        assert second.broadcaster_key == key  # kept in the database
        async with AppServerClient(second.url) as viewer:
            viewer.session_key = grant.session_key
            again = await viewer.chat_token("Alice")
        assert again.user_id == grant.user_id

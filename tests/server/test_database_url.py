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
            "tui.cli.main",
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
    from tui.client.app_server import AppServerClient

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


# --- the password never shows --------------------------------------------------------

SECRET = "DbS3cretPw"
"""In every URL below; no message may hold it, nor any form of it."""
BAD_URLS = {
    "a % not encoded": f"postgresql://ivs:{SECRET[:4]}%{SECRET[4:]}@127.0.0.1:5432/ivs",
    "an unclosed [": f"postgresql://ivs:{SECRET}@[::1/ivs",
    "a [ in the password": f"postgresql://ivs:{SECRET[:4]}[{SECRET[4:]}@127.0.0.1/ivs",
    "an @ not encoded": f"postgresql://ivs:{SECRET[:4]}@{SECRET[4:]}@127.0.0.1/ivs",
    "a / not encoded": f"postgresql://ivs:{SECRET[:4]}/{SECRET[4:]}@127.0.0.1/ivs",
    "a space": f"postgresql://ivs:{SECRET[:4]} {SECRET[4:]}@127.0.0.1/ivs",
    "a bad % in the query": f"postgresql://ivs@127.0.0.1/ivs?password={SECRET}%zz",
}


def _shows_no_secret(words: str) -> None:
    for part in (SECRET, SECRET[:4], SECRET[4:]):
        assert part not in words, words


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_a_url_the_driver_cannot_read_is_refused_without_its_password(
    url: str, tmp_path: Path
) -> None:
    none = tmp_path / "none.toml"
    none.write_text("")
    with pytest.raises(ValueError) as caught:
        load_settings(none, database_url=url)
    words = describe_settings_error(caught.value)
    assert words.startswith("invalid settings: database-url: cannot be read: ")
    _shows_no_secret(words)


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_the_drivers_words_about_a_bad_url_never_hold_its_password(url: str) -> None:
    # Past the settings (a caller that builds the target itself): the driver's words are
    # masked where the database is opened, and in every description of the URL.
    from tui.server.db import DatabaseTarget, DatabaseUnavailable

    target = DatabaseTarget(Path("unused"), url)
    with pytest.raises(DatabaseUnavailable) as caught:
        target.open_core()
    _shows_no_secret(str(caught.value))
    _shows_no_secret(target.describe())


def test_serve_with_a_percent_in_the_password_says_so_without_it(tmp_path: Path) -> None:
    done = _serve("--database-url", BAD_URLS["a % not encoded"], tmp_path=tmp_path)
    assert done.returncode == 2
    assert "percent-encode" in done.stderr and "Traceback" not in done.stderr
    _shows_no_secret(done.stdout + done.stderr)


def _with_password(url: str) -> str:
    # The test cluster trusts every local connection: a password is accepted, unused.
    return url.replace("postgresql://ivs@", f"postgresql://ivs:{SECRET}%21@", 1)


def test_the_banner_shows_no_password(postgres_url: str, tmp_path: Path) -> None:
    import os
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli.main", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, "IVS_CHAT_TUI_DATABASE_URL": _with_password(postgres_url)},
    )
    seen = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Ctrl-C stops the server."):
                break
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
    banner = "".join(seen)
    assert "  Data:            postgresql://ivs@127.0.0.1:" in banner, banner
    _shows_no_secret(banner + rest)


async def test_database_errors_in_the_log_show_no_password(
    postgres_server: object, postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The database goes away under a running server: the API's log lines about it (the
    # broken connection, then the failed reconnection) name it without the password.
    import logging

    from tests.postgres import PostgresServer
    from tests.server.wired.helpers import local_server
    from tui.client.app_server import AppServerClient, AppServerError

    assert isinstance(postgres_server, PostgresServer)
    url = _with_password(postgres_url)
    with caplog.at_level(logging.INFO):
        async with await local_server(tmp_path, database_url=url) as server:
            postgres_server.drop_database(postgres_url)
            async with AppServerClient(server.url) as viewer:
                for _ in range(2):
                    with pytest.raises(AppServerError) as refused:
                        await viewer.chat_token("Alice")
                    assert refused.value.status == 503
    assert "cannot connect to postgresql://ivs@127.0.0.1:" in caplog.text
    _shows_no_secret(caplog.text)

"""A data dir, key or secret file that another user owns or may write is refused, as ssh
refuses such keys; one that others may only read is tightened to 0600 with a warning.
Where the tests run as root (CI does), the other user is the real `nobody`."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.server.boot.broadcaster_key import BROADCASTER_KEY_FILE
from tui.server.boot.custody import (
    UnsafeCustody,
    check_custody,
    kept_secret,
    new_key,
)
from tui.server.boot.startup import StartupError, start_local_stack
from tui.server.db.engine import Database

AS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="only root can act as another user")
PLANTED = "AttackerKnownKey1"


def _nobody() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("this machine has no user 'nobody'")


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory like /tmp (world-writable, sticky) that `nobody` can reach: pytest's
    own tmp_path is private to the user running the tests."""
    path = Path(tempfile.mkdtemp(prefix="custody-", dir="/tmp"))
    os.chmod(path, 0o1777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _plant_as_nobody(data: Path, dir_mode: str, key_mode: str) -> None:
    """As `nobody` (a shell: the tests' Python may sit where they cannot reach): a data
    dir holding a broadcaster key they know."""
    key = data / BROADCASTER_KEY_FILE
    script = (
        f'mkdir "$1" && chmod {dir_mode} "$1" && printf "%s\\n" "$3" > "$2" '
        f'&& chmod {key_mode} "$2"'
    )
    subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(data), str(key), PLANTED],
        user=_nobody().pw_uid,
        check=True,
        timeout=60,
    )


@needs_root
async def test_a_data_dir_planted_by_another_user_is_refused(shared_tmp: Path) -> None:
    # `nobody` makes a world-writable data dir holding a key they know, as the probe did.
    evil = shared_tmp / "evil"
    _plant_as_nobody(evil, "777", "644")
    with pytest.raises(StartupError) as refused:
        await start_local_stack(port=0, data_dir=evil)
    words = str(refused.value)
    assert words.startswith(f"refusing the data dir {evil}: it is owned by nobody")
    assert PLANTED not in words
    assert stat.S_IMODE((evil / BROADCASTER_KEY_FILE).stat().st_mode) == 0o644  # untouched


@needs_root
def test_serve_says_why_it_refuses_and_shows_no_planted_key(shared_tmp: Path) -> None:
    evil = shared_tmp / "evil"
    _plant_as_nobody(evil, "777", "644")
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "serve", "--port", "0", "--data-dir", str(evil)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[3],
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"ivs-chat-tui serve: refusing the data dir {evil}: ")
    assert "owned by nobody" in done.stderr and "Traceback" not in done.stderr
    assert PLANTED not in done.stdout + done.stderr


@needs_root
async def test_a_key_file_another_user_owns_is_refused_in_a_private_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    key = data / BROADCASTER_KEY_FILE
    key.write_text(PLANTED + "\n")
    key.chmod(0o600)
    os.chown(key, _nobody().pw_uid, -1)
    with pytest.raises(StartupError, match=r"refusing the broadcaster key .*owned by nobody"):
        await start_local_stack(port=0, data_dir=data)


@needs_root
def test_a_database_file_another_user_owns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    path.touch(mode=0o600)
    os.chown(path, _nobody().pw_uid, -1)
    with pytest.raises(UnsafeCustody, match=r"refusing the database file .*owned by nobody"):
        Database.open_sqlite(path)


@needs_root
def test_a_key_file_its_group_may_write_is_refused(tmp_path: Path) -> None:
    key = tmp_path / BROADCASTER_KEY_FILE
    key.write_text(PLANTED)
    key.chmod(0o660)
    os.chown(key, -1, _nobody().pw_gid)  # a group that is not root's own
    with pytest.raises(UnsafeCustody, match="its group may write it"):
        kept_secret(key, "the broadcaster key", new_key)


async def test_a_data_dir_every_user_may_write_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)
    with pytest.raises(StartupError) as refused:
        await start_local_stack(port=0, data_dir=data)
    assert str(refused.value) == (
        f"refusing the data dir {data}: every user may write it (mode 0777), so another "
        f"user may have changed it; if it is yours, make it private (chmod 700 {data}), "
        "else remove it"
    )


async def test_a_data_dir_under_a_directory_others_may_write_is_refused(tmp_path: Path) -> None:
    # They could rename it away and put their own in its place; /tmp's sticky bit
    # forbids that, so a data dir under a sticky directory is fine.
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    with pytest.raises(StartupError, match=rf"every user may write the directory {open_dir} "):
        await start_local_stack(port=0, data_dir=open_dir / "data")
    open_dir.chmod(0o1777)
    async with await start_local_stack(port=0, data_dir=open_dir / "data") as server:
        assert server.broadcaster_key


def test_a_key_file_others_may_write_is_refused(tmp_path: Path) -> None:
    key = tmp_path / BROADCASTER_KEY_FILE
    key.write_text(PLANTED)
    key.chmod(0o602)
    with pytest.raises(UnsafeCustody, match=r"every user may write it \(mode 0602\)"):
        kept_secret(key, "the broadcaster key", new_key)
    assert key.read_text() == PLANTED


async def test_a_key_file_others_may_read_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    key = data / BROADCASTER_KEY_FILE
    key.write_text("TheOwnersOwnKey123456\n")
    key.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="tui.server.boot.custody"):
        async with await start_local_stack(port=0, data_dir=data) as server:
            assert server.broadcaster_key == "TheOwnersOwnKey123456"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert f"the broadcaster key {key} could be read by other users (mode 0644): now 0600" in (
        caplog.text
    )


def test_a_private_file_passes_untouched(tmp_path: Path) -> None:
    key = tmp_path / "review.secret"
    assert kept_secret(key, "the review secret", lambda: "made-here") == "made-here"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    check_custody(key, "the review secret")
    assert kept_secret(key, "the review secret", lambda: "not-used") == "made-here"

"""The review secret's custody: kept as the broadcaster key is (a 0600 file in the data
dir, or the shared database), the same on every start and every instance, and where
the `serve --aws` banner says to read it."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.server.serve_process import start_serve
from tui.emulator import Emulator, EmulatorConfig
from tui.server.db import DatabaseTarget
from tui.server.review.secret import (
    REVIEW_SECRET_FILE,
    REVIEW_SECRET_MIN,
    kept_review_secret,
    shared_review_secret,
)
from tui.server.store import Store


def test_kept_in_a_private_file_and_reused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secret = kept_review_secret(data)
    assert len(secret) >= REVIEW_SECRET_MIN
    path = data / REVIEW_SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert kept_review_secret(data) == secret  # a restart keeps it
    path.write_text("short\n")  # too short to trust: a new one
    assert kept_review_secret(data) not in (secret, "short")


def test_shared_by_every_instance_on_one_database(where: DatabaseTarget) -> None:
    first, second = Store(where.open_core()), Store(where.open_core())
    try:
        assert shared_review_secret(first.db) == shared_review_secret(second.db)
    finally:
        first.close()
        second.close()


async def test_the_aws_banner_says_where_it_is(tmp_path: Path) -> None:
    async with Emulator(EmulatorConfig()) as emu:
        server = await start_serve(emu.url, tmp_path, None, {})
        try:
            assert server.banner["Review secret"] == f"in {tmp_path / REVIEW_SECRET_FILE}"
        finally:
            await server.stop()
    assert len((tmp_path / REVIEW_SECRET_FILE).read_text().strip()) >= REVIEW_SECRET_MIN

"""A throwaway PostgreSQL server for the tests and benchmarks: initdb in a temporary
directory, pg_ctl start on a free loopback port with its unix socket in that directory,
and a fresh database per test made from a template (CREATE DATABASE ... TEMPLATE is a
file copy: milliseconds).

Postgres refuses to run as root, and CI runs as root: then initdb and pg_ctl run as the
`postgres` user (`runuser -u postgres --`) in a directory that user owns. Without the
binaries, `PostgresUnavailable` says why; the fixture skips on a developer's machine and
fails in CI (`CI` set), where a skip would hide that half the store tests never ran.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_LIB = Path("/usr/lib/postgresql")
"""Debian's `postgresql` package puts each version's server binaries in PG_LIB/N/bin."""
SUPERUSER = "ivs"
TEMPLATE = "ivs_template"


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries here, or the server would not start; says which."""


def pg_bin() -> Path:
    """The directory holding initdb and pg_ctl."""
    given = os.environ.get("PG_BIN")
    versions = [d for d in PG_LIB.glob("*/bin") if d.parent.name.isdigit()]
    debian = sorted(versions, key=lambda d: int(d.parent.name), reverse=True)
    for candidate in [Path(given)] if given else debian:
        if (candidate / "initdb").is_file():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl): install Debian's `postgresql` "
        "package, or set PG_BIN to their directory"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One running cluster; `new_database()` gives the URL of a fresh, empty database."""

    def __init__(self, root: Path, port: int, as_user: str | None) -> None:
        self.root = root
        self.port = port
        self._as_user = as_user
        self._names = itertools.count(1)

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        command = [*(["runuser", "-u", self._as_user, "--"] if self._as_user else []), *argv]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(argv[0]).name} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-2000:]}"
            )

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def new_database(self) -> str:
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A cluster for the length of the block, deleted afterwards. Not `durable` (tests):
    no fsync, commits do not wait for the disk. `durable` (benchmarks): Postgres's
    defaults, as a deployment runs it."""
    bindir = pg_bin()
    as_user: str | None = None
    if os.geteuid() == 0:
        as_user = "postgres"
        try:
            pwd.getpwnam(as_user)
        except KeyError:
            raise PostgresUnavailable(
                "running as root, and there is no `postgres` user to run the server as "
                "(Postgres refuses root)"
            ) from None
    root = Path(tempfile.mkdtemp(prefix="ivs-pg-"))
    try:
        if as_user:
            shutil.chown(root, as_user)
        root.chmod(0o700)
        server = PostgresServer(root, _free_port(), as_user)
        data = root / "data"
        server._run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        server._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        try:
            server.sql(f"CREATE DATABASE {TEMPLATE}")
            yield server
        finally:
            server._run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)

"""Storage for identities and stage invites: server.sqlite3 in the data dir (the default),
or the Postgres database several instances share (`tui.server.db`). The tables and their
migrations are `tui/server/db/core_schema.py`'s.

Secrets a client presents (session keys, one-time link codes) are stored only as SHA-256
hashes: they are 256-bit random values, so a plain hash is enough and a leaked database
file does not let anyone act as a viewer. The participant token itself is handed out on
redeem and on the stage page, so it is stored as is until its link has been used or its
invite is revoked or expired, then blanked (it is looked up by hash). The data dir is
created private (0700) and the database files are 0600 whatever the directory's mode.

Calls are synchronous and run on the event loop (in the demo, the TUI's); on Postgres each
is one loopback round trip (tui/server/db/engine.py has the figure). On SQLite each is one
short transaction on a WAL-mode file with synchronous=NORMAL, which does not fsync on
commit (the README's Benchmarks notes have the figures). What did block, longer on a slow
disk, was SQLite's automatic checkpoint (it fsyncs) running inside whichever write crossed
1000 WAL pages. So automatic checkpoints are off, and `checkpoint()`
copies the WAL into the database from a worker thread (the app server calls it every few
seconds when something changed, and closing checkpoints once more).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.common.roles import Role
from tui.server.db import DB_ERRORS, Database, core_schema, migrate
from tui.server.db.where import CORE_FILE_NAME
from tui.server.hashing import secret_hash

log = logging.getLogger("tui.server")

DB_FILE_NAME = CORE_FILE_NAME


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    user_id: str
    display_name: str
    role: Role
    created_at: float
    token_issued_at: float | None


@dataclass(frozen=True, slots=True)
class InviteRecord:
    invite_id: str
    user_id: str
    stage_arn: str
    stage_name: str
    broadcast_type: str
    participant_id: str
    participant_token: str
    created_at: float
    expires_at: float
    revoked_at: float | None = None
    redeemed_at: float | None = None
    code_expires_at: float | None = None
    code_used_at: float | None = None

    def usable(self, now: float) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and now < self.expires_at


_INVITE_COLUMNS = (
    "invite_id, user_id, stage_arn, stage_name, broadcast_type, participant_id, "
    "participant_token, created_at, expires_at, revoked_at, redeemed_at, code_expires_at, "
    "code_used_at"
)
_IDENTITY_COLUMNS = "user_id, display_name, role, created_at, token_issued_at"


def _identity(row: Sequence[Any]) -> IdentityRecord:
    user_id, display_name, role, created_at, token_issued_at = row
    return IdentityRecord(user_id, display_name, Role(role), created_at, token_issued_at)


class Store:
    def __init__(self, where: Path | Database) -> None:
        """`where`: a data dir (server.sqlite3 in it) or an open `Database` (Postgres)."""
        self._db = (
            where if isinstance(where, Database) else Database.open_sqlite(where / DB_FILE_NAME)
        )
        self.path: Path | None = self._db.path
        """The SQLite file; None on Postgres."""
        migrate(self._db, core_schema.COMPONENT, core_schema.STEPS)

    def close(self) -> None:
        self._db.close()  # the last connection to close checkpoints the WAL

    @property
    def db(self) -> Database:
        return self._db

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and fsync it, here and now (blocking).
        Nothing to do on Postgres."""
        self._db.checkpoint()

    async def keep_checkpointing(self, every: float) -> None:
        """Every `every` seconds, if something was written, checkpoint in a worker thread.
        Runs until cancelled. The worker has its own connection, and a PASSIVE checkpoint
        never waits for the loop's transactions, so the store stays usable meanwhile.
        On Postgres there is nothing to checkpoint, and this returns at once."""
        if self.path is None:
            return
        while True:
            await asyncio.sleep(every)
            try:
                await self._db.checkpoint_if_written()
            except (*DB_ERRORS, OSError) as exc:  # the WAL keeps it; try again later
                log.warning("store checkpoint failed: %s", exc)

    # --- meta ------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- identities ------------------------------------------------------------------

    def add_identity(
        self,
        user_id: str,
        session_key: str,
        display_name: str,
        role: Role,
        now: float,
        looks: tuple[str, str] = ("", ""),
    ) -> IdentityRecord:
        """`looks`: the name's `names.name_key` and `names.name_shape`."""
        self._db.execute(
            "INSERT INTO identities (user_id, session_key_hash, display_name, role,"
            " created_at, name_key, name_shape) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, secret_hash(session_key), display_name, role, now, *looks),
        )
        return IdentityRecord(user_id, display_name, role, now, None)

    def forget_identity(self, user_id: str) -> None:
        """An identity made for a chat token that was never handed out: its name is free
        again (nobody holds its session key)."""
        self._db.execute("DELETE FROM identities WHERE user_id = ?", (user_id,))

    def identity(self, user_id: str) -> IdentityRecord | None:
        return self._identity_where("user_id", user_id)

    def identity_by_session_key(self, session_key: str) -> IdentityRecord | None:
        return self._identity_where("session_key_hash", secret_hash(session_key))

    def _identity_where(self, column: str, value: str) -> IdentityRecord | None:
        # `column` is always one of this class's literals, never outside input.
        row = self._db.execute(
            f"SELECT {_IDENTITY_COLUMNS} FROM identities WHERE {column} = ?", (value,)
        ).fetchone()
        return None if row is None else _identity(row)

    def set_session_key(self, user_id: str, session_key: str) -> None:
        self._db.execute(
            "UPDATE identities SET session_key_hash = ? WHERE user_id = ?",
            (secret_hash(session_key), user_id),
        )

    def token_issued(
        self, user_id: str, display_name: str, now: float, looks: tuple[str, str] = ("", "")
    ) -> None:
        self._db.execute(
            "UPDATE identities SET display_name = ?, name_key = ?, name_shape = ?,"
            " token_issued_at = ? WHERE user_id = ?",
            (display_name, *looks, now, user_id),
        )

    def name_holder(
        self, looks: tuple[str, str], other_than: str | None = None
    ) -> IdentityRecord | None:
        """The identity (the earliest, if several) other than `other_than` whose name
        has this `names.name_key` or this `names.name_shape`."""
        row = self._db.execute(
            f"SELECT {_IDENTITY_COLUMNS} FROM identities"
            " WHERE (name_key = ? OR name_shape = ?) AND user_id != ?"
            " ORDER BY created_at LIMIT 1",
            (*looks, other_than or ""),
        ).fetchone()
        return None if row is None else _identity(row)

    # --- invites ---------------------------------------------------------------------

    def add_invite(self, invite: InviteRecord) -> None:
        self._db.execute(
            f"INSERT INTO invites ({_INVITE_COLUMNS}, participant_token_hash)"
            f" VALUES ({', '.join('?' * 14)})",
            (
                invite.invite_id,
                invite.user_id,
                invite.stage_arn,
                invite.stage_name,
                invite.broadcast_type,
                invite.participant_id,
                invite.participant_token,
                invite.created_at,
                invite.expires_at,
                invite.revoked_at,
                invite.redeemed_at,
                invite.code_expires_at,
                invite.code_used_at,
                secret_hash(invite.participant_token),
            ),
        )
        self._issued(invite.participant_id, invite.invite_id, invite.user_id)

    def _issued(self, participant_id: str, invite_id: str, user_id: str) -> None:
        self._db.execute(
            "INSERT INTO issued_participants (participant_id, invite_id, user_id, seq)"
            " SELECT ?, ?, ?, COALESCE(max(seq), 0) + 1 FROM issued_participants WHERE true"
            " ON CONFLICT (participant_id) DO NOTHING",
            (participant_id, invite_id, user_id),
        )

    def new_participant(self, invite_id: str, participant_id: str, token: str) -> None:
        """The invite's participant is now this one (a fresh token after the last was
        used and dropped); the earlier stays on record for a revoke to disconnect."""
        self._db.execute(
            "UPDATE invites SET participant_id = ?, participant_token = ?,"
            " participant_token_hash = ? WHERE invite_id = ?",
            (participant_id, token, secret_hash(token), invite_id),
        )
        row = self._db.execute(
            "SELECT user_id FROM invites WHERE invite_id = ?", (invite_id,)
        ).fetchone()
        if row is not None:
            self._issued(participant_id, invite_id, str(row[0]))

    def participant_ids_of(self, user_id: str) -> list[str]:
        """Every participant id ever issued to the user, oldest first."""
        rows = self._db.execute(
            "SELECT participant_id FROM issued_participants WHERE user_id = ?"
            " ORDER BY seq, participant_id",
            (user_id,),
        ).fetchall()
        ids = [str(row[0]) for row in rows]
        # Invites from before this table was kept.
        for invite in self.invites_of(user_id):
            if invite.participant_id not in ids:
                ids.append(invite.participant_id)
        return ids

    def invite(self, invite_id: str) -> InviteRecord | None:
        return self._invite_where("invite_id", invite_id)

    def invite_by_code(self, code: str) -> InviteRecord | None:
        return self._invite_where("code_hash", secret_hash(code))

    def invite_by_participant_token(self, token: str) -> InviteRecord | None:
        return self._invite_where("participant_token_hash", secret_hash(token))

    def _invite_where(self, column: str, value: str) -> InviteRecord | None:
        # `column` is always one of this class's literals, never outside input.
        row = self._db.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites WHERE {column} = ?", (value,)
        ).fetchone()
        return None if row is None else InviteRecord(*row)

    def invites_of(self, user_id: str) -> list[InviteRecord]:
        rows = self._db.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites WHERE user_id = ? ORDER BY created_at",
            (user_id,),
        ).fetchall()
        return [InviteRecord(*row) for row in rows]

    def live_invites(self, stage_arn: str, now: float) -> list[InviteRecord]:
        """The invites to `stage_arn` that are neither revoked nor expired."""
        rows = self._db.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites WHERE stage_arn = ? AND revoked_at IS NULL"
            " AND expires_at > ? ORDER BY created_at",
            (stage_arn, now),
        ).fetchall()
        return [InviteRecord(*row) for row in rows]

    def set_code(self, invite_id: str, code: str, expires_at: float, now: float) -> None:
        """A new one-time link code for the invite; any earlier code stops working."""
        self._db.execute(
            "UPDATE invites SET code_hash = ?, code_expires_at = ?, code_used_at = NULL, "
            "redeemed_at = COALESCE(redeemed_at, ?) WHERE invite_id = ?",
            (secret_hash(code), expires_at, now, invite_id),
        )

    def use_code(self, code: str, now: float) -> bool:
        """Mark the code used, and drop the participant token: it has been handed out
        twice (redeem, then the stage page) and is found by its hash from now on; a
        later redeem gets a new one. False if the code was already used (or is
        unknown)."""
        cur = self._db.execute(
            "UPDATE invites SET code_used_at = ?, participant_token = ''"
            " WHERE code_hash = ? AND code_used_at IS NULL",
            (now, secret_hash(code)),
        )
        return cur.rowcount == 1

    def revoke(self, invite_id: str, now: float) -> None:
        self._db.execute(
            "UPDATE invites SET revoked_at = ? WHERE invite_id = ? AND revoked_at IS NULL",
            (now, invite_id),
        )

    def forget_participant_tokens(
        self, user_id: str | None = None, now: float | None = None
    ) -> int:
        """Drop the participant tokens nobody may use any more: the user's revoked
        invites' (all users' with None), and, given `now`, those of expired invites. The
        row stays (its participant id is what a revoke disconnects); how many went."""
        where = "participant_token != '' AND (revoked_at IS NOT NULL"
        params: list[object] = []
        if now is not None:
            where += " OR expires_at <= ?"
            params.append(now)
        where += ")"
        if user_id is not None:
            where += " AND user_id = ?"
            params.append(user_id)
        cur = self._db.execute(f"UPDATE invites SET participant_token = '' WHERE {where}", params)
        return cur.rowcount

    def revoke_all(self, user_id: str, now: float) -> int:
        """Revoke every invite of the user that is not revoked yet; how many were."""
        cur = self._db.execute(
            "UPDATE invites SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            (now, user_id),
        )
        return cur.rowcount

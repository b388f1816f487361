"""The core tables (identities, invites, moderation, what start-up keeps): the numbered
steps `tui.server.db.migrations.migrate` applies. Never edit a step that has shipped;
add one.

Steps 1 to 4 are the schema as it grew before `schema_migrations` existed, written so
that a SQLite file of any earlier version passes them unharmed: IF NOT EXISTS, and a
column added only where it is missing.
"""

from __future__ import annotations

from tui.server.db.engine import Database
from tui.server.db.migrations import SchemaTooNew, Step, add_column
from tui.server.hashing import secret_hash

COMPONENT = "core"

_IDENTITIES_AND_INVITES = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS identities (
    user_id TEXT PRIMARY KEY,
    session_key_hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('broadcaster', 'viewer')),
    created_at DOUBLE PRECISION NOT NULL,
    token_issued_at DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS invites (
    invite_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES identities (user_id),
    stage_arn TEXT NOT NULL,
    stage_name TEXT NOT NULL,
    broadcast_type TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    participant_token TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION,
    redeemed_at DOUBLE PRECISION,
    code_hash TEXT UNIQUE,
    code_expires_at DOUBLE PRECISION,
    code_used_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS invites_by_user ON invites (user_id);
CREATE TABLE IF NOT EXISTS issued_participants (
    participant_id TEXT PRIMARY KEY,
    invite_id TEXT NOT NULL REFERENCES invites (invite_id),
    user_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS issued_by_user ON issued_participants (user_id);
"""


def _token_hashes(db: Database) -> None:
    """Participant tokens are found by their hash, so the token itself can be dropped
    once nobody needs it (`Store.forget_participant_tokens`)."""
    if add_column(db, "invites", "participant_token_hash", "TEXT"):
        rows = db.execute("SELECT invite_id, participant_token FROM invites").fetchall()
        for invite_id, token in rows:
            db.execute(
                "UPDATE invites SET participant_token_hash = ? WHERE invite_id = ?",
                (secret_hash(token) if token else None, invite_id),
            )
    db.execute(
        "CREATE INDEX IF NOT EXISTS invites_by_token_hash ON invites (participant_token_hash)"
    )


def _name_keys(db: Database) -> None:
    """Each identity's `name_key` and `name_shape` (`tui.server.names`), so a name can be
    found taken."""
    from tui.server.names import name_key, name_shape

    if add_column(db, "identities", "name_key", "TEXT"):
        add_column(db, "identities", "name_shape", "TEXT")
        rows = db.execute("SELECT user_id, display_name FROM identities").fetchall()
        for user_id, display_name in rows:
            db.execute(
                "UPDATE identities SET name_key = ?, name_shape = ? WHERE user_id = ?",
                (name_key(display_name), name_shape(display_name), user_id),
            )
    db.execute("CREATE INDEX IF NOT EXISTS identities_by_key ON identities (name_key)")
    db.execute("CREATE INDEX IF NOT EXISTS identities_by_shape ON identities (name_shape)")


_MODERATION = """
CREATE TABLE IF NOT EXISTS moderation_log (
    id {auto_id},
    at DOUBLE PRECISION NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    automatic INTEGER NOT NULL,
    action TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_name TEXT NOT NULL,
    reason TEXT,
    duration_seconds INTEGER,
    expires_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS moderation_log_by_target ON moderation_log (target_id, id);
CREATE TABLE IF NOT EXISTS moderation_state (
    user_id TEXT PRIMARY KEY,
    role TEXT NOT NULL DEFAULT 'viewer'
        CHECK (role IN ('broadcaster', 'moderator', 'viewer')),
    banned_until DOUBLE PRECISION,
    ban_reason TEXT,
    timed_out_until DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS moderation_addresses (
    user_id TEXT NOT NULL,
    address TEXT NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, address)
);
CREATE TABLE IF NOT EXISTS moderation_banned_addresses (
    address TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    banned_until DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS moderation_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"""


def _retire_moderation_schema(db: Database) -> None:
    """The moderation tables kept their own version (`moderation_schema`, 1) before
    `schema_migrations`; one past 1 is a newer server's."""
    if not db.has_table("moderation_schema"):
        return
    row = db.execute("SELECT max(version) FROM moderation_schema").fetchone()
    if row is not None and row[0] is not None and int(row[0]) > 1:
        raise SchemaTooNew(
            f"the moderation tables in {db.describe()} are at version {row[0]}, newer than "
            "this server's: run a newer ivs-chat-tui"
        )
    db.execute("DROP TABLE moderation_schema")


def _issue_order(db: Database) -> None:
    """Participant ids are listed oldest first by `seq` (SQLite's rowid did it before; a
    Postgres table has none)."""
    if add_column(db, "issued_participants", "seq", "BIGINT") and db.dialect == "sqlite":
        db.execute("UPDATE issued_participants SET seq = rowid")


_SHARED = """
CREATE TABLE IF NOT EXISTS moderation_offences (
    message_id TEXT PRIMARY KEY,
    claimed_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS moderation_offences_by_time ON moderation_offences (claimed_at);
CREATE TABLE IF NOT EXISTS kept_resources (
    region TEXT NOT NULL,
    endpoint_url TEXT NOT NULL,
    room_arn TEXT NOT NULL,
    stage_arn TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (region, endpoint_url)
)
"""
# moderation_offences: the room keeper's claim on one offending message, so that of
# several instances watching the room only one acts on it (`ModerationStore.claim`).
# kept_resources: the room and stage `--create` made, per region and endpoint ('' for
# AWS itself), when the database is shared (`tui.server.boot.created_resources`).

# Whether a ban also banned the addresses the user was seen from: the log says so.
_BAN_ADDRESS_IN_LOG = "ALTER TABLE moderation_log ADD COLUMN ban_address INTEGER NOT NULL DEFAULT 0"

STEPS: tuple[Step, ...] = (
    Step("identities and invites", _IDENTITIES_AND_INVITES),
    Step("participant token hashes", run=_token_hashes),
    Step("name keys", run=_name_keys),
    Step("moderation", _MODERATION, run=_retire_moderation_schema),
    Step("several instances", _SHARED, run=_issue_order),
    Step("address bans in the log", _BAN_ADDRESS_IN_LOG),
)

"""The identity and invite store on both engines (`where`: SQLite in a data dir, or a
fresh Postgres database): identities by session key, invites by code and participant
token, and one-time codes that stay one-time when two servers share the database."""

from __future__ import annotations

from tui.common.roles import Role
from tui.server.db import DatabaseTarget
from tui.server.store import InviteRecord, Store

NOW = 1_800_000_000.0


def invite(invite_id: str = "inv-1", user_id: str = "viewer-bob") -> InviteRecord:
    return InviteRecord(
        invite_id=invite_id,
        user_id=user_id,
        stage_arn="arn:aws:ivs:us-east-1:123456789012:stage/abc",
        stage_name="stage",
        broadcast_type="camera",
        participant_id=f"part-{invite_id}",
        participant_token=f"token-{invite_id}",
        created_at=NOW,
        expires_at=NOW + 600,
    )


def test_identities_are_found_by_session_key_and_survive_a_restart(
    where: DatabaseTarget,
) -> None:
    store = Store(where.open_core())
    store.add_identity("viewer-bob", "bob-key", "Bob", Role.VIEWER, NOW, ("bob", "b0b"))
    store.token_issued("viewer-bob", "Bobby", NOW + 1, ("bobby", "b0bby"))
    store.close()
    again = Store(where.open_core())
    found = again.identity_by_session_key("bob-key")
    assert found is not None and found.user_id == "viewer-bob"
    assert found.display_name == "Bobby" and found.token_issued_at == NOW + 1
    assert again.identity_by_session_key("wrong-key") is None
    assert again.name_holder(("bobby", "x")) == found
    assert again.name_holder(("bobby", "x"), other_than="viewer-bob") is None
    again.set_session_key("viewer-bob", "new-key")
    assert again.identity_by_session_key("bob-key") is None
    assert again.identity_by_session_key("new-key") == found
    again.close()


def test_the_session_key_is_stored_only_as_a_hash(where: DatabaseTarget) -> None:
    store = Store(where.open_core())
    store.add_identity("viewer-bob", "bob-secret-key", "Bob", Role.VIEWER, NOW)
    rows = store.db.execute("SELECT session_key_hash FROM identities").fetchall()
    assert [len(row[0]) for row in rows] == [64] and "bob-secret-key" not in str(rows)
    store.close()


def test_an_invites_code_and_token_find_it(where: DatabaseTarget) -> None:
    store = Store(where.open_core())
    store.add_identity("viewer-bob", "bob-key", "Bob", Role.VIEWER, NOW)
    store.add_invite(invite())
    store.set_code("inv-1", "code-1", NOW + 300, NOW)
    assert store.invite_by_code("code-1") == store.invite("inv-1")
    assert store.invite_by_participant_token("token-inv-1") == store.invite("inv-1")
    assert [i.invite_id for i in store.live_invites(invite().stage_arn, NOW)] == ["inv-1"]
    assert store.live_invites(invite().stage_arn, NOW + 600) == []  # expired
    store.new_participant("inv-1", "part-2", "token-2")
    assert store.participant_ids_of("viewer-bob") == ["part-inv-1", "part-2"]
    assert store.revoke_all("viewer-bob", NOW) == 1
    assert store.forget_participant_tokens("viewer-bob") == 1
    revoked = store.invite("inv-1")
    assert revoked is not None and revoked.participant_token == "" and not revoked.usable(NOW)
    store.close()


def test_a_one_time_code_is_one_time_across_two_servers(where: DatabaseTarget) -> None:
    """Two stores on the same database (two instances): the code redeems once, whichever
    instance the second try reaches."""
    a, b = Store(where.open_core()), Store(where.open_core())
    a.add_identity("viewer-bob", "bob-key", "Bob", Role.VIEWER, NOW)
    a.add_invite(invite())
    a.set_code("inv-1", "code-1", NOW + 300, NOW)
    found = b.invite_by_code("code-1")
    assert found is not None and found.participant_token == "token-inv-1"
    assert b.use_code("code-1", NOW + 1) is True
    assert a.use_code("code-1", NOW + 2) is False
    assert b.use_code("code-1", NOW + 3) is False
    used = a.invite("inv-1")
    assert used is not None and used.code_used_at == NOW + 1 and used.participant_token == ""
    assert a.invite_by_participant_token("token-inv-1") == used  # still found by its hash
    a.close()
    b.close()


def test_meta_is_shared(where: DatabaseTarget) -> None:
    a, b = Store(where.open_core()), Store(where.open_core())
    a.set_meta("k", "one")
    assert b.get_meta("k") == "one"
    b.set_meta("k", "two")
    assert a.get_meta("k") == "two" and a.get_meta("missing") is None
    a.close()
    b.close()

"""The chat screen's moderation model on its own: what it says when a notice, a deletion
or a disconnect arrives, what waits for a notice and for how long, who is timed out or
gone. No Textual, no clock: times are given."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tui.chat.moderation_state import ModerationState, Viewer, banned_by, notice_words
from tui.ivs.moderation_notice import ModerationNotice

T0 = datetime(2026, 11, 27, 21, 5, tzinfo=UTC)
HOST = Viewer("u-host", moderator=True)
MIA = Viewer("u-mia", moderator=True)
BOB = Viewer("u-bob", moderator=False)


def notice(action: str, target: Viewer = BOB, **fields: object) -> ModerationNotice:
    base: dict[str, object] = {
        "action": action,
        "record_id": 1,
        "actor_id": HOST.user_id,
        "actor_name": "Host",
        "target_id": target.user_id,
        "target_name": "Bob" if target is BOB else "Mia",
    }
    return ModerationNotice(**(base | fields))


def test_a_notice_is_said_to_other_moderators_and_to_its_target_only() -> None:
    timeout = notice("timeout", duration_seconds=600, reason="caps")
    assert ModerationState().noticed(timeout, MIA) == "Host timed out Bob for 10 min: caps"
    assert ModerationState().noticed(timeout, BOB) == "Host timed out you for 10 min: caps"
    assert ModerationState().noticed(timeout, HOST) is None  # the actor's action said it
    carol = Viewer("u-carol", moderator=False)
    assert ModerationState().noticed(timeout, carol) is None  # viewers see no notices


def test_the_words_of_a_notice() -> None:
    assert notice_words(notice("mod"), MIA.user_id) == "Host made Bob a moderator"
    assert notice_words(notice("unmod"), BOB.user_id) == "Host removed you as moderator"
    keeper = notice("ban", actor_name="", actor_id="room-keeper", automatic=True)
    assert notice_words(keeper, MIA.user_id) == "room-keeper (automatic) banned Bob"
    assert notice_words(notice("shout"), MIA.user_id) == "Host shout Bob"  # unknown: as sent
    assert banned_by(keeper) == "room-keeper (automatic)"


def test_timeouts_are_known_until_they_end() -> None:
    state = ModerationState()
    state.noticed(notice("timeout", expires_at=T0 + timedelta(minutes=10)), MIA)
    assert state.timed_out(T0) == {BOB.user_id}
    assert state.timed_out(T0 + timedelta(minutes=10)) == set()  # over by its own time
    state.noticed(notice("untimeout"), MIA)
    assert state.timed_out(T0) == set()
    state.timeout_set(BOB.user_id, None)  # no end known: timed out until told otherwise
    assert state.timed_out(T0 + timedelta(days=365)) == {BOB.user_id}
    state.timeout_ended(BOB.user_id)
    assert state.timed_out(T0) == set()


def test_every_change_to_what_may_be_done_moves_the_revision() -> None:
    state = ModerationState()
    seen = [state.revision]
    state.noticed(notice("delete"), HOST)
    state.gone("u-carol")
    state.timeout_set("u-dan", None)
    state.timeout_ended("u-dan")
    seen += [state.revision]
    assert seen == [0, 4]
    state.deleting("m1")  # our own action in flight changes nothing offered
    state.disconnecting("u-eve")
    assert state.revision == 4


def test_a_ban_naming_us_is_kept_for_the_disconnect_that_follows() -> None:
    state = ModerationState()
    ban = notice("ban", reason="selling")
    assert state.noticed(ban, BOB) == "Host banned you: selling"
    assert state.banned == ban
    assert ModerationState().banned is None


def test_a_ban_notice_says_the_disconnect_that_follows_for_a_moderator() -> None:
    state = ModerationState()
    state.noticed(notice("ban"), MIA)
    assert state.user_left(BOB.user_id, "Bob", "banned") is None  # the notice said it
    assert BOB.user_id in state.gone_users
    viewer = ModerationState()
    viewer.noticed(notice("ban"), Viewer("u-carol", moderator=False))
    assert viewer.user_left(BOB.user_id, "Bob", "banned") == (
        "the moderator disconnected Bob: banned"
    )


def test_our_own_disconnect_and_delete_are_not_said_again() -> None:
    state = ModerationState()
    state.disconnecting(BOB.user_id)
    assert state.user_left(BOB.user_id, "Bob", "") is None
    state.deleting("m1")
    assert state.deleted("m1", removed=True, reason="", sender="u-bob", me=HOST, now=0) is None
    # Only once: IVS's later word on the same id is a deletion like any other.
    carol = Viewer("u-carol", moderator=False)
    assert state.deleted("m1", removed=True, reason="", sender="u-bob", me=carol, now=0) == (
        "the moderator deleted a message"
    )
    failed = ModerationState()
    failed.disconnecting(BOB.user_id)
    failed.disconnect_failed(BOB.user_id)
    assert failed.user_left(BOB.user_id, "Bob", "") == "the moderator disconnected Bob"


def test_a_deletion_is_said_at_once_to_a_viewer_who_did_not_send_it() -> None:
    state = ModerationState()
    carol = Viewer("u-carol", moderator=False)
    line = state.deleted("m1", removed=True, reason="spam", sender="u-bob", me=carol, now=0)
    assert line == "the moderator deleted a message: spam"
    assert not state.waiting
    # Not in the list: nothing to say.
    assert state.deleted("m2", removed=False, reason="", sender=None, me=carol, now=0) is None


def test_a_deletion_waits_for_its_notice_where_notices_are_shown() -> None:
    state = ModerationState(grace=1.0)
    assert state.deleted("m1", removed=True, reason="", sender="u-bob", me=MIA, now=10) is None
    assert state.deleted("m2", removed=True, reason="", sender="u-bob", me=BOB, now=10.5) is None
    assert state.waiting
    assert state.due(10.25) == ([], 0.75)
    # The notice names m2: its line is the notice's, IVS's is not said.
    assert state.noticed(notice("delete", message_id="m2"), MIA) is not None
    assert state.due(11.0) == (["the moderator deleted a message"], None)
    assert not state.waiting


def test_a_notice_before_the_deletion_silences_it() -> None:
    state = ModerationState()
    state.noticed(notice("delete", message_id="m1"), MIA)
    assert state.deleted("m1", removed=True, reason="", sender="u-bob", me=MIA, now=0) is None
    assert not state.waiting
    # Told once: a second deletion of the same id is said (waits) as usual.
    state.deleted("m1", removed=True, reason="", sender="u-bob", me=MIA, now=0)
    assert state.waiting


def test_deletions_told_early_are_remembered_within_a_bound() -> None:
    state = ModerationState(explained_kept=2)
    for n in range(3):
        state.noticed(notice("delete", message_id=f"m{n}"), MIA)
    # The oldest was forgotten: its deletion waits for a notice that already came.
    state.deleted("m0", removed=True, reason="", sender="u-bob", me=MIA, now=0)
    assert state.waiting
    state.due(5)
    state.deleted("m2", removed=True, reason="", sender="u-bob", me=MIA, now=0)
    assert not state.waiting


def test_the_model_loads_no_textual() -> None:
    code = (
        "import sys, tui.chat.moderation_state; "
        "assert not [m for m in sys.modules if m.startswith('textual')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""What the chat screen knows about moderation in the room, and what it says (no Textual).

One owner for every piece of it: the deletions and disconnects this client asked for
(the action reports those, so the room's event for them adds no second line), the users
gone while we watched, who is timed out and until when, a ban naming us, and the
deletions IVS announced that wait a moment for the notice that says them better. The
screen (tui/screens/chat/) asks it what to say and when, and draws; the time is given to
each call, so the decisions are checked here without a screen or a clock. Renewals are
the controller's (tui/controller.py): a disconnect that renews someone never reaches
the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.common.timing.durations import describe_duration
from tui.ivs.moderation_notice import ModerationNotice

NOTICE_GRACE_SECONDS = 1.0
"""How long a deletion's line waits for the notice that may say it better (the room
keeper's, which comes by another path than IVS's own aws:DELETE_MESSAGE)."""
EXPLAINED_KEPT = 1_000  # deletions a notice told of before IVS did, remembered

# What each action is called in a sentence ("Mia banned Bob"); unknown ones stay as sent.
DONE_WORDS: dict[str, str] = {
    "ban": "banned",
    "unban": "unbanned",
    "timeout": "timed out",
    "untimeout": "ended the timeout of",
    "mod": "made a moderator:",
    "unmod": "removed as moderator:",
    "delete": "deleted a message of",
    "disconnect": "disconnected",
    "shield": "turned on shield mode in",
    "unshield": "turned off shield mode in",
    "approve": "approved a held message of",
    "deny": "denied a held message of",
    "refuse": "refused a message of",
}


def notice_words(notice: ModerationNotice, me: str) -> str:
    """A notice as a system line: "Mia timed out Bob for 10 min: caps" (names are the
    server's copy of untrusted text; the list cleans every line)."""
    actor = notice.actor_name or notice.actor_id
    target = "you" if notice.target_id == me else (notice.target_name or notice.target_id)
    how = " (automatic)" if notice.automatic else ""
    if notice.action in ("mod", "unmod"):
        done = "made" if notice.action == "mod" else "removed"
        role = "a moderator" if notice.action == "mod" else "as moderator"
        return f"{actor}{how} {done} {target} {role}"
    done = DONE_WORDS.get(notice.action, notice.action)
    length = f" for {describe_duration(notice.duration_seconds)}" if notice.duration_seconds else ""
    why = f": {notice.reason}" if notice.reason else ""
    return f"{actor}{how} {done} {target}{length}{why}"


def banned_by(notice: ModerationNotice) -> str:
    """Who banned us, for the header: their name as the notice gives it."""
    return (notice.actor_name or notice.actor_id) + (" (automatic)" if notice.automatic else "")


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: what a notice or a deletion says depends on it."""

    user_id: str
    moderator: bool


class ModerationState:
    """The room's moderation as this client saw it. `revision` grows with each change to
    what may be done to whom (gone users, timeouts, notices), so a screen redraws its
    keys when it moves."""

    def __init__(
        self, *, grace: float = NOTICE_GRACE_SECONDS, explained_kept: int = EXPLAINED_KEPT
    ) -> None:
        self.grace = grace
        """How long a deletion waits for its notice."""
        self._explained_kept = explained_kept
        self._deleting: set[str] = set()
        self._disconnecting: set[str] = set()
        self._gone: set[str] = set()
        self._timed_out: dict[str, datetime | None] = {}
        # Deletions IVS announced, waiting for a notice (id -> when, line), and those a
        # notice told of first.
        self._unexplained: dict[str, tuple[float, str]] = {}
        self._explained: dict[str, bool] = {}
        self.banned: ModerationNotice | None = None
        """A ban naming us: the disconnect that follows ends the session, and says who."""
        self.revision = 0

    # --- what may be done to whom ---------------------------------------------------------

    @property
    def gone_users(self) -> set[str]:
        """Users disconnected while we watched: not offered a disconnect or a ban again."""
        return self._gone

    def timed_out(self, now: datetime) -> set[str]:
        """Users timed out at `now`, as far as we heard: "End timeout" is offered."""
        return {u for u, until in self._timed_out.items() if until is None or until > now}

    def gone(self, user_id: str) -> None:
        self._gone.add(user_id)
        self.revision += 1

    def timeout_set(self, user_id: str, until: datetime | None) -> None:
        self._timed_out[user_id] = until
        self.revision += 1

    def timeout_ended(self, user_id: str) -> None:
        self._timed_out.pop(user_id, None)
        self.revision += 1

    # --- our own actions: their outcome is said by the action ------------------------------

    def deleting(self, message_id: str) -> None:
        self._deleting.add(message_id)

    def delete_failed(self, message_id: str) -> None:
        self._deleting.discard(message_id)

    def disconnecting(self, user_id: str) -> None:
        self._disconnecting.add(user_id)

    def disconnect_failed(self, user_id: str) -> None:
        self._disconnecting.discard(user_id)

    # --- the room's events ----------------------------------------------------------------

    def noticed(self, notice: ModerationNotice, me: Viewer) -> str | None:
        """A moderator acted: the line to say, if any. Said to every moderator (but the
        one who did it, whose own action reports it) and to its target."""
        if notice.action == "timeout":
            self._timed_out[notice.target_id] = notice.expires_at
        elif notice.action == "untimeout":
            self._timed_out.pop(notice.target_id, None)
        ours = notice.target_id == me.user_id
        if ours and notice.action == "ban":
            self.banned = notice
        elif notice.action == "ban" and me.moderator:
            # The notice is sent before the ban's disconnect and says it all: no second
            # line for the disconnect (a viewer, who is not shown notices, gets that one).
            self._disconnecting.add(notice.target_id)
        self.revision += 1
        if not (ours or (me.moderator and notice.actor_id != me.user_id)):
            return None
        if notice.action == "delete" and notice.message_id:
            self._deletion_noticed(notice.message_id)
        return notice_words(notice, me.user_id)

    def deleted(
        self,
        message_id: str,
        *,
        removed: bool,
        reason: str,
        sender: str | None,
        me: Viewer | None,
        now: float,
    ) -> str | None:
        """IVS deleted a message (`removed`: it was in the list): the line to say now, if
        any. One a notice may say better waits (`due` gives it when its wait is over)."""
        if message_id in self._deleting:
            self._deleting.discard(message_id)  # our own delete: the action reports it
            return None
        if not removed:
            return None
        if self._explained.pop(message_id, False):
            return None  # its notice came first and said it
        why = f": {reason}" if reason else ""
        line = f"the moderator deleted a message{why}"
        if me is not None and (me.moderator or sender == me.user_id):
            # Those shown moderation notices: a room keeper's deletion has one, which
            # names the message and says more. Wait a moment for it.
            self._unexplained[message_id] = (now, line)
            return None
        return line

    @property
    def waiting(self) -> bool:
        """Deletions wait for their notice."""
        return bool(self._unexplained)

    def due(self, now: float) -> tuple[list[str], float | None]:
        """The deletions whose wait for a notice is over, oldest first, and how long until
        the next one is (None: none waits)."""
        lines: list[str] = []
        while self._unexplained:
            message_id, (at, line) = next(iter(self._unexplained.items()))
            if now - at < self.grace:
                return lines, self.grace - (now - at)
            del self._unexplained[message_id]
            lines.append(line)
        return lines, None

    def _deletion_noticed(self, message_id: str) -> None:
        """A shown notice told of the deletion of `message_id`: IVS's line is not said."""
        if self._unexplained.pop(message_id, None) is None:
            self._explained[message_id] = True
            if len(self._explained) > self._explained_kept:
                del self._explained[next(iter(self._explained))]

    def user_left(self, user_id: str, name: str, reason: str) -> str | None:
        """Someone else was disconnected: they are gone; the line to say unless our own
        action (or a ban's notice) said it."""
        self.gone(user_id)
        if user_id in self._disconnecting:
            return None
        why = f": {reason}" if reason else ""
        return f"the moderator disconnected {name}{why}"

"""What the chat screen says in its own words: composer placeholders, confirmations, the
ban and disconnect endings, and how a message or a timeout is named in a line. The
moderation notices' words are the model's (tui/chat/moderation_state.py)."""

from __future__ import annotations

from datetime import datetime

from tui.common.timing.durations import describe_duration
from tui.ivs.events import ChatMessage
from tui.screens.dialogs.disconnected import MODERATOR_AFTER

WITHDRAWN_WORDS = "You were disconnected, so your stage invite was withdrawn."
WAITING_WORDS = "not connected: your message will be sent when the chat is back"
DISCONNECT_WORDS = (
    "Disconnect [b]$name[/b]$about? They are disconnected now, but they can rejoin at once: "
    "a disconnect does not stop them. To keep them out, time them out (they can read "
    "but not send) or ban them (no new chat token until unbanned)."
)
MOD_WORDS = (
    "Make [b]$name[/b]$about a moderator? They can then delete messages and disconnect, "
    "time out and ban viewers, until you remove them as moderator."
)
LIST_PLACEHOLDER = "keys act on messages now · esc or tab: type here"
"""The composer's words while the message list has the keys."""
LIST_MODE = "MESSAGES"
"""The footer's first word while the message list has the keys."""
MOVED_WORDS = "Typed in the message list: the text is in the composer, not sent."
BANNED_WORDS = "You have been banned from this chat."
BANNED_AFTER = MODERATOR_AFTER
NOT_A_LINK_WORDS = "the app server sent a stage link that is not a web address"

QUOTE_WORDS = 6
QUOTE_CHARACTERS = 40


def time_left(until: datetime, now: datetime) -> str:
    """How long a timeout still runs, as the composer says it: "timed out: 9 min left"."""
    seconds = max(int((until - now).total_seconds() + 0.999), 0)
    if seconds >= 120:
        seconds = (seconds + 59) // 60 * 60  # whole minutes, rounded up: never "0 min"
    return f"timed out: {describe_duration(seconds)} left"


def first_words(text: str) -> str:
    """The start of a message, quoted, to name it in a system line: a delete that hit
    the wrong message is visible at once."""
    words = text.split()
    start = " ".join(words[:QUOTE_WORDS])
    if len(start) > QUOTE_CHARACTERS:
        start = start[:QUOTE_CHARACTERS].rstrip()
    cut = start != " ".join(words)
    return f"“{start}{'…' if cut else ''}”"


def about(message: ChatMessage) -> str:
    """Which message a confirmation is about, as " for “its first words”"."""
    return f" for {first_words(message.content)}"


def sentence(words: str) -> str:
    return words[:1].upper() + words[1:]

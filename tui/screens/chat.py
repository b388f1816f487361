"""The chat screen: status line, message list, invite toast, composer, footer.

Room events arrive as messages (tui.chat.room_messages) and only their handlers change
widgets. User actions call the controller (tui/controller.py, given to the constructor as
a `Controls`) in workers and report their outcome as a system line in the list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import tzinfo as TzInfo
from typing import TypeVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from tui.action_table import BY_ACTION, Who, actions_of, bindings_for
from tui.chat.history_relay import Delivered
from tui.chat.history_sync import HistoryShown, missed_words
from tui.chat.room_messages import (
    ConnectionChanged,
    IdentityKnown,
    InviteReceived,
    MessageGone,
    MessagesArrived,
    Moderated,
    UserGone,
)
from tui.chat.stage_invite import EXPIRED_WORDS, StageInvite, WhipSettings
from tui.client.app_server import InviteExpired
from tui.client.moderation_api import ModerationAction, Party
from tui.client.session import SelfIdentity
from tui.common.roles import Role
from tui.common.text import for_log
from tui.common.timing.clock import Clock
from tui.common.timing.durations import describe_duration
from tui.controller import Controls
from tui.error_words import error_words
from tui.ivs.events import (
    ChatError,
    ChatMessage,
    ConnectionState,
    CustomEvent,
    DisconnectReason,
    MessageDeleted,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.invites import invite_for
from tui.ivs.moderation_notice import ModerationNotice, parse_notice
from tui.screens.dialogs.admin_menu import (
    BAN,
    DELETE,
    DISCONNECT,
    INVITE,
    MOD,
    TIMEOUT,
    UNMOD,
    UNTIMEOUT,
    AdminAction,
    AdminMenu,
    admin_actions,
)
from tui.screens.dialogs.ban_confirm import BanChoice, BanConfirm
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.dialog import ARMING_S
from tui.screens.dialogs.disconnected import DISCONNECTED_WORDS, MODERATOR_AFTER, DisconnectedScreen
from tui.screens.dialogs.stage_link import StageLinkScreen
from tui.screens.dialogs.timeout_picker import TimeoutChoice, TimeoutPicker
from tui.screens.dialogs.whip import WhipScreen
from tui.screens.keys_help import keys_help
from tui.screens.moderation_log import DONE_WORDS, ModerationLogScreen
from tui.screens.room_settings import RoomSettingsScreen
from tui.screens.user_card import UserCard, UserCardChoice
from tui.terminal.key_bursts import BURST_GAP_S, burst_text, continues, is_command
from tui.terminal.untrusted import clean, content_from
from tui.widgets.composer import Composer, send_error_words
from tui.widgets.invite_toast import InviteToast, ToastState
from tui.widgets.join_hint import JoinHint, JoinHints
from tui.widgets.message_list import MessageList
from tui.widgets.mode_footer import ModeFooter
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_line import StatusLine

log = logging.getLogger(__name__)
W = TypeVar("W", bound=Widget)

# How often a showing invite is held against the (injected) clock: a timer per deadline
# would run on the real clock, which tests and snapshots replace.
EXPIRY_CHECK_SECONDS = 0.25
ADDRESS_LOOKUP_S = 2.0  # the ban dialog's address: shown if the server says by then
_OWN_ACTIONS = actions_of("chat")
# The actions whose availability follows the selected message.
_SELECTION_ACTIONS = ("delete", "disconnect", "invite", "timeout", "ban", "admin_menu")
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
COUNTDOWN_SECONDS = 1.0  # how often "timed out: N min left" is redrawn
NOTICE_GRACE_SECONDS = 1.0
"""How long a deletion's line waits for the notice that may say it better (the room
keeper's, which comes by another path than IVS's own aws:DELETE_MESSAGE)."""
EXPLAINED_KEPT = 1_000  # deletions a notice told of before IVS did, remembered


def time_left(until: datetime, now: datetime) -> str:
    """How long a timeout still runs, as the composer says it: "timed out: 9 min left"."""
    seconds = max(int((until - now).total_seconds() + 0.999), 0)
    if seconds >= 120:
        seconds = (seconds + 59) // 60 * 60  # whole minutes, rounded up: never "0 min"
    return f"timed out: {describe_duration(seconds)} left"


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


QUOTE_WORDS = 6
QUOTE_CHARACTERS = 40


def first_words(text: str) -> str:
    """The start of a message, quoted, to name it in a system line: a delete that hit
    the wrong message is visible at once."""
    words = text.split()
    start = " ".join(words[:QUOTE_WORDS])
    if len(start) > QUOTE_CHARACTERS:
        start = start[:QUOTE_CHARACTERS].rstrip()
    cut = start != " ".join(words)
    return f"“{start}{'…' if cut else ''}”"


def _about(message: ChatMessage) -> str:
    """Which message a confirmation is about, as " for “its first words”"."""
    return f" for {first_words(message.content)}"


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


@dataclass
class HistoryFetched(Message):
    """History from the app server (tui/chat/history_relay.py): on join, or what was missed."""

    shown: HistoryShown


@dataclass
class ModerateUser(Message):
    """A moderation action picked on the user card: the chat screen carries it out."""

    choice: UserCardChoice


def safe_link(url: str) -> str | None:
    """The stage link if it is a plain http(s) URL we can hand to a terminal and a
    browser; None otherwise (it must never carry escape sequences into OSC 8)."""
    if not url.startswith(("https://", "http://")) or clean(url) != url or " " in url:
        return None
    return url


class ChatScreen(Screen[None]):
    DEFAULT_CSS = """
    ChatScreen {
        layout: vertical;
    }
    ChatScreen MessageList {
        height: 1fr;
    }
    ChatScreen HelpPanel #widget-help {
        /* The app's keys first (scrolling if the terminal is short); the focused
           widget's own keys below. */
        max-height: 80%;
        overflow-y: auto;
        padding: 0;
    }
    /* A short terminal (80x24): the app's keys get the whole height, so all of them
       show, and the focused widget's editing keys (Textual's own) make way. */
    ChatScreen.-short HelpPanel #widget-help {
        max-height: 100%;
    }
    ChatScreen.-short HelpPanel KeyPanel {
        display: none;
    }
    /* The message list has the keys: the composer looks inactive (its placeholder says
       how to get back to it). */
    ChatScreen.-list-keys Composer {
        opacity: 50%;
    }
    """
    SHORT = 30  # rows under which the help panel shows only the app's keys
    NARROW = 80  # columns under which the footer leads with Quit and Help

    @property
    def HELP(self) -> str:  # type: ignore[override]  # a property: the keys follow the keymap
        return keys_help(self.app, self._keymap)

    BINDINGS = bindings_for("chat")  # tui/action_table.py

    def __init__(
        self,
        controls: Controls,
        *,
        identity: SelfIdentity | None,
        clock: Clock,
        tz: TzInfo | None,
        scrollback: int,
        join_hint: JoinHints | str | None = None,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._parts: dict[type[Widget], Widget] = {}
        self.controls = controls
        """Every call that leaves the screen (tui/controller.py)."""
        self._keymap = dict(keymap or {})  # the keys in force, for F1's help
        self.identity = identity
        self._clock = clock
        self._tz = tz
        self._scrollback = scrollback
        self._join_hint = join_hint
        # Deletions and disconnects this client asked for: the action reports those, so
        # the room's event for them adds no second line.
        self._deleting: set[str] = set()
        self._disconnecting: set[str] = set()
        # Users disconnected while we watched: x and s are not offered for them again.
        self._gone_users: set[str] = set()
        self.moderator_disconnected = False
        self.ended = False  # the room is over for good: moderator, refusal, gave up
        self._inbox: list[ChatMessage] = []  # chat messages delivered, not yet handled
        # The inbox is held for the list's paced repaint (no MessagesArrived posted for
        # it): the list takes it when it flushes (`take_held`).
        self._held = False
        self._outbox: deque[str] = deque()  # what Enter took out, not yet sent
        # What the selection allowed when the footer last redrew (see `_selected`).
        self._footer_saw: tuple[bool | None, ...] | None = None
        self._expiry_check: Timer | None = None
        self._reconnect_reason = ""  # the reason the list last gave for reconnecting
        # Users a notice said were timed out, until when: "End timeout" is offered.
        self._timed_out: dict[str, datetime | None] = {}
        self._banned_notice: ModerationNotice | None = None  # a ban naming us
        # Users a renew notice named: the disconnect that follows renews their
        # connection (a timeout, a role change), it does not end it; not said as one.
        self._renewing: set[str] = set()
        # Deletions IVS announced, waiting a moment for a notice (id -> when, line), and
        # those a notice told of first (`_message_gone`).
        self._unexplained: dict[str, tuple[float, str]] = {}
        self._unexplained_timer: Timer | None = None
        self._explained: dict[str, bool] = {}
        self._countdown: Timer | None = None
        # Keys typed in the message list, held until it is known whether they came alone
        # (a command) or together (text for the composer): tui/terminal/key_bursts.py.
        self._burst: list[events.Key] = []
        self._burst_number = 0
        self._burst_queued = False  # its keys may still be in the app's queue: all join
        self._burst_selection: ChatMessage | None = None  # selected when it began
        self._typed: events.Key | None = None  # the last key of a burst moved to the composer
        self._typed_enter = False  # and it ended with an Enter (a space before more text)
        self._burst_after_other = False  # it began with a key that came with the one before
        self._previous: events.Key | None = None  # the last key routed without holding
        self._previous_number = 0
        self._previous_queued = False  # keys queued with it are still being handled
        self.burst_gap: float | None = BURST_GAP_S
        """Keys this close in time arrived together; None (a headless app, whose keys no
        terminal read) leaves it to the queue alone, so tests and snapshots are exact."""
        self.confirm_arming = ARMING_S
        """How long confirmations that remove someone or make a moderator wait."""
        self._placeholder = ""  # the composer's own placeholder while the list has keys
        self._list_while_read_only = False  # the list took the keys from a read-only composer

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        me = self.identity
        yield StatusLine(self._clock, id="status")
        if self._join_hint:
            yield JoinHint(self._join_hint, id="join-hint")
        yield MessageList(
            own_user_id=me.user_id if me else "",
            own_name=me.name if me else "",
            scrollback=self._scrollback,
            tz=self._tz,
            clock=self._clock,
            id="messages",
        )
        yield InviteToast(id="invite")
        yield SearchBar(id="search")
        yield Composer(id="composer")
        yield ModeFooter()

    def on_resize(self) -> None:
        self.set_class(self.size.height < self.SHORT, "-short")
        narrow = self.size.width < self.NARROW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.refresh_bindings()  # the footer's order changes (active_bindings)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Under 80 columns the footer cannot hold every key and cuts the last ones: the
        app's own (Quit, Help) come first there, so they are never the ones cut."""
        bindings = super().active_bindings
        if not self.has_class("-narrow"):
            return bindings
        app = self.app
        first = {key: b for key, b in bindings.items() if b.node is app}
        return first | {key: b for key, b in bindings.items() if key not in first}

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.burst_gap = None
        self.messages.set_feed(self.take_held)
        self.composer.input.leave_to = self._to_messages
        if self.identity is not None:
            self._show_identity(self.identity)
        self.composer.focus_input()

    @property
    def stage_link(self) -> str:
        """The stage link of the invite showing, once redeemed ("" before)."""
        return self.toast.link

    def _part(self, kind: type[W]) -> W:
        """One of the screen's widgets, looked up once: every room event reaches the list,
        and a DOM query per event (CSS matching) cost more than showing the message."""
        found = self._parts.get(kind)
        if found is None:
            found = self._parts[kind] = self.query_one(kind)
        return cast(W, found)

    @property
    def messages(self) -> MessageList:
        return self._part(MessageList)

    @property
    def composer(self) -> Composer:
        return self._part(Composer)

    @property
    def toast(self) -> InviteToast:
        return self._part(InviteToast)

    @property
    def status(self) -> StatusLine:
        return self._part(StatusLine)

    def _show_identity(self, me: SelfIdentity) -> None:
        self.status.set_identity(me.room, me.role, me.name)
        self.composer.limit = me.max_message_length
        self.messages.set_identity(me.user_id, me.name)
        self._show_timeout()
        self.refresh_bindings()

    def _show_timeout(self) -> bool:
        """While our token is read-only, the composer keeps what is typed and says how
        long is left; the controller renews the token when the time is up (and a new
        identity without `timed_out_until` gives sending back). False once not timed out."""
        me = self.identity
        until = me.timed_out_until if me is not None and not self.ended else None
        self.composer.read_only(time_left(until, self._clock()) if until else "")
        if until is not None and self.focused is None:
            # The disabled composer lost the keys and nothing took them: the list takes
            # them, to scroll and search (text typed there still lands in the composer).
            self._to_messages()
            self._list_while_read_only = True
        elif until is None and self._list_while_read_only:
            self._list_while_read_only = False
            if self.focused is self.messages and not self.ended:
                self.action_focus_composer()  # sending is back: the keys go back too
        if until is None and self._countdown is not None:
            self._countdown.stop()
            self._countdown = None
        elif until is not None and self._countdown is None:
            self._countdown = self.set_interval(COUNTDOWN_SECONDS, self._show_timeout)
        return until is not None

    def system(self, text: str, *, error: bool = False) -> None:
        self.messages.add_system(text, error=error)

    def name_of(self, user_id: str) -> str:
        """The name of a sender still in the scrollback, else the id: nothing is kept per
        sender, so a room with a million passing senders costs no memory here."""
        return self.messages.sender_name(user_id) or user_id

    # --- room events ---------------------------------------------------------------------

    def deliver(self, event: Delivered, me: SelfIdentity | None) -> None:
        """Post a room event to this screen as its Textual message; `me` is who the app
        knows it is now (an invite for anyone else is dropped here). Once the room is
        over nothing more is posted: the room may still be winding down."""
        if self.ended:
            return
        if isinstance(event, ChatMessage):
            # One MessagesArrived per burst: its handler drains the whole inbox. While the
            # list waits to repaint, nothing is drawn sooner: the burst is held for it.
            if not self._inbox:
                if self._repaint_waiting():
                    self._held = True
                else:
                    self.post_message(MessagesArrived(self._inbox))
            self._inbox.append(event)
            return
        if self._inbox:
            if self._held:  # handled before this event, as a burst posted earlier is
                self._held = False
                self.post_message(MessagesArrived(self._inbox))
            # Later messages go in a new burst, handled after this event: a message that
            # follows our own disconnect must not be shown ahead of it.
            self._inbox = []
        if isinstance(event, HistoryShown):
            self.post_message(HistoryFetched(event))
        elif isinstance(event, MessageDeleted):
            self.post_message(MessageGone(event))
        elif isinstance(event, UserDisconnected):
            self.post_message(UserGone(event))
        elif isinstance(event, StateChanged):
            self.post_message(ConnectionChanged(event))
        elif isinstance(event, CustomEvent):
            invite = invite_for(event, me.user_id) if me is not None else None
            if invite is not None:
                self.post_message(InviteReceived(invite))
            elif (notice := parse_notice(event)) is not None:
                self.post_message(Moderated(notice))

    @on(Moderated)
    def _moderated(self, event: Moderated) -> None:
        """A moderator acted: said to every moderator (but the one who did it, whose own
        action reports it) and to its target."""
        notice = event.notice
        me = self.identity
        if self.ended or me is None:
            return
        if notice.action == "timeout":
            self._timed_out[notice.target_id] = notice.expires_at
        elif notice.action == "untimeout":
            self._timed_out.pop(notice.target_id, None)
        ours = notice.target_id == me.user_id
        if notice.renew and not ours:
            self._renewing.add(notice.target_id)
        if ours and notice.action == "ban":
            self._banned_notice = notice  # the disconnect that follows ends the session
        elif notice.action == "ban" and me.is_moderator:
            # The notice is sent before the ban's disconnect and says it all: no second
            # line for the disconnect (a viewer, who is not shown notices, gets that one).
            self._disconnecting.add(notice.target_id)
        if ours or (me.is_moderator and notice.actor_id != me.user_id):
            if notice.action == "delete" and notice.message_id:
                self._deletion_noticed(notice.message_id)
            self.system(notice_words(notice, me.user_id))
        self.refresh_bindings()

    @on(IdentityKnown)
    def _identity_known(self, event: IdentityKnown) -> None:
        self.identity = event.identity
        self._show_identity(event.identity)

    @on(MessagesArrived)
    def _messages_arrived(self, event: MessagesArrived) -> None:
        self._add_messages(event.inbox)

    def _add_messages(self, inbox: list[ChatMessage]) -> None:
        batch = inbox[:]
        inbox.clear()
        if self.ended:
            return  # delivered before the room ended, handled after: not shown
        add = self.messages.add_message
        for message in batch:
            add(message)

    def _repaint_waiting(self) -> bool:
        return self.is_mounted and self.messages.repaint_waiting

    def take_held(self) -> None:
        """The list is about to flush: the held burst goes in first."""
        if self._held:
            self._held = False
            self._add_messages(self._inbox)

    @on(HistoryFetched)
    def _history_fetched(self, event: HistoryFetched) -> None:
        """On join: the recent chat above a "history" divider. After a reconnect: what
        was missed, said as such; a range the history lacks is a gap line."""
        if self.ended:
            return
        shown = event.shown
        messages = self.messages
        if shown.join:
            if shown.failure:
                self.system(f"no recent chat to show: {shown.failure}")
            messages.add_history(shown.messages)
            return
        if shown.failure:
            messages.add_divider(f"messages may be missing here: {shown.failure}", gap=True)
        elif not shown.complete:
            messages.add_divider(
                "messages may be missing here: the history has a gap too", gap=True
            )
        new = [m for m in shown.messages if m.id not in messages]
        if new:
            self.system(missed_words(len(new)))
            for message in new:
                messages.add_message(message)

    # --- search ---------------------------------------------------------------

    @on(MessageList.SearchRequested)
    def _open_search(self) -> None:
        self.query_one(SearchBar).open()

    @on(SearchBar.Find)
    def _find(self, event: SearchBar.Find) -> None:
        query = event.query
        if query is None:
            self.notify("Type words to find, or from:name.", severity="warning")
            return
        messages = self.messages
        count = messages.filter(query) if event.filter else messages.search(query)
        noun = "message matches" if count == 1 else "messages match"
        how = " (only these shown: escape for all)" if event.filter else " (n, N: next, previous)"
        words = f"{count:,} {noun} {query.describe()}" + (how if count else "")
        self.notify(clean(words), severity="information" if count else "warning", markup=False)
        self.query_one(SearchBar).close()
        messages.focus()

    # --- the user card ---------------------------------------------------

    def action_user_card(self) -> None:
        message = self.messages.selected_message
        if message is not None:
            self._open_user_card(message)

    @work(group="user_card")
    async def _open_user_card(self, message: ChatMessage) -> None:
        me = self.identity
        card = UserCard(
            message,
            lookup=self.controls,
            scrollback=self.messages.messages_from(message.sender_id),
            now=self._clock(),
            tz=self._tz,
            moderator=not self.ended and me is not None and me.is_moderator,
            broadcaster=not self.ended and me is not None and me.is_broadcaster,
        )
        choice = await self.app.push_screen_wait(card)
        if choice is not None:
            self.post_message(ModerateUser(choice))

    @on(SearchBar.Closed)
    def _search_closed(self) -> None:
        self.messages.end_search()
        self.messages.focus()

    @on(MessageGone)
    def _message_gone(self, event: MessageGone) -> None:
        if self.ended:
            return
        message_id = event.event.message_id
        sender = self.messages.sender_of(message_id)
        removed = self.messages.remove_message(message_id)
        if message_id in self._deleting:
            self._deleting.discard(message_id)  # our own delete: the action reports it
            return
        if not removed:
            return
        if self._explained.pop(message_id, False):
            return  # its notice came first and said it
        why = f": {event.event.reason}" if event.event.reason else ""
        line = f"the moderator deleted a message{why}"
        me = self.identity
        if me is not None and (me.is_moderator or sender == me.user_id):
            # Those shown moderation notices: a room keeper's deletion has one, which
            # names the message and says more. Wait a moment for it.
            self._unexplained[message_id] = (time.monotonic(), line)
            if self._unexplained_timer is None:
                self._unexplained_timer = self.set_timer(
                    NOTICE_GRACE_SECONDS, self._say_unexplained
                )
        else:
            self.system(line)

    def _say_unexplained(self) -> None:
        """Say the deletions whose wait for a notice is over, oldest first."""
        self._unexplained_timer = None
        now = time.monotonic()
        while self._unexplained:
            message_id, (at, line) = next(iter(self._unexplained.items()))
            if now - at < NOTICE_GRACE_SECONDS:
                wait = NOTICE_GRACE_SECONDS - (now - at)
                self._unexplained_timer = self.set_timer(wait, self._say_unexplained)
                return
            del self._unexplained[message_id]
            self.system(line)

    def _deletion_noticed(self, message_id: str) -> None:
        """A shown notice told of the deletion of `message_id`: IVS's line is not said."""
        if self._unexplained.pop(message_id, None) is None:
            self._explained[message_id] = True
            if len(self._explained) > EXPLAINED_KEPT:
                del self._explained[next(iter(self._explained))]

    @on(UserGone)
    def _user_gone(self, event: UserGone) -> None:
        user_id = event.event.user_id
        if self.identity is not None and user_id == self.identity.user_id:
            self._disconnected_by_moderator(event.event.reason)
        elif user_id in self._renewing:
            self._renewing.discard(user_id)  # back at once with a new token
        elif not self.ended:
            self._user_is_gone(user_id)
            if user_id not in self._disconnecting:
                why = f": {event.event.reason}" if event.event.reason else ""
                self.system(f"the moderator disconnected {self.name_of(user_id)}{why}")

    def _user_is_gone(self, user_id: str) -> None:
        self._gone_users.add(user_id)
        self.refresh_bindings()  # x and s for their messages are gone too

    @on(InviteReceived)
    def _invite_received(self, event: InviteReceived) -> None:
        if self.ended:
            return
        self.toast.show_invite(event.invite)
        self.system("you have been invited to join the stream on stage")
        self._watch_expiry()

    def _watch_expiry(self) -> None:
        """Hold the showing invite against the clock until it is used up or gone."""
        if not self._check_expiry() and self._expiry_check is None:
            self._expiry_check = self.set_interval(EXPIRY_CHECK_SECONDS, self._check_expiry)

    def _check_expiry(self) -> bool:
        """Take the invite down if its time has passed; True when there is nothing left
        to watch (then the periodic check stops)."""
        toast = self.toast
        if toast.is_overdue(self._clock()):
            own = toast.stage is not None and toast.stage.own
            toast.expired("Your stage link has expired." if own else EXPIRED_WORDS)
            self.system(f"your stage {'link' if own else 'invite'} has expired", error=True)
        if toast.showing and toast.state is not ToastState.EXPIRED:
            return False
        if self._expiry_check is not None:
            self._expiry_check.stop()
            self._expiry_check = None
        return True

    @on(ConnectionChanged)
    def _connection_changed(self, event: ConnectionChanged) -> None:
        change = event.event
        if self.ended:
            return  # over for good: a late state change brings nothing back
        self.status.set_state(change)
        self._say_why_reconnecting(change)
        live = change.state is ConnectionState.CONNECTED
        self.composer.pending("" if live else WAITING_WORDS)  # only while a send waits
        if change.state is ConnectionState.DISCONNECTED:
            if change.disconnect is DisconnectReason.DISCONNECTED_BY_MODERATOR:
                self._disconnected_by_moderator(change.reason)
            elif change.disconnect is not DisconnectReason.CLOSED_BY_CLIENT:
                words = change.reason or "the chat connection ended"
                self._end_room()
                self.system(f"disconnected: {words}", error=True)
                if change.disconnect is DisconnectReason.TOKEN_REJECTED:
                    self.composer.disable("Disconnected for good: quit and join again.")
                    self.app.push_screen(DisconnectedScreen.refused(words))
                else:
                    self.composer.disable(f"disconnected: {words}")

    def _say_why_reconnecting(self, change: StateChanged) -> None:
        """The reason in full, in the list, where it stays after the status line has moved
        on (and the status line keeps at most three lines). Said once per outage and per
        new reason, not at every attempt."""
        if change.state is ConnectionState.CONNECTED:
            self._reconnect_reason = ""
        elif (
            change.state is ConnectionState.RECONNECTING
            and change.reason
            and change.reason != self._reconnect_reason
        ):
            self._reconnect_reason = change.reason
            self.system(f"reconnecting: {change.reason}")

    def _end_room(self) -> None:
        self.ended = True
        self._show_timeout()  # over: no countdown to a renewal that will not come
        self.refresh_bindings()  # nothing to moderate in a room we are no longer in

    def _disconnected_by_moderator(self, reason: str) -> None:
        if self.moderator_disconnected:
            return
        banned = self._banned_notice
        self.moderator_disconnected = True
        self._end_room()
        # Done with the room for good, whatever it does next (a misbehaving room or
        # server might otherwise reconnect): close it without waiting here.
        self._leave()
        self.status.set_state(
            StateChanged(
                ConnectionState.DISCONNECTED,
                # The ban's notice names who did it (the broadcaster, a moderator or the
                # room keeper); a bare disconnect does not.
                reason="removed from the chat"
                if banned is None
                else f"banned by {banned_by(banned)}",
                disconnect=DisconnectReason.DISCONNECTED_BY_MODERATOR,
            )
        )
        self.composer.disable(DISCONNECTED_WORDS if banned is None else BANNED_WORDS)
        me = self.identity
        if banned is not None and me is not None:
            # A ban takes a moderator's role away (the server drops it): the header says
            # the role we have now, not the one we had.
            self.status.set_identity(me.room, Role.VIEWER, me.name)
        if self.toast.showing:
            # The app server withdraws a disconnected user's stage invites.
            self.toast.expired(WITHDRAWN_WORDS)
        if banned is not None:
            self.system("you have been banned from this chat", error=True)
            self.app.push_screen(
                DisconnectedScreen(banned.reason or reason, words=BANNED_WORDS, after=BANNED_AFTER)
            )
            return
        self.system("you have been disconnected from this chat", error=True)
        self.app.push_screen(DisconnectedScreen(reason))

    @work(group="leave", exit_on_error=False)
    async def _leave(self) -> None:
        await self.controls.leave()

    # --- composer ------------------------------------------------------------------------

    @on(Composer.Submitted)
    def _send(self, event: Composer.Submitted) -> None:
        event.composer.begin_send()
        if self.status.state is not ConnectionState.CONNECTED:
            # The room keeps it in its outbox until it is back: say so, or Enter looks dead.
            event.composer.pending(WAITING_WORDS)
        self._outbox.append(event.text)
        if len(self._outbox) == 1:
            self._deliver(event.composer)

    @work(group="send")
    async def _deliver(self, composer: Composer) -> None:
        """Send what Enter took out, one after the other in the order typed: a burst of
        keys is several messages, never one merged or one sent twice."""
        outbox = self._outbox
        while outbox:
            text = outbox[0]
            try:
                await self.controls.send(text)
            except Exception as exc:  # never a traceback in front of the user
                if self.ended:
                    # The disabled composer says why: "you left the chat", from the room
                    # we closed, would be wrong.
                    composer.failed(text, "")
                elif isinstance(exc, ChatError):
                    composer.failed(text, send_error_words(exc))
                else:
                    log.exception("send failed")
                    composer.failed(text, error_words(exc))
            else:
                composer.sent(text)
            outbox.popleft()

    # --- keys typed in the message list (tui/terminal/key_bursts.py) -------------------------

    async def key_arrived(self, event: events.Key) -> bool:
        """Every key the app reads, in order, before Textual routes it (ChatApp.on_event);
        True when it was taken here. A printable key read while the message list has the
        keys is held, with every key that arrives together with it. Alone, it is then
        routed as usual and its command runs; together, they go to the composer as text."""
        burst = self._burst
        if burst:
            if self._burst_queued or continues(burst[-1], event, self.burst_gap):
                burst.append(event)
                return True
            await self._end_burst()
        if self._typed is not None:
            if continues(self._typed, event, self.burst_gap):
                self._type_on(event)
                return True
            self._typed = None
        previous = self._previous
        together = self._previous_queued or (
            previous is not None and continues(previous, event, self.burst_gap)
        )
        holding = event.is_printable and self.app.screen is self and self.focused is self.messages
        if not holding:
            self._previous = event
            self._previous_number += 1
            self._previous_queued = True
            self.app.call_later(self._previous_read, self._previous_number)
            return False
        self._previous = None
        self._burst = [event]
        self._burst_after_other = together  # with the key before it: never a command
        # A key acts on the message selected when it was pressed.
        self._burst_selection = self.messages.selected_message
        self._burst_number += 1
        self._burst_queued = True
        # Queued behind the keys already read: they join the burst before it is decided.
        self.app.call_later(self._burst_read, self._burst_number)
        return True

    def _previous_read(self, number: int) -> None:
        """The keys queued with the last key routed have been handled."""
        if number == self._previous_number:
            self._previous_queued = False

    async def _burst_read(self, number: int) -> None:
        """The keys queued with the burst have joined it. From a terminal, wait until no
        more can (`burst_gap` after its last key), then decide."""
        if number != self._burst_number or not self._burst:
            return  # decided already, by a key that came later
        self._burst_queued = False
        gap = self.burst_gap
        if gap is not None:
            wait = self._burst[-1].time + gap - time.monotonic()
            if wait > 0:
                self.set_timer(wait, lambda: self.app.call_later(self._burst_read, number))
                return
        await self._end_burst()

    async def _end_burst(self) -> None:
        keys, self._burst = self._burst, []
        chosen, self._burst_selection = self._burst_selection, None
        self._burst_queued = False
        if is_command(keys) and not self._burst_after_other:
            selected = self.messages.selected_message
            if chosen is not None and (selected is None or selected.id != chosen.id):
                # Its message was deleted, or scrolled away, while the key was held.
                self.notify(
                    "Nothing done: the message selected when the key was pressed is gone.",
                    severity="warning",
                )
                return
            route: Callable[[events.Key], Awaitable[None]]
            route = self.app.route_key  # type: ignore[attr-defined]  # ChatApp's, not App's
            await route(keys[0])
            return
        text, entered = burst_text(keys)
        self._typed = keys[-1]
        self._typed_enter = keys[-1].key == "enter"
        field = self.composer.input
        self.set_focus(field)
        if text:
            field.cursor_position = len(field.value)  # after a draft, as typed after it
            before = field.value
            if before and not before[-1].isspace():
                text = " " + text  # never glued onto a draft already there
            field.insert_text_at_cursor(text)
        words = MOVED_WORDS + (" The Enter typed with it did not send it." if entered else "")
        self.notify(words, title="Text, not commands", timeout=6)

    def _type_on(self, event: events.Key) -> None:
        """A key that arrived together with a burst already moved to the composer (the
        rest of the same read): typed there the same way, an Enter never a send."""
        self._typed = event
        field = self.composer.input
        if event.key == "backspace":
            field.action_delete_left()
        elif event.key == "enter":
            self._typed_enter = True
        elif event.is_printable and event.character is not None:
            before = field.value[: field.cursor_position]
            if self._typed_enter and before and not before[-1].isspace():
                field.insert_text_at_cursor(" ")  # the lines apart, as in a paste
            self._typed_enter = False
            field.insert_text_at_cursor(event.character)

    def on_paste(self, event: events.Paste) -> None:
        """A paste into the message list is text too: the composer takes it."""
        if self.focused is not self.messages:
            return
        event.stop()
        field = self.composer.input
        self.set_focus(field)
        field.post_message(events.Paste(event.text))

    def on_descendant_focus(self) -> None:
        self._show_whose_keys()

    def on_descendant_blur(self) -> None:
        self._show_whose_keys()

    def _show_whose_keys(self) -> None:
        """Which pane has the keys, unmistakably: while the message list has them the
        composer looks inactive and says how to get back to it."""
        listing = self.focused is self.messages
        self.set_class(listing, "-list-keys")
        self.query_one(ModeFooter).mode = LIST_MODE if listing else ""
        field = self.composer.input
        if listing and not field.disabled and field.placeholder != LIST_PLACEHOLDER:
            self._placeholder = field.placeholder
            field.placeholder = LIST_PLACEHOLDER
        elif not listing and field.placeholder == LIST_PLACEHOLDER:
            field.placeholder = self._placeholder

    def _to_messages(self) -> None:
        """Escape in the composer: the list, the newest message selected. At once, as
        action_focus_composer (the other way) says why."""
        self.set_focus(self.messages)
        self.messages.select_last()

    def action_focus_composer(self) -> None:
        # At once, not Textual's deferred `focus()`: Textual routes each key to the widget
        # focused when the app reads it, and over SSH "tab one⏎" is one read: deferred,
        # "one⏎" reached the list, whose Enter opened the moderation menu on a message and
        # whose keys then picked from it.
        self.set_focus(self.composer.input)

    # --- moderation ----------------------------------------------------------------------

    def _actions_for(self, message: ChatMessage) -> list[AdminAction]:
        """What we may do to `message` now: nothing once the room is over."""
        if self.ended:
            return []
        now = self._clock()
        timed_out = {u for u, until in self._timed_out.items() if until is None or until > now}
        return admin_actions(message, self.identity, self._gone_users, timed_out)

    def _applicable(self, action_id: str) -> ChatMessage | None:
        message = self.messages.selected_message
        if message is None:
            return None
        if any(a.id == action_id for a in self._actions_for(message)):
            return message
        return None

    @property
    def _is_broadcaster(self) -> bool:
        return self.identity is not None and self.identity.is_broadcaster

    @property
    def _is_moderator(self) -> bool:
        return self.identity is not None and self.identity.is_moderator

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in _OWN_ACTIONS:
            return True
        if InviteToast not in self._parts and not self.query(InviteToast):
            return False  # not composed yet: nothing to act on
        who = BY_ACTION["chat", action].who
        if who is Who.BROADCASTER and not self._is_broadcaster:
            return False
        if who is Who.MODERATOR and not self._is_moderator:
            return False
        toast = self.toast
        match action:
            case "delete" | "disconnect" | "invite" | "timeout" | "ban":
                return self._applicable(action) is not None
            case "user_card":
                return self.messages.selected_message is not None
            case "moderation_log" | "room_settings":
                return not self.ended
            case "admin_menu":
                message = self.messages.selected_message
                return message is not None and bool(self._actions_for(message))
            case "focus_composer":
                # From the list only (the binding has priority, so it would otherwise take
                # escape from the search bar), and not while escape ends a search there.
                return self.focused is self.messages and not self.messages.searching
            case "join_stage":
                stage = toast.stage
                return stage is not None and stage.usable and not stage.own
            case "show_whip":
                return toast.stage is not None and toast.stage.usable
            case "go_on_stage":
                return not self.ended
            case "copy_stage_link":
                return bool(toast.link)
            case "dismiss_invite":
                return toast.showing
        return True

    @on(MessageList.Activated)
    def _activated(self, event: MessageList.Activated) -> None:
        self._open_admin_menu(event.message)

    def _selection_allows(self) -> tuple[bool | None, ...]:
        return tuple(self.check_action(action, ()) for action in _SELECTION_ACTIONS)

    def refresh_bindings(self) -> None:
        self._footer_saw = self._selection_allows()
        super().refresh_bindings()

    @on(MessageList.Selected)
    def _selected(self) -> None:
        # Redrawing the footer rebuilds its keys (widgets, styles): under a flood that is
        # the bulk of a key press's cost, so only when what the keys offer has changed.
        if self._selection_allows() != self._footer_saw:
            self.refresh_bindings()

    def action_admin_menu(self) -> None:
        message = self.messages.selected_message
        if message is not None:
            self._open_admin_menu(message)

    def action_delete(self) -> None:
        if message := self._applicable(DELETE):
            self._moderate(DELETE, message)

    def action_disconnect(self) -> None:
        if message := self._applicable(DISCONNECT):
            self._moderate(DISCONNECT, message)

    def action_invite(self) -> None:
        if message := self._applicable(INVITE):
            self._moderate(INVITE, message)

    def action_timeout(self) -> None:
        if message := self._applicable(TIMEOUT):
            self._moderate(TIMEOUT, message)

    def action_ban(self) -> None:
        if message := self._applicable(BAN):
            self._moderate(BAN, message)

    def action_moderation_log(self) -> None:
        """The log; from the message list, only what concerns the selected sender."""
        message = self.messages.selected_message if self.messages.has_focus else None
        user = (
            Party(user_id=message.sender_id, display_name=message.sender_name)
            if message is not None
            else None
        )
        self.app.push_screen(
            ModerationLogScreen(self.controls, user=user, tz=self._tz, unbanner=self.controls)
        )

    def action_room_settings(self) -> None:
        def saved(settings: object) -> None:
            if settings is not None:
                self.system("room settings saved")

        self.app.push_screen(RoomSettingsScreen(self.controls), saved)

    @work(group="moderation")
    async def _open_admin_menu(self, message: ChatMessage) -> None:
        actions = self._actions_for(message)
        if not actions:
            return
        choice = await self.app.push_screen_wait(AdminMenu(message, actions))
        if choice:
            await self._perform(choice, message)

    @work(group="moderation")
    async def _moderate(self, action_id: str, message: ChatMessage) -> None:
        await self._perform(action_id, message)

    async def _perform(self, action_id: str, message: ChatMessage) -> None:
        name = message.sender_name
        controls = self.controls
        if action_id == DELETE:
            self._deleting.add(message.id)
            what = f"{name}'s message {first_words(message.content)}"
            if not await self._report(
                controls.delete(message.id),
                f"deleted {what}",
                f"could not delete {what}",
            ):
                self._deleting.discard(message.id)
        elif action_id == DISCONNECT:
            confirm = ConfirmScreen(
                "Disconnect user",
                content_from(DISCONNECT_WORDS, name=name, about=_about(message)),
                confirm_label="Disconnect",
                reason_label="Reason (they will see it):",
                arming=self.confirm_arming,
            )
            if not await self.app.push_screen_wait(confirm):
                return
            user_id = message.sender_id
            self._disconnecting.add(user_id)
            done = await self._report(
                controls.disconnect(user_id, confirm.reason or None),
                f"disconnected {name}" + (f": {confirm.reason}" if confirm.reason else ""),
                f"could not disconnect {name}",
            )
            if done:  # the app server withdrew their stage invites in the same action
                self._user_is_gone(user_id)
        elif action_id == INVITE:
            await self._report(
                controls.invite(message.sender_id),
                f"invite sent to {name}",
                f"could not invite {name}",
            )
        elif action_id in (TIMEOUT, BAN, UNTIMEOUT, MOD, UNMOD):
            await self._moderate_user(
                action_id, message.sender_id, name, first_words(message.content)
            )

    @on(ModerateUser)
    def _card_chose(self, event: ModerateUser) -> None:
        self._moderate_from_card(event.choice)

    @work(group="moderation")
    async def _moderate_from_card(self, choice: UserCardChoice) -> None:
        await self._moderate_user(choice.action, choice.user_id, choice.name)

    async def _moderate_user(
        self, action_id: str, user_id: str, name: str, quote: str = ""
    ) -> None:
        """A moderation action on a user, from a message (`quote`: its first words, which
        its confirmation shows) or from their user card."""
        controls = self.controls
        if action_id == TIMEOUT:
            await self._time_out(user_id, name, quote)
        elif action_id == BAN:
            await self._ban(user_id, name, quote)
        elif action_id == ModerationAction.UNBAN:
            await self._report(
                controls.act(ModerationAction.UNBAN, user_id),
                f"unbanned {name}",
                f"could not unban {name}",
            )
        elif action_id in (UNTIMEOUT, MOD, UNMOD):
            done = {
                UNTIMEOUT: f"ended {name}'s timeout",
                MOD: f"made {name} a moderator",
                UNMOD: f"removed {name} as moderator",
            }[action_id]
            failed = {
                UNTIMEOUT: f"could not end {name}'s timeout",
                MOD: f"could not make {name} a moderator",
                UNMOD: f"could not remove {name} as moderator",
            }[action_id]
            if action_id == MOD:
                # Power handed out: asked first, as a removal is.
                about = f" (for {quote})" if quote else ""
                confirm = ConfirmScreen(
                    "Make moderator",
                    content_from(MOD_WORDS, name=name, about=about),
                    confirm_label="Make moderator",
                    arming=self.confirm_arming,
                )
                if not await self.app.push_screen_wait(confirm):
                    return
            acted = await self._report(controls.act(action_id, user_id), done, failed)
            if acted and action_id == UNTIMEOUT:
                self._timed_out.pop(user_id, None)
                self.refresh_bindings()

    async def _time_out(self, user_id: str, name: str, quote: str = "") -> None:
        """The picker, then the server; a refusal opens the picker again with what was
        chosen and the server's words, so nothing typed is lost."""
        chosen: TimeoutChoice | None = None
        error = ""
        while True:
            picker = TimeoutPicker(
                name, initial=chosen, error=error, about=quote, arming=self.confirm_arming
            )
            chosen = await self.app.push_screen_wait(picker)
            if chosen is None:
                return
            try:
                record = await self.controls.act(
                    TIMEOUT,
                    user_id,
                    reason=chosen.reason or None,
                    duration_seconds=chosen.seconds,
                )
            except Exception as exc:
                error = f"could not time out {name}: {error_words(exc)}"
                continue
            self._timed_out[user_id] = record.expires_at
            why = f": {chosen.reason}" if chosen.reason else ""
            self._said(f"timed out {name} for {describe_duration(chosen.seconds)}{why}")
            return

    async def _ban(self, user_id: str, name: str, quote: str = "") -> None:
        chosen: BanChoice | None = None
        error = ""
        while True:
            confirm = BanConfirm(
                name,
                initial=chosen,
                error=error,
                about=quote,
                arming=self.confirm_arming,
                address_lookup=lambda: self._address_of(user_id),
            )
            chosen = await self.app.push_screen_wait(confirm)
            if chosen is None:
                return
            # Before the call: the ban's disconnect may arrive before its answer does.
            self._disconnecting.add(user_id)  # said here, as "banned NAME"
            try:
                await self.controls.act(
                    BAN,
                    user_id,
                    reason=chosen.reason or None,
                    ban_address=chosen.ban_address,
                )
            except Exception as exc:
                self._disconnecting.discard(user_id)
                error = f"could not ban {name}: {error_words(exc)}"
                continue
            self._user_is_gone(user_id)
            why = f": {chosen.reason}" if chosen.reason else ""
            self._said(f"banned {name}{why}")
            return

    async def _address_of(self, user_id: str) -> tuple[str | None, int]:
        """Where the user last asked for a token from, and how many identities did, for the
        ban dialog: the address checkbox should say what it takes. Unknown if the server
        cannot say within a moment."""
        try:
            async with asyncio.timeout(ADDRESS_LOOKUP_S):
                user = await self.controls.user_profile(user_id)
        except Exception:
            log.info("no address for %s", for_log(user_id), exc_info=True)
            return None, 0
        return user.address, user.address_shared_by

    def _said(self, success: str) -> None:
        self.system(success)
        self.notify(clean(_sentence(success)), markup=False)

    async def _report(self, call: Awaitable[object], success: str | None, failure: str) -> bool:
        """Await an action and say how it went: a line in the list, and a notification,
        because with a message selected the list holds still and the line may land below
        the view (jumping there would lose the moderator's place in the list)."""
        try:
            await call
        except Exception as exc:
            if not isinstance(exc, ChatError):
                log.info("%s", failure, exc_info=True)
            words = f"{failure}: {error_words(exc)}"
            self.system(words, error=True)
            self.notify(clean(_sentence(words)), severity="error", markup=False)
            return False
        if success:
            self._said(success)
        return True

    # --- stage invite --------------------------------------------------------------------

    def action_join_stage(self) -> None:
        self._join(then=None)

    @on(InviteToast.JoinRequested)
    def _toast_clicked(self) -> None:
        self._join(then=None)

    def action_show_whip(self) -> None:
        if (whip := self.toast.whip) is not None:
            self.app.push_screen(WhipScreen(whip.server, whip.token))
        else:
            self._join(then=lambda: self.action_show_whip() if self.toast.whip else None)

    def action_copy_stage_link(self) -> None:
        """Copy the link (OSC 52) and show it whole: the toast cuts a long one, and a
        terminal may pass neither the hyperlink nor the copy (tmux, by default)."""
        if link := self.toast.link:
            self.controls.copy(link)
            self.app.push_screen(StageLinkScreen(link))

    def action_dismiss_invite(self) -> None:
        self.toast.dismiss()

    def action_go_on_stage(self) -> None:
        self._go_on_stage()

    @work(group="stage", exclusive=True)
    async def _go_on_stage(self) -> None:
        """The broadcaster's own stage link, shown in the toast like a joined invite."""
        try:
            redemption = await self.controls.go_on_stage()
        except Exception as exc:
            words = f"could not go on stage: {error_words(exc)}"
            self.system(words, error=True)
            self.notify(clean(_sentence(words)), severity="error", markup=False)
            return
        link = safe_link(redemption.join_url)
        if link is None or self.identity is None:
            self.system("the app server sent a stage link that is not a web address", error=True)
            return
        opened = await self.controls.open_in_browser(link)
        whip = WhipSettings(redemption.whip_url, redemption.participant_token)
        self.toast.stage = StageInvite.hosting(
            self.identity.user_id, link, whip, redemption.expires_at, opened=opened
        )
        self._watch_expiry()
        self.system("your stage link is ready (asking again takes this one off the stage)")

    @work(group="stage", exclusive=True)
    async def _join(self, then: Callable[[], object] | None) -> None:
        toast = self.toast
        invite = toast.invite
        if invite is None:
            return
        toast.joining()
        try:
            redemption = await self.controls.redeem(invite.invite_id)
        except Exception as exc:
            if isinstance(exc, InviteExpired):
                toast.expired()
                self.system("your stage invite has expired", error=True)
            else:
                toast.failed(error_words(exc))
            return
        link = safe_link(redemption.join_url)
        if link is None:
            toast.failed("the app server sent a stage link that is not a web address")
            return
        toast.expire_by(redemption.expires_at)
        opened = False
        if then is None:
            opened = await self.controls.open_in_browser(link)
        whip = WhipSettings(redemption.whip_url, redemption.participant_token)
        toast.joined(link, whip, browser_opened=opened)
        self._watch_expiry()
        if then is not None:
            then()

"""The chat screen: status line, message list, invite toast, composer, footer.

Room events arrive as messages (tui.chat.room_messages) and only their handlers change
widgets. User actions call the controller (tui/controller.py, given to the constructor as
a `Controls`) in workers and report their outcome as a system line in the list.

This module holds the layout, the room's events on their way in, what the state shown
does to the widgets (the watchers) and which keys apply now (`check_action`); each flow
is a module of its own beside it (see tui/screens/chat/__init__.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo as TzInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer

from tui.action_table import BY_ACTION, Who, actions_of, bindings_for
from tui.chat.history_relay import Delivered
from tui.chat.history_sync import HistoryShown
from tui.chat.room_messages import (
    ConnectionChanged,
    IdentityKnown,
    InviteReceived,
    MessageGone,
    MessagesArrived,
    Moderated,
    UserGone,
)
from tui.client.session import SelfIdentity
from tui.common.timing.clock import Clock
from tui.controller import Controls
from tui.ivs.events import ChatMessage, CustomEvent, MessageDeleted, StateChanged, UserDisconnected
from tui.ivs.invites import invite_for
from tui.ivs.moderation_notice import ModerationNotice
from tui.screens.chat.base import ChatBase
from tui.screens.chat.connection import ConnectionFlows
from tui.screens.chat.keys import KeyFlows
from tui.screens.chat.moderation import ModerationFlows
from tui.screens.chat.notices import NoticeFlows
from tui.screens.chat.raid import RaidFlows
from tui.screens.chat.search import HistoryFetched, SearchFlows
from tui.screens.chat.stage import StageFlows
from tui.screens.chat.words import time_left
from tui.screens.keys_help import keys_help
from tui.widgets.composer import Composer
from tui.widgets.invite_toast import InviteToast
from tui.widgets.join_hint import JoinHint, JoinHints
from tui.widgets.message_list import MessageList
from tui.widgets.mode_footer import ModeFooter
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_line import StatusLine

_OWN_ACTIONS = actions_of("chat")
# The actions whose availability follows the selected message.
_SELECTION_ACTIONS = ("delete", "disconnect", "invite", "timeout", "ban", "admin_menu")
COUNTDOWN_SECONDS = 1.0  # how often "timed out: N min left" is redrawn


class ChatScreen(
    RaidFlows,
    ModerationFlows,
    NoticeFlows,
    StageFlows,
    SearchFlows,
    ConnectionFlows,
    KeyFlows,
    ChatBase,
):
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

    narrow: var[bool] = var(False, init=False, bindings=True, toggle_class="-narrow")
    """Under `NARROW` columns: the footer's order changes (`active_bindings`)."""
    offered: var[tuple[bool | None, ...]] = var((), init=False, bindings=True)
    """What the keys offer for the selected message, as the footer last drew them: a new
    selection that changes it redraws the footer (see `_selected`)."""

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
        super().__init__(
            controls,
            identity=identity,
            clock=clock,
            tz=tz,
            scrollback=scrollback,
            join_hint=join_hint,
            keymap=keymap,
        )
        self._inbox: list[ChatMessage] = []  # chat messages delivered, not yet handled
        # The inbox is held for the list's paced repaint (no MessagesArrived posted for
        # it): the list takes it when it flushes (`take_held`).
        self._held = False
        self._countdown: Timer | None = None
        self._list_while_read_only = False  # the list took the keys from a read-only composer

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        me = self.identity
        yield StatusLine(self._clock, id="status").data_bind(ChatBase.identity, ChatBase.connection)
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
        self.narrow = self.size.width < self.NARROW

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Under 80 columns the footer cannot hold every key and cuts the last ones: the
        app's own (Quit, Help) come first there, so they are never the ones cut."""
        bindings = super().active_bindings
        if not self.narrow:
            return bindings
        app = self.app
        first = {key: b for key, b in bindings.items() if b.node is app}
        return first | {key: b for key, b in bindings.items() if key not in first}

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.burst_gap = None
        # Each redraw of the keys, whoever asked for it, notes what they offered then.
        self.bindings_updated_signal.subscribe(self, self._keys_redrawn, immediate=True)
        self.messages.set_feed(self.take_held)
        self.composer.input.leave_to = self._to_messages
        if self.identity is not None:
            self._show_identity(self.identity)
        self.composer.focus_input()

    # --- the state shown -----------------------------------------------------------------

    def watch_identity(self, me: SelfIdentity | None) -> None:
        if me is not None:
            self._show_identity(me)

    def _show_identity(self, me: SelfIdentity) -> None:
        """Who we are, to the widgets that show it (the status line is bound to it)."""
        self.composer.limit = me.max_message_length
        self.messages.set_identity(me.user_id, me.name)
        self._raid_identity()
        self._show_timeout()

    def watch_ended(self, ended: bool) -> None:
        if ended:
            self._show_timeout()  # over: no countdown to a renewal that will not come
            self._raid_identity()  # and no more moderators' news

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
        elif isinstance(event, ModerationNotice):  # read by the controller
            self.post_message(Moderated(event))
        elif isinstance(event, CustomEvent):
            invite = invite_for(event, me.user_id) if me is not None else None
            if invite is not None:
                self.post_message(InviteReceived(invite))

    @on(IdentityKnown)
    def _identity_known(self, event: IdentityKnown) -> None:
        self.identity = event.identity

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
            self._raid_arrived(message)

    def _repaint_waiting(self) -> bool:
        return self.is_mounted and self.messages.repaint_waiting

    def take_held(self) -> None:
        """The list is about to flush: the held burst goes in first."""
        if self._held:
            self._held = False
            self._add_messages(self._inbox)

    # --- which keys apply now ------------------------------------------------------------

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
            case "moderation_log" | "room_settings" | "shield" | "held_queue":
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

    def _selection_allows(self) -> tuple[bool | None, ...]:
        return tuple(self.check_action(action, ()) for action in _SELECTION_ACTIONS)

    def _keys_redrawn(self, _: Screen[object]) -> None:
        self.set_reactive(ChatScreen.offered, self._selection_allows())

    @on(MessageList.Selected)
    def _selected(self) -> None:
        # Redrawing the footer rebuilds its keys (widgets, styles): under a flood that is
        # the bulk of a key press's cost, so only when what the keys offer has changed.
        self.offered = self._selection_allows()

"""What every part of the chat screen shares: the state it shows, its widgets, its
moderation model, and how an action's outcome is said.

The state the screen shows is reactive and owned here: `identity` (who we are, as the
controller last told the app), `connection` (the room's state, or our own ending),
`ended` (the room is over for good). The status line draws the first two through
`data_bind`, the other widgets through the watchers in screen.py; each change that
gates a key re-evaluates `check_action` (`bindings=True`), so nothing refreshes the
footer by hand. What the screen knows about moderation is `moderation`
(tui/chat/moderation_state.py), whose `revision` the screen mirrors in
`moderation_revision` for the same reason.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from datetime import tzinfo as TzInfo
from typing import TypeVar, cast

from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget

from tui.chat.moderation_state import ModerationState, Viewer
from tui.client.session import SelfIdentity
from tui.common.timing.clock import Clock
from tui.config.presets import ModerationPresets
from tui.controller import Controls
from tui.error_words import error_words
from tui.ivs.events import ChatError, ConnectionState, StateChanged
from tui.screens.chat.words import sentence
from tui.screens.dialogs.dialog import ARMING_S
from tui.terminal.alerts import Alerts
from tui.terminal.untrusted import clean
from tui.widgets.composer import Composer
from tui.widgets.invite_toast import InviteToast
from tui.widgets.join_hint import JoinHints
from tui.widgets.message_list import MessageList
from tui.widgets.status_line import StatusLine

log = logging.getLogger(__name__)
W = TypeVar("W", bound=Widget)


class ChatBase(Screen[None]):
    """The chat screen's shared part; each flow module (moderation.py, stage.py, ...)
    is a subclass of it, and `ChatScreen` (screen.py) is all of them together."""

    # Always updated: the screen shows an identity the app passes again, as it did before.
    identity: var[SelfIdentity | None] = var(None, always_update=True, bindings=True)
    """Who we are (tui/controller.py owns it; the app tells the screen of each change)."""
    connection: var[StateChanged] = var(
        StateChanged(ConnectionState.CONNECTING), always_update=True
    )
    """The room's connection as the screen shows it; after a ban or a disconnect by a
    moderator, our own ending (the room's later changes are not shown)."""
    ended: var[bool] = var(False, bindings=True)
    """The room is over for good: moderator, refusal, gave up."""
    moderation_revision: var[int] = var(0, bindings=True)
    alerts: Alerts | None = None
    """Where alerts go (the app makes them from the config's `[alerts]`); None: none."""
    presets: ModerationPresets = ModerationPresets()
    """The timeout presets and reasons the dialogs offer (the config's `[moderation]`)."""
    """`moderation.revision` as the keys last saw it."""

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
        self.set_reactive(ChatBase.identity, identity)  # no watcher: nothing is composed yet
        self._clock = clock
        self._tz = tz
        self._scrollback = scrollback
        self._join_hint = join_hint
        self.moderation = ModerationState()
        self.moderator_disconnected = False
        self.confirm_arming = ARMING_S
        """How long confirmations that remove someone or make a moderator wait."""

    # --- the widgets ---------------------------------------------------------------------

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

    # --- who we are ----------------------------------------------------------------------

    @property
    def _is_broadcaster(self) -> bool:
        return self.identity is not None and self.identity.is_broadcaster

    @property
    def _is_moderator(self) -> bool:
        return self.identity is not None and self.identity.is_moderator

    @property
    def _viewer(self) -> Viewer | None:
        me = self.identity
        return Viewer(me.user_id, me.is_moderator) if me is not None else None

    def _moderation_changed(self) -> None:
        """What may be done to whom may have changed: the keys are asked again."""
        self.moderation_revision = self.moderation.revision

    def _gone(self, user_id: str) -> None:
        self.moderation.gone(user_id)
        self._moderation_changed()  # x and s for their messages are gone too

    # --- saying things -------------------------------------------------------------------

    def system(self, text: str, *, error: bool = False) -> None:
        self.messages.add_system(text, error=error)

    def name_of(self, user_id: str) -> str:
        """The name of a sender still in the scrollback, else the id: nothing is kept per
        sender, so a room with a million passing senders costs no memory here."""
        return self.messages.sender_name(user_id) or user_id

    def _said(self, success: str) -> None:
        self.system(success)
        self.notify(clean(sentence(success)), markup=False)

    def _failed(self, words: str) -> None:
        self.system(words, error=True)
        self.notify(clean(sentence(words)), severity="error", markup=False)

    async def _report(self, call: Awaitable[object], success: str | None, failure: str) -> bool:
        """Await an action and say how it went: a line in the list, and a notification,
        because with a message selected the list holds still and the line may land below
        the view (jumping there would lose the moderator's place in the list)."""
        try:
            await call
        except Exception as exc:
            if not isinstance(exc, ChatError):
                log.info("%s", failure, exc_info=True)
            self._failed(f"{failure}: {error_words(exc)}")
            return False
        if success:
            self._said(success)
        return True

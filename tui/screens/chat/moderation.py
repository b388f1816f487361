"""What a moderator does from the chat screen: the keys on a selected message, the admin
menu, the user card's choices, and each action's dialog (confirm, timeout picker, ban),
then the call and its outcome said. A new action: its record in tui/action_table.py,
then its case here (`_perform` or `_moderate_user`) and in `ChatScreen.check_action`."""

from __future__ import annotations

import asyncio
import logging

from textual import on, work

from tui.client.moderation_api import ModerationAction, Party
from tui.common.text import for_log
from tui.common.timing.durations import describe_duration
from tui.error_words import error_words
from tui.ivs.events import ChatMessage
from tui.screens.chat.base import ChatBase
from tui.screens.chat.search import ModerateUser
from tui.screens.chat.words import DISCONNECT_WORDS, MOD_WORDS, about, first_words
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
from tui.screens.dialogs.timeout_picker import TimeoutChoice, TimeoutPicker
from tui.screens.moderation_log import ModerationLogScreen
from tui.screens.room_settings import RoomSettingsScreen
from tui.screens.user_card import UserCardChoice
from tui.terminal.untrusted import content_from
from tui.widgets.message_list import MessageList

log = logging.getLogger(__name__)

ADDRESS_LOOKUP_S = 10.0
"""How long the ban dialog waits for the address. It is up and usable meanwhile ("Looking
up…"), so a busy server is waited for, not taken for one that does not know."""


class ModerationFlows(ChatBase):
    def _actions_for(self, message: ChatMessage) -> list[AdminAction]:
        """What we may do to `message` now: nothing once the room is over."""
        if self.ended:
            return []
        moderation = self.moderation
        timed_out = moderation.timed_out(self._clock())
        return admin_actions(message, self.identity, moderation.gone_users, timed_out)

    def _applicable(self, action_id: str) -> ChatMessage | None:
        message = self.messages.selected_message
        if message is None:
            return None
        if any(a.id == action_id for a in self._actions_for(message)):
            return message
        return None

    @on(MessageList.Activated)
    def _activated(self, event: MessageList.Activated) -> None:
        self._open_admin_menu(event.message)

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
        moderation = self.moderation
        if action_id == DELETE:
            moderation.deleting(message.id)
            what = f"{name}'s message {first_words(message.content)}"
            if not await self._report(
                controls.delete(message.id),
                f"deleted {what}",
                f"could not delete {what}",
            ):
                moderation.delete_failed(message.id)
        elif action_id == DISCONNECT:
            confirm = ConfirmScreen(
                "Disconnect user",
                content_from(DISCONNECT_WORDS, name=name, about=about(message)),
                confirm_label="Disconnect",
                reason_label="Reason (they will see it):",
                arming=self.confirm_arming,
            )
            if not await self.app.push_screen_wait(confirm):
                return
            user_id = message.sender_id
            moderation.disconnecting(user_id)
            done = await self._report(
                controls.disconnect(user_id, confirm.reason or None),
                f"disconnected {name}" + (f": {confirm.reason}" if confirm.reason else ""),
                f"could not disconnect {name}",
            )
            if done:  # the app server withdrew their stage invites in the same action
                self._gone(user_id)
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
                for_quote = f" (for {quote})" if quote else ""
                confirm = ConfirmScreen(
                    "Make moderator",
                    content_from(MOD_WORDS, name=name, about=for_quote),
                    confirm_label="Make moderator",
                    arming=self.confirm_arming,
                )
                if not await self.app.push_screen_wait(confirm):
                    return
            acted = await self._report(controls.act(action_id, user_id), done, failed)
            if acted and action_id == UNTIMEOUT:
                self.moderation.timeout_ended(user_id)
                self._moderation_changed()

    async def _time_out(self, user_id: str, name: str, quote: str = "") -> None:
        """The picker, then the server; a refusal opens the picker again with what was
        chosen and the server's words, so nothing typed is lost."""
        chosen: TimeoutChoice | None = None
        error = ""
        while True:
            picker = TimeoutPicker(
                name,
                initial=chosen,
                error=error,
                about=quote,
                arming=self.confirm_arming,
                presets=self.presets.timeouts(),
                reasons=self.presets.reasons,
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
                    purge_seconds=chosen.purge_seconds,
                )
            except Exception as exc:
                error = f"could not time out {name}: {error_words(exc)}"
                continue
            self.moderation.timeout_set(user_id, record.expires_at)
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
                reasons=self.presets.reasons,
            )
            chosen = await self.app.push_screen_wait(confirm)
            if chosen is None:
                return
            # Before the call: the ban's disconnect may arrive before its answer does.
            self.moderation.disconnecting(user_id)  # said here, as "banned NAME"
            try:
                await self.controls.act(
                    BAN,
                    user_id,
                    reason=chosen.reason or None,
                    ban_address=chosen.ban_address,
                    purge_seconds=chosen.purge_seconds,
                )
            except Exception as exc:
                self.moderation.disconnect_failed(user_id)
                error = f"could not ban {name}: {error_words(exc)}"
                continue
            self._gone(user_id)
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

"""The moderator's admin menu for one message: only the actions that apply, each with
the key that does the same from the message list (StreamCat's menu, by keyboard). The
keys are the action table's (tui/action_table.py), as the keymap in force sets them.

Who may do what, as the app server checks it again: nobody acts on themselves or on the
broadcaster; a moderator acts on viewers only (deletes their messages, disconnects, times
out, bans); only the broadcaster invites on stage and makes or removes moderators. The sender's role
is their token's `role` attribute, which only the app server sets."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.action_table import bindings_for
from tui.client.session import SelfIdentity
from tui.common.roles import Role
from tui.ivs.events import ChatMessage
from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.untrusted import content_from

DELETE = "delete"
DISCONNECT = "disconnect"
INVITE = "invite"
TIMEOUT = "timeout"
UNTIMEOUT = "untimeout"
BAN = "ban"
MOD = "mod"
UNMOD = "unmod"


@dataclass(frozen=True, slots=True)
class AdminAction:
    id: str
    """Also the end of its binding id: `admin_menu.delete`."""
    label: str


def can_invite(message: ChatMessage) -> bool:
    """Whether the app server can invite the sender: it invites the viewers it gave a token
    (their token says `role: viewer`); not the broadcaster, not someone it never met."""
    return message.sender_attributes.get("role") == Role.VIEWER


def may_act_on(message: ChatMessage, me: SelfIdentity) -> bool:
    """Whether `me` may act on the sender (disconnect, time out, ban): not ourselves, not
    the broadcaster; for a moderator, viewers only."""
    role = message.sender_attributes.get("role")
    if message.sender_id == me.user_id or role == Role.BROADCASTER:
        return False
    return me.is_broadcaster or role == Role.VIEWER


def admin_actions(
    message: ChatMessage,
    me: SelfIdentity | None,
    gone: Collection[str] = (),
    timed_out: Collection[str] = (),
) -> list[AdminAction]:
    """The moderation actions that apply to `message` for `me` (none for a viewer).
    Senders in `gone` (already disconnected) cannot be disconnected or invited again;
    "End timeout" is offered for senders in `timed_out`."""
    if me is None or not me.is_moderator:
        return []
    sender = message.sender_id
    actable = may_act_on(message, me)
    actions = []
    if actable or sender == me.user_id or me.is_broadcaster:
        actions.append(AdminAction(DELETE, "Delete message"))
    if not actable:
        return actions
    if sender not in gone:
        actions.append(AdminAction(DISCONNECT, "Disconnect user…"))
    actions.append(AdminAction(TIMEOUT, "Time out…"))
    if sender in timed_out:
        actions.append(AdminAction(UNTIMEOUT, "End timeout"))
    actions.append(AdminAction(BAN, "Ban…"))
    if me.is_broadcaster:
        role = message.sender_attributes.get("role")
        if role == Role.MODERATOR:
            actions.append(AdminAction(UNMOD, "Remove moderator"))
        elif role == Role.VIEWER:
            actions.append(AdminAction(MOD, "Make moderator…"))
        if sender not in gone and can_invite(message):
            actions.append(AdminAction(INVITE, "Invite to the stage"))
    return actions


class AdminMenu(DialogScreen[str | None]):
    """Dismisses with the chosen action id, or None."""

    DEFAULT_CSS = """
    AdminMenu > #dialog {
        width: 48;
        padding: 0 1;
    }
    AdminMenu #about {
        color: $text-muted;
        margin-bottom: 1;
    }
    AdminMenu OptionList, AdminMenu OptionList:focus {
        height: auto;
        border: none;
        padding: 0;
        background: $surface;
    }
    """

    BINDINGS = bindings_for("admin_menu")  # tui/action_table.py; the keymap's keys: compose

    def __init__(self, message: ChatMessage, actions: list[AdminAction]) -> None:
        super().__init__()
        self.message = message
        self.actions = actions

    def compose(self) -> ComposeResult:
        self.follow_keymap("admin_menu")
        with self.frame("Moderate", "enter choose · esc close"):
            preview = self.message.content
            if len(preview) > 60:
                preview = preview[:59] + "…"
            yield Static(
                content_from("[b]$name[/b]: $text", name=self.message.sender_name, text=preview),
                id="about",
            )
            yield OptionList(
                *(
                    Option(
                        Content.from_markup(
                            "[b]$key[/b]  $label",
                            key=self.key_in_force(f"admin_menu.{a.id}"),
                            label=a.label,
                        ),
                        id=a.id,
                    )
                    for a in self.actions
                )
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters and parameters[0]:
            return any(a.id == parameters[0] for a in self.actions)
        return True

    def action_choose(self, action_id: str) -> None:
        self.dismiss(action_id or None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

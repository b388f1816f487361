"""Every user action of the chat, once: its binding id, action, default keys, titles, help
text, section and who may use it (harlequin's actions.py, posting's bindings with ids).

From this one table come the `BINDINGS` of the app, the chat screen and the composer,
the command palette's entries (`ChatApp.get_system_commands`), F1's help
(tui/screens/keys_help.py) and the "who may use it" half of the chat screen's
`check_action` (whether the action applies right now is the screen's to say). Adding an
action is one record here and its `action_*` method on the widget that owns it.

The message list's `BINDINGS` come from here too; the palette's key is Textual's, listed
here (owner "textual": no binding made) so that help and the palette can show it. The
admin menu's letters are here as well: an entry that does what a chat key does `follows`
that key, so the menu shows and answers the key the keymap gives the chat's action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from textual.binding import Binding, BindingType

Owner = Literal[
    "admin_menu",
    "app",
    "chat",
    "composer",
    "held_queue",
    "message_list",
    "search_bar",
    "textual",
    "user_card",
]


class Section(StrEnum):
    """Where a key works, as F1 groups them."""

    COMPOSER = "Composer"
    MESSAGES = "Message list"
    STAGE = "Stage invite"
    ANYWHERE = "Anywhere"


class Who(StrEnum):
    ANYONE = "anyone"
    MODERATOR = "moderator"
    """The broadcaster and the moderators they made."""
    BROADCASTER = "broadcaster"


@dataclass(frozen=True, slots=True)
class UserAction:
    id: str
    """The binding id a keymap remaps ("chat.delete"); the README lists them."""
    action: str
    """The `action_*` method's name on the owner."""
    keys: str
    """Default keys, comma-separated, as Textual takes them."""
    label: str
    """The footer's word for it."""
    title: str
    """The command palette's title ("" keeps it out of the palette)."""
    help: str
    """What it does: the palette's help line."""
    words: str
    """F1's words for it."""
    section: Section
    owner: Owner
    who: Who = Who.ANYONE
    footer: bool = True
    priority: bool = False
    follows: str = ""
    """The binding id whose keys this one takes, unless a keymap moves this one itself:
    the admin menu's Delete answers the key of `chat.delete`, wherever a keymap puts it."""

    def binding(self, keymap: Mapping[str, str] | None = None) -> Binding:
        """Its binding, with the keys it has under `keymap` (a follower's: its leader's)."""
        return Binding(
            keys_in_force(self.id, keymap or {}),
            self.action,
            self.label,
            show=self.footer,
            id=self.id,
            priority=self.priority,
        )


_ = UserAction
ACTIONS: tuple[UserAction, ...] = (
    # --- the composer ---
    _("composer.send", "submit", "enter", "Send", "", "Send the message", "send",
      Section.COMPOSER, "composer"),
    _("composer.history_previous", "history_previous", "up", "History", "",
      "The previous message you sent", "history", Section.COMPOSER, "composer", footer=False),
    _("composer.history_next", "history_next", "down", "History", "",
      "The next message you sent", "history", Section.COMPOSER, "composer", footer=False),
    _("composer.focus_messages", "leave", "escape", "Messages", "Go to the messages",
      "Move to the message list, to select a message", "message list", Section.COMPOSER,
      "composer", priority=True),  # as chat.focus_composer, below
    # --- the message list (tui/widgets/message_list/). Priority: each runs in the app's
    # loop as its key is read, before the next key. Run when the key has bubbled back to
    # the app (Textual's way), an Enter read just before text that moves focus to the
    # composer ran the composer's send instead. ---
    _("message_list.up", "cursor_up", "up,k", "Previous", "", "Select the message above",
      "move", Section.MESSAGES, "message_list", footer=False, priority=True),
    _("message_list.down", "cursor_down", "down,j", "Next", "", "Select the message below",
      "move", Section.MESSAGES, "message_list", footer=False, priority=True),
    _("message_list.home", "cursor_first", "home", "Oldest", "Oldest message",
      "Select the oldest message", "first/last", Section.MESSAGES, "message_list",
      footer=False, priority=True),
    _("message_list.end", "cursor_last", "end", "Newest", "Newest message",
      "Select the newest message and follow new ones", "first/last", Section.MESSAGES,
      "message_list", footer=False, priority=True),
    _("message_list.page_up", "page_up", "pageup", "Page up", "", "Up a page", "",
      Section.MESSAGES, "message_list", footer=False, priority=True),
    _("message_list.page_down", "page_down", "pagedown", "Page down", "", "Down a page", "",
      Section.MESSAGES, "message_list", footer=False, priority=True),
    _("message_list.activate", "activate", "enter,m", "Actions", "",
      "Open the admin menu for the selected message", "actions (mod)", Section.MESSAGES,
      "message_list", Who.MODERATOR, footer=False, priority=True),
    _("chat.admin_menu", "admin_menu", "", "Actions", "Moderate message",
      "Open the admin menu for the selected message", "", Section.MESSAGES, "chat",
      Who.MODERATOR, footer=False),
    _("chat.delete", "delete", "d", "Delete", "Delete message",
      "Delete the selected message for everyone", "delete (mod)", Section.MESSAGES, "chat",
      Who.MODERATOR),
    _("chat.disconnect", "disconnect", "x", "Disconnect", "Disconnect user",
      "Disconnect the selected message's sender (they can rejoin)", "disconnect (mod)",
      Section.MESSAGES, "chat", Who.MODERATOR),
    _("chat.invite", "invite", "s", "Invite", "Invite on stage",
      "Invite the selected message's sender on stage", "stage invite (host)",
      Section.MESSAGES, "chat", Who.BROADCASTER),
    # Priority: run in the app's loop as the key is read, so the keys after it in the same
    # read (SSH) go to the composer, not to the list's bindings (tui/screens/chat/keys.py). Not
    # in the footer, which leads with MESSAGES there: the dimmed composer says it.
    _("chat.focus_composer", "focus_composer", "escape,tab", "Composer", "Focus composer",
      "Type a message", "composer", Section.MESSAGES, "chat", priority=True, footer=False),
    # --- the stage invite: spelled out in the toast, not the footer (it pushed Quit and
    # Help off an 80-column screen) ---
    _("chat.join_stage", "join_stage", "ctrl+o", "Join", "Join stage",
      "Accept the stage invite: open the stage link", "join", Section.STAGE, "chat",
      footer=False),
    _("chat.copy_stage_link", "copy_stage_link", "ctrl+y", "Copy link", "Copy stage link",
      "Copy the stage link to the clipboard (OSC 52) and show it whole",
      "copy and show link", Section.STAGE, "chat", footer=False),
    _("chat.show_whip", "show_whip", "ctrl+g", "OBS", "OBS settings",
      "Show the WHIP server and token for OBS", "OBS settings", Section.STAGE, "chat",
      footer=False),
    _("chat.dismiss_invite", "dismiss_invite", "ctrl+n", "Dismiss", "Dismiss invite",
      "Close the stage invite", "dismiss", Section.STAGE, "chat", footer=False),
    _("chat.go_on_stage", "go_on_stage", "ctrl+t", "On stage", "Go on stage",
      "Your own stage link and OBS settings; again replaces the earlier link",
      "go on stage yourself", Section.STAGE, "chat", who=Who.BROADCASTER, footer=False),
    # --- anywhere (Textual's palette has its own Quit and Keys entries) ---
    _("app.palette", "command_palette", "ctrl+p", "Palette", "", "Every action, by name",
      "palette", Section.ANYWHERE, "textual"),
    _("app.help", "toggle_help", "f1", "Help", "", "Show or hide the keys", "help",
      Section.ANYWHERE, "app"),
    _("app.quit", "quit", "ctrl+q", "Quit", "", "Quit the app", "quit", Section.ANYWHERE,
      "app", priority=True),
    # --- history and search: the message list's, priority as above ---
    _("message_list.search", "search", "slash", "Search", "Search messages",
      "Find messages by their words, or from:name", "search", Section.MESSAGES,
      "message_list", footer=False, priority=True),
    _("message_list.next_match", "next_match", "n", "Next match", "",
      "Select the next match, up the list", "next/previous match", Section.MESSAGES,
      "message_list", footer=False, priority=True),
    _("message_list.previous_match", "previous_match", "N", "Previous match", "",
      "Select the previous match, down the list", "next/previous match", Section.MESSAGES,
      "message_list", footer=False, priority=True),
    _("message_list.filter", "filter", "F", "Filter", "Show only matches",
      "Show only the messages that match the search (again: all)", "only matches",
      Section.MESSAGES, "message_list", footer=False, priority=True),
    _("message_list.end_search", "end_search", "escape", "End search", "",
      "End the search and show every message", "end search", Section.MESSAGES,
      "message_list", footer=False, priority=True),
    # The search box's keys are written in the box (its placeholder) whenever they work,
    # so F1, full at 80x24, does not repeat them.
    _("search_bar.find", "find", "enter", "Find", "", "Find the newest match", "",
      Section.MESSAGES, "search_bar"),
    _("search_bar.filter", "filter", "ctrl+f", "Only matches", "",
      "Show only the matching messages", "", Section.MESSAGES, "search_bar"),
    _("search_bar.close", "close", "escape", "Close", "",
      "Close the search and show every message", "", Section.MESSAGES, "search_bar"),
    # Not in the footer, which is full at 80 columns: F1 and the palette list it.
    _("chat.user_card", "user_card", "u", "User", "User card",
      "Show the selected message's sender: role, age, status, recent messages",
      "user card", Section.MESSAGES, "chat", footer=False),
    # --- moderation: time out, ban, the log, the room's settings ---
    _("chat.timeout", "timeout", "t", "Time out", "Time out user",
      "Time out the selected message's sender: they can read but not send",
      "time out (mod)", Section.MESSAGES, "chat", Who.MODERATOR, footer=False),
    _("chat.ban", "ban", "b", "Ban", "Ban user",
      "Ban the selected message's sender: no chat token until unbanned", "ban (mod)",
      Section.MESSAGES, "chat", Who.MODERATOR, footer=False),
    _("chat.moderation_log", "moderation_log", "ctrl+l", "Log", "Moderation log",
      "Who did what to whom; from the list, the selected sender's", "moderation log (mod)",
      Section.ANYWHERE, "chat", Who.MODERATOR, footer=False),
    # --- the raid tools (tui/screens/chat/raid.py) ---
    _("chat.shield", "shield", "r", "Shield", "Shield mode",
      "Shield mode on or off: new identities held for review, viewers slowed",
      "shield mode (mod)", Section.MESSAGES, "chat", Who.MODERATOR, footer=False),
    _("chat.held_queue", "held_queue", "h", "Held", "Held for review",
      "The messages held for review: a approves, x denies", "held queue (mod)",
      Section.MESSAGES, "chat", Who.MODERATOR, footer=False),
    _("chat.room_settings", "room_settings", "ctrl+r", "Settings", "Room settings",
      "Blocked terms, flood limits and the new-identity wait", "room settings (host)",
      Section.ANYWHERE, "chat", Who.BROADCASTER, footer=False),
    # --- the admin menu (tui/screens/dialogs/admin_menu.py): one letter per entry, and an entry
    # that does what a chat key does answers that key (`follows`). Not in F1 or the
    # palette: the menu writes each key beside its entry. ---
    _("admin_menu.close", "choose('')", "escape", "Close", "", "Close the menu", "",
      Section.MESSAGES, "admin_menu"),
    _("admin_menu.delete", "choose('delete')", "", "Delete", "", "Delete the message", "",
      Section.MESSAGES, "admin_menu", follows="chat.delete"),
    _("admin_menu.disconnect", "choose('disconnect')", "", "Disconnect", "",
      "Disconnect the sender", "", Section.MESSAGES, "admin_menu", follows="chat.disconnect"),
    _("admin_menu.invite", "choose('invite')", "", "Invite", "", "Invite the sender on stage",
      "", Section.MESSAGES, "admin_menu", follows="chat.invite"),
    _("admin_menu.timeout", "choose('timeout')", "", "Time out", "", "Time out the sender",
      "", Section.MESSAGES, "admin_menu", follows="chat.timeout"),
    _("admin_menu.untimeout", "choose('untimeout')", "e", "End timeout", "",
      "End the sender's timeout", "", Section.MESSAGES, "admin_menu"),
    _("admin_menu.ban", "choose('ban')", "", "Ban", "", "Ban the sender", "",
      Section.MESSAGES, "admin_menu", follows="chat.ban"),
    # One key for both: only one of them applies to a sender.
    _("admin_menu.mod", "choose('mod')", "o", "Moderator", "", "Make the sender a moderator",
      "", Section.MESSAGES, "admin_menu"),
    _("admin_menu.unmod", "choose('unmod')", "o", "Moderator", "",
      "Make the sender a viewer again", "", Section.MESSAGES, "admin_menu"),
    # --- the user card (tui/screens/user_card.py): as the admin menu, and the card writes
    # its keys in a line of its own. One key per action; `o` and `p` are the
    # broadcaster's alone. ---
    _("user_card.close", "dismiss_card", "escape,u", "Close", "", "Close the card", "",
      Section.MESSAGES, "user_card"),
    _("user_card.timeout", "choose('timeout')", "", "time out", "", "Time out the user", "",
      Section.MESSAGES, "user_card", follows="chat.timeout"),
    _("user_card.untimeout", "choose('untimeout')", "r", "end timeout", "",
      "End the user's timeout", "", Section.MESSAGES, "user_card"),
    _("user_card.ban", "choose('ban')", "", "ban", "", "Ban the user", "", Section.MESSAGES,
      "user_card", follows="chat.ban"),
    _("user_card.unban", "choose('unban')", "a", "unban", "", "Lift the user's ban", "",
      Section.MESSAGES, "user_card"),
    _("user_card.mod", "choose('mod')", "o", "make moderator", "",
      "Make the user a moderator", "", Section.MESSAGES, "user_card"),
    _("user_card.unmod", "choose('unmod')", "p", "remove moderator", "",
      "Make the user a viewer again", "", Section.MESSAGES, "user_card"),
    _("user_card.note", "add_note", "n", "add note", "",
      "Add a note on the user that every moderator sees", "", Section.MESSAGES, "user_card"),
    # --- the held queue (tui/screens/held_queue.py): its footer and F1 there show them ---
    _("held_queue.close", "close", "escape", "Close", "", "Back to the chat", "",
      Section.MESSAGES, "held_queue"),
    _("held_queue.approve", "approve", "a", "Approve", "",
      "Let the selected message into the room, as its sender's", "", Section.MESSAGES,
      "held_queue"),
    _("held_queue.deny", "deny", "x", "Deny", "", "Drop the selected message", "",
      Section.MESSAGES, "held_queue"),
    _("held_queue.refresh", "refresh_queue", "ctrl+r,f5", "Refresh", "",
      "Ask the server for the queue again", "", Section.MESSAGES, "held_queue"),
)  # fmt: skip
del _

SECTION_RULES: dict[Section, str] = {
    # The message list's letters are commands only one at a time (tui/terminal/key_bursts.py).
    Section.MESSAGES: "typing → composer",
}
"""F1's line under a section's heading: a rule that holds for all its keys."""

BY_ACTION: dict[tuple[Owner, str], UserAction] = {(a.owner, a.action): a for a in ACTIONS}
BY_ID: dict[str, UserAction] = {a.id: a for a in ACTIONS}


def keys_in_force(action_id: str, keymap: Mapping[str, str]) -> str:
    """The keys of `action_id` under `keymap` (binding id -> keys): the keymap's for it,
    else those of the binding it follows, else its defaults."""
    action = BY_ID[action_id]
    if keys := keymap.get(action_id):
        return keys
    if action.follows:
        return keys_in_force(action.follows, keymap)
    return action.keys


def followed_keys(owner: Owner, keymap: Mapping[str, str]) -> dict[str, str]:
    """A keymap for `owner`'s bindings that follow another: each id with the keys it has
    under `keymap`. Textual applies a keymap by binding id, so applied to the owner's
    bindings, this moves them with the bindings they follow."""
    return {a.id: keys_in_force(a.id, keymap) for a in ACTIONS if a.owner == owner and a.follows}


def bindings_for(
    owner: Literal[
        "admin_menu",
        "app",
        "chat",
        "composer",
        "held_queue",
        "message_list",
        "search_bar",
        "user_card",
    ],
    keymap: Mapping[str, str] | None = None,
) -> list[BindingType]:
    """The `BINDINGS` of `owner`: its records that have keys, in the table's order, each
    with the keys it has under `keymap` (by default, the defaults). Typed as Textual's
    `BINDINGS` is, whose list is invariant."""
    return [
        a.binding(keymap) for a in ACTIONS if a.owner == owner and keys_in_force(a.id, keymap or {})
    ]


def actions_of(owner: Owner) -> frozenset[str]:
    """The action names `owner` answers for (what its `check_action` decides)."""
    return frozenset(a.action for a in ACTIONS if a.owner == owner)


__all__ = [
    "ACTIONS",
    "BY_ACTION",
    "BY_ID",
    "SECTION_RULES",
    "Section",
    "UserAction",
    "Who",
    "actions_of",
    "bindings_for",
    "followed_keys",
    "keys_in_force",
]

"""The room's events as Textual messages: how the network reaches the screen.

The app's room worker posts these to the chat screen; widgets change only in their
handlers. Chat messages come in batches: the worker appends to a shared inbox and posts
one `MessagesArrived` per burst, so a flood costs one message per frame, not per line.
None of them bubbles: the chat screen is their only reader, and a message bubbling on to
the app wakes the app's own message loop for nothing, once per burst (at 100 messages a
second, once per message).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.client.session import SelfIdentity
from tui.ivs.events import ChatMessage, MessageDeleted, StateChanged, UserDisconnected
from tui.ivs.invites import Invite
from tui.ivs.moderation_notice import ModerationNotice


@dataclass
class IdentityKnown(Message, bubble=False):
    """The app server told us who we are."""

    identity: SelfIdentity


@dataclass
class MessagesArrived(Message, bubble=False):
    """New chat messages: `inbox` is drained by the handler (shared with the worker)."""

    inbox: list[ChatMessage]


@dataclass
class MessageGone(Message, bubble=False):
    event: MessageDeleted


@dataclass
class UserGone(Message, bubble=False):
    event: UserDisconnected


@dataclass
class InviteReceived(Message, bubble=False):
    """An invite addressed to us (everyone else's client drops it)."""

    invite: Invite


@dataclass
class ConnectionChanged(Message, bubble=False):
    event: StateChanged


@dataclass
class Moderated(Message, bubble=False):
    """A moderator (or the room keeper) acted: the `ivs-chat-tui:Moderation` notice."""

    notice: ModerationNotice

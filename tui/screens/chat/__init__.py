"""The chat screen, one module per concern:

- `screen.py`: `ChatScreen`, the layout, room events on their way in, the watchers of
  the state shown and `check_action`;
- `base.py`: `ChatBase`, what every part shares: the state shown (reactive), the widgets,
  the moderation model (tui/chat/moderation_state.py), how an outcome is said;
- `words.py`: the screen's own words;
- `connection.py`: the connection, how the room ends, and the send queue;
- `notices.py`: what the room says about moderation (notices, deletions);
- `moderation.py`: what a moderator does (keys, admin menu, user card choices, dialogs);
- `stage.py`: the stage invite, the broadcaster's stage link, WHIP;
- `search.py`: history, search and the user card;
- `keys.py`: keys typed in the message list, and which pane has the keys.

A new flow is a module here with a subclass of `ChatBase` (its handlers, actions and
workers), added to `ChatScreen`'s bases; its keys' cases go into `check_action`.
"""

from tui.screens.chat.screen import ChatScreen

__all__ = ["ChatScreen"]

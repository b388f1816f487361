"""The Textual app: wiring and bindings, nothing else.

It is given a session (tui.client.session.ChatSession: how to get tokens and reach the app
server) and wires a controller (tui/controller.py: the session, the room client, the
effects) to the chat screen, whose `deliver` turns the room's events into its Textual
messages. Without a session (snapshots, tests of
the screen) nothing connects: events are handed to `deliver()` directly, with an
injected clock and fixed ids.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo as TzInfo
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, InvalidThemeError, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.action_table import ACTIONS, UserAction, bindings_for
from tui.chat.history_relay import Delivered
from tui.chat.room_messages import IdentityKnown
from tui.cli.gc_tuning import THRESHOLDS, tune_gc
from tui.client.session import ChatSession, SelfIdentity
from tui.common.timing.clock import Clock, utc_now
from tui.config.settings import TuiSettings
from tui.controller import ChatController, RoomFactory
from tui.error_words import error_words
from tui.ivs.events import ConnectionState, StateChanged
from tui.ivs.moderation_notice import read_notice
from tui.screens.chat import ChatScreen
from tui.screens.dialogs.dialog import DialogScreen
from tui.terminal.alerts import Alerts, driver_writer, notice_for
from tui.terminal.dump import SCROLLBACK_DUMP_ENV, dump_scrollback
from tui.terminal.hangup import HANGUP_CHECK_SECONDS, terminal_hung_up
from tui.terminal.output import compacting_driver
from tui.terminal.untrusted import clean
from tui.widgets.join_hint import JoinHints

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.driver import Driver

    from tui.client.session_keys import SavedKeys
    from tui.ivs.room import ChatRoom

log = logging.getLogger(__name__)
TERMINAL_GONE_EXIT = 129
"""The exit status when the terminal hung up: 128 + SIGHUP, as a shell reports one."""

BrowserOpener = Callable[[str], bool]


def browser_can_open() -> bool:
    """A browser can open on this machine: not over SSH, and a desktop to open it on."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_browser(url: str) -> bool:
    """Open `url` where a browser can open; False when none can (the link is shown anyway)."""
    if not browser_can_open():
        return False
    import webbrowser  # here: it costs start-up time, and is used once in a while

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def pressable_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap's entries a terminal could send: a key name with a control character
    in it can never be pressed, and the footer and help would draw it raw."""
    return {bid: keys for bid, keys in keymap.items() if clean(keys) == keys}


class ChatApp(App[int]):
    TITLE = "ivs-chat-tui"
    # Toasts stand clear of the composer's characters-left counter (6 columns at the
    # right edge, tui/widgets/composer.py): it is what a user watches while typing.
    CSS = """
    ToastRack {
        padding-right: 6;
    }
    """
    BINDINGS = bindings_for("app")  # tui/action_table.py

    def __init__(
        self,
        session: ChatSession | None = None,
        *,
        settings: TuiSettings | None = None,
        identity: SelfIdentity | None = None,
        join_hint: JoinHints | str | None = None,
        clock: Clock = utc_now,
        tz: TzInfo | None = None,
        browser: BrowserOpener = open_browser,
        room_factory: RoomFactory | None = None,
        controller: ChatController | None = None,
        when_live: Callable[[], object] | None = None,
    ) -> None:
        """`when_live` runs once, after the first frame that shows the room connected."""
        super().__init__()
        self._when_live = when_live
        self.settings = settings if settings is not None else TuiSettings()
        self.controller = controller or ChatController(
            session, browser=browser, clipboard=self.copy_to_clipboard, room_factory=room_factory
        )
        self.controller.history_on_join = self.settings.history_on_join
        if identity is not None:
            self.controller.identity = identity  # known already (a test, a snapshot)
        self.join_hint = join_hint
        self.clock = clock
        self.tz = tz if tz is not None else self.settings.tz
        # The keymap in force: the footer and help draw these keys' names.
        self.keymap = pressable_keys(self.settings.keymap)
        self.chat = ChatScreen(
            self.controller,
            identity=identity,
            clock=clock,
            tz=self.tz,
            scrollback=self.settings.scrollback,
            join_hint=join_hint,
            keymap=self.keymap,
        )
        # The bell and notifications go to this app's terminal (tui/terminal/alerts.py).
        self.chat.alerts = Alerts(
            self.settings.alerts,
            moderator=identity is not None and identity.is_moderator,
            write=driver_writer(self),
            notice=notice_for(),
        )
        self.chat.presets = self.settings.moderation

    @property
    def session(self) -> ChatSession | None:
        return self.controller.session

    @property
    def identity(self) -> SelfIdentity | None:
        """Who we are: the controller's (it owns it); the chat screen shows it."""
        return self.controller.identity

    @property
    def room(self) -> ChatRoom | None:
        return self.controller.room

    @room.setter
    def room(self, room: ChatRoom | None) -> None:
        self.controller.room = room

    def exit(
        self, result: int | None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        # While the list is still mounted: benchmarks check the scrollback kept every
        # message (tui/terminal/dump.py; nothing happens unless its variable is set).
        if os.environ.get(SCROLLBACK_DUMP_ENV) and self.chat.is_attached:
            self.chat.take_held()  # a burst held for the next repaint counts as shown
            dump_scrollback(self.chat.messages.messages)
        super().exit(result, return_code, message)

    def _check_terminal(self) -> None:
        stdin = sys.__stdin__
        if stdin is not None and terminal_hung_up(stdin.fileno()):
            log.warning("the terminal has gone: quitting")
            self.exit(return_code=TERMINAL_GONE_EXIT)

    def get_driver_class(self) -> type[Driver]:
        # Fewer bytes per frame over a slow link (tui/terminal/output.py).
        return compacting_driver(super().get_driver_class())

    def on_mount(self) -> None:
        if not self.is_headless and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(HANGUP_CHECK_SECONDS, self._check_terminal)
        if self.settings.theme:
            try:
                self.theme = self.settings.theme
            except InvalidThemeError:
                self.notify(
                    clean(f"Unknown theme {self.settings.theme!r}; try one from ctrl+p → Theme."),
                    severity="warning",
                    markup=False,  # the name is the config's: "[b" must not break the toast
                )
        self.set_keymap(self.keymap)
        if unpressable := sorted(set(self.settings.keymap) - set(self.keymap)):
            self.notify(
                clean(
                    "Keys with control characters can never be pressed (ignored) for: "
                    + ", ".join(unpressable)
                ),
                severity="warning",
                markup=False,
            )
        self.push_screen(self.chat)
        if self.session is not None:
            self._run_room()

    # --- the room ------------------------------------------------------------------------

    @work(group="room", exclusive=True, exit_on_error=False)
    async def _run_room(self) -> None:
        await self.controller.run(self.deliver, self._identified)

    def _identified(self, identity: SelfIdentity) -> None:
        self.chat.post_message(IdentityKnown(identity))

    def deliver(self, event: Delivered) -> None:
        """One room event to the chat screen (ChatScreen.deliver posts it as a message)."""
        # As the controller reads the room (a notice read once); an event read already,
        # as the controller hands them on, passes through.
        self.chat.deliver(read_notice(event), self.identity)
        if (
            self._when_live is not None
            and isinstance(event, StateChanged)
            and event.state is ConnectionState.CONNECTED
        ):
            self.call_after_refresh(self._when_live)
            self._when_live = None

    # --- keys and the command palette ----------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Each key read from the terminal is judged as it arrives, in order, before Textual
        # routes it: the chat screen holds keys typed in the message list until it knows
        # whether they came alone (a command) or together (text: tui/terminal/key_bursts.py), and a
        # dialog drops keys sent before it was on screen.
        if isinstance(event, events.Key) and not event.is_forwarded:
            if not (self.chat.is_attached and await self.chat.key_arrived(event)):
                await self.route_key(event)
            return
        await super().on_event(event)

    async def route_key(self, event: events.Key) -> None:
        """A key read (or held by the chat screen until now), routed as Textual routes
        it, unless a dialog that was not yet on screen when it was read is on top now."""
        screen = self.screen
        if isinstance(screen, DialogScreen) and not screen.accepts(event):
            return
        await super().on_event(event)

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        chat = self.chat
        if not chat.is_mounted or screen is not chat:
            return
        for action in ACTIONS:
            if action.title and (run := self._palette_callback(action)) is not None:
                key = self.keymap.get(action.id, action.keys).split(",")[0].strip()
                shown = self.get_key_display(Binding(key, "")) if key else ""
                help_text = f"{action.help} · {shown}" if shown else action.help
                yield SystemCommand(action.title, help_text, run)

    def _palette_callback(self, action: UserAction) -> Callable[[], object] | None:
        """How the palette runs `action` now, or None when it does not apply (the owner's
        check_action says, as for its key)."""
        chat = self.chat
        match action.owner:
            case "chat":
                if chat.check_action(action.action, ()):
                    return getattr(chat, f"action_{action.action}")
            case "composer":
                composer = chat.composer.input
                if not composer.disabled:
                    return functools.partial(composer.run_action, action.action)
            case "message_list":
                messages = chat.messages
                if len(messages):

                    async def run() -> None:
                        messages.focus()
                        await messages.run_action(action.action)

                    return run
        return None

    async def on_unmount(self) -> None:
        await self.controller.close()


async def run_chat_async(
    server_url: str,
    name: str,
    *,
    broadcaster_key: str | None = None,
    join_hint: JoinHints | str | None = None,
    settings: TuiSettings | None = None,
    keys: SavedKeys | None = None,
) -> int:
    """Join through the app server at `server_url` and run the TUI in the running event
    loop until the user quits. Returns the exit code: 0, or 1 after printing one line
    when the app server cannot be reached or refuses the name or key. With `keys`, a
    viewer comes back as the identity saved there for this server and name."""
    from tui.client.app_server import AppServerClient

    client = AppServerClient(server_url, broadcaster_key=broadcaster_key)
    session = ChatSession(client, name, keys=keys)
    # A server that takes the connection and never answers would leave the terminal
    # blank until the client's timeout: say what we wait for, then wipe the line.
    waiting = sys.stderr.isatty()
    if waiting:
        print(f"ivs-chat-tui: connecting to {clean(server_url)}…", end="", file=sys.stderr)
        sys.stderr.flush()
    try:
        # Before the screen opens: a refusal is one line on the terminal, not a broken UI.
        await session.open()
    except Exception as exc:
        if waiting:
            print("\r\x1b[2K", end="", file=sys.stderr)
        await session.close()
        # The server's words may quote what was sent: never raw to the terminal.
        print(f"ivs-chat-tui: {clean(error_words(exc))}", file=sys.stderr)
        return 1
    if waiting:
        print("\r\x1b[2K", end="", file=sys.stderr)
    # The collector, off since `join` or the demo started (tui/cli/join.py), is back on with
    # the app's thresholds; its one full collection and the freeze of what start-up made
    # (tui/cli/gc_tuning.py) wait until the live chat is painted: they took ~50 ms. Here, not
    # in ChatApp: tests and embedders keep their own GC.
    app = ChatApp(session, settings=settings, join_hint=join_hint, when_live=tune_gc)
    gc.set_threshold(*THRESHOLDS)
    gc.enable()
    await app.run_async()
    return app.return_code or 0


__all__ = ["ChatApp", "browser_can_open", "open_browser", "run_chat_async"]

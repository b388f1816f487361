"""The raid tools on the chat screen: shield mode (`r`), the held-for-review queue (`h`),
the moderators' news that drives the status line's `SHIELD mm:ss` and `held 3`, the
approved marks in the list, and the alerts (a mention of me; for moderators a held
message, an offence, shield mode turning on or off).

The news is `GET /api/moderation/events`, followed while we are a moderator and the room
is not over (tui/chat/raid/news.py keeps it and reconnects); the alerts go through
`alerts` (tui/terminal/alerts.py), which the app makes from the config's `[alerts]`."""

from __future__ import annotations

import asyncio
import logging

from textual import work
from textual.timer import Timer

from tui.chat.raid.news import News, RaidState, follow_news
from tui.client.moderation_api import NotPermitted
from tui.common.text import for_log
from tui.config.alert_settings import AlertKind
from tui.error_words import error_words
from tui.ivs.events import ChatMessage, NotConnected
from tui.screens.chat.base import ChatBase
from tui.screens.held_queue import HeldQueueScreen

log = logging.getLogger(__name__)
SHIELD_TICK_SECONDS = 1.0
"""How often `SHIELD mm:ss` is redrawn."""


class RaidFlows(ChatBase):
    _raid_state: RaidState | None = None
    _news_task: asyncio.Task[None] | None = None

    @property
    def raid(self) -> RaidState:
        if self._raid_state is None:
            self._raid_state = RaidState()
        return self._raid_state

    # --- who we are: the news only while we moderate -------------------------------------

    def _raid_identity(self) -> None:
        """Called when who we are or whether the room is over changes."""
        moderator = self._is_moderator and not self.ended
        if self.alerts is not None:
            self.alerts.moderator = moderator
        if moderator and self._news_task is None:
            # A task, not a worker: it lasts as long as the chat, and a test waiting for
            # the screen's workers to finish must not wait for it.
            self._news_task = asyncio.create_task(self._follow_news())
        elif not moderator and self._news_task is not None:
            self._news_task.cancel()
            self._news_task = None
            self._news_lost()

    def on_unmount(self) -> None:
        if self._news_task is not None:
            self._news_task.cancel()
            self._news_task = None

    async def _follow_news(self) -> None:
        """The stream until cancelled, or refused for good (no longer a moderator, or no
        app server in this session)."""
        try:
            words = await follow_news(
                self.controls.moderation_news,
                self._news,
                is_final=lambda exc: isinstance(exc, NotPermitted | NotConnected),
                on_lost=lambda why: self._news_lost(),
            )
        except Exception:  # never a traceback in front of the user; the chat goes on
            log.exception("the moderators' news failed")
            words = "failed"
        log.info("moderators' news: no more (%s)", for_log(words))
        self._news_task = None
        self._news_lost()

    def _news_lost(self) -> None:
        self.raid.forget()
        if self.is_attached:
            self._show_raid()

    def _news(self, news: News) -> None:
        if not self.is_attached:
            return
        held_before = self.raid.held
        for kind, words in self.raid.take(news):
            self._alert(kind, words)
        for message_id in news.approved:
            self.messages.mark_approved(message_id)
        if news.held != held_before and isinstance(self.app.screen, HeldQueueScreen):
            self.app.screen.queue_changed()
        self._show_raid()

    # --- the status line -----------------------------------------------------------------

    _shield_ticker: Timer | None = None

    def _show_raid(self) -> None:
        self.status.raid = self.raid.status_words(self._clock())
        if self.raid.shield_on and self._shield_ticker is None:
            self._shield_ticker = self.set_interval(SHIELD_TICK_SECONDS, self._tick_shield)
        elif not self.raid.shield_on and self._shield_ticker is not None:
            self._shield_ticker.stop()
            self._shield_ticker = None

    def _tick_shield(self) -> None:
        self.status.raid = self.raid.status_words(self._clock())

    # --- messages as they arrive -----------------------------------------------------------

    def _raid_arrived(self, message: ChatMessage) -> None:
        """A live message was added to the list: marked if approved, alerted if it names us."""
        if self._news_task is not None and self.raid.approved(message.id):
            self.messages.mark_approved(message.id)
        if self.messages.mentions_me(message):
            self._alert(AlertKind.MENTION, f"{message.sender_name}: {message.content}")

    def _alert(self, kind: AlertKind, words: str) -> None:
        if self.alerts is not None:
            self.alerts.alert(kind, words)

    # --- the keys -----------------------------------------------------------------------

    def action_shield(self) -> None:
        self._toggle_shield()

    @work(group="shield", exclusive=True, exit_on_error=False)
    async def _toggle_shield(self) -> None:
        try:
            now = await self.controls.shield()
            state = await self.controls.set_shield(not now.on)
        except Exception as exc:
            self._failed(f"could not change shield mode: {error_words(exc)}")
            return
        self.raid.shield_on = state.on
        self.raid.shield_until = state.until
        self._show_raid()
        if state.on:
            s = state.settings
            self._said(
                f"shield mode on for {s.minutes} min: messages from identities younger than "
                f"{s.min_identity_age_seconds // 60} min are held, viewers send once per "
                f"{s.slow_mode_seconds} s"
            )
        else:
            self._said("shield mode off")

    def action_held_queue(self) -> None:
        self.app.push_screen(HeldQueueScreen(self.controls, tz=self._tz, clock=self._clock))


__all__ = ["RaidFlows"]

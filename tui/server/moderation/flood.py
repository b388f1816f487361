"""Flood control: more than N messages in S seconds from one sender is an offence.

Pure and synchronous, with an injectable clock. `FloodWatch.note(user_id)` is called for
every message and answers True once per burst: the first message over the limit. The
burst lasts until the sender has been quiet for S seconds, so messages still in flight
after the keeper acted (or a sender that keeps going) bring no second timeout.

Memory is bounded under a raid of many senders: each sender keeps at most N + 1 send
times, a sender quiet for S seconds is forgotten, and at most `max_senders` are
remembered (the least recently active go first: a sender who is flooding is never that).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.server.moderation.room_settings import FloodLimits

MAX_SENDERS = 10_000
"""Far more senders than can each send twice within a window at the room's highest rate
(100 msg/s) for the default 5 s window; a raid beyond it forgets the quietest."""


@dataclass(slots=True)
class _Sender:
    times: deque[float] = field(default_factory=deque)
    offending: bool = False


class FloodWatch:
    def __init__(
        self,
        limits: FloodLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_senders: int = MAX_SENDERS,
    ) -> None:
        if max_senders < 1:
            raise ValueError("max_senders must be at least 1")
        self.limits = limits
        self._clock = clock
        self._max = max_senders
        self._senders: OrderedDict[str, _Sender] = OrderedDict()  # least recently active first

    def __len__(self) -> int:
        """How many senders are remembered."""
        return len(self._senders)

    def set_limits(self, limits: FloodLimits) -> None:
        """New settings: counts start again, so nobody is caught by a limit they did not
        break."""
        self.limits = limits
        self._senders.clear()

    def forget(self, user_id: str) -> None:
        self._senders.pop(user_id, None)

    def note(self, user_id: str) -> bool:
        """One message from `user_id`, now: True if it starts an offence."""
        now = self._clock()
        window = self.limits.seconds
        senders = self._senders
        # The least recently active first: forget those quiet for a whole window.
        while senders:
            oldest = next(iter(senders.values()))
            if oldest.times and now - oldest.times[-1] < window:
                break
            senders.popitem(last=False)
        sender = senders.get(user_id)
        if sender is None:
            if len(senders) >= self._max:
                senders.popitem(last=False)
            sender = senders[user_id] = _Sender()
        else:
            senders.move_to_end(user_id)
        # (A sender quiet for a whole window was forgotten above: their burst is over.)
        times = sender.times
        times.append(now)
        limit = self.limits.messages
        while len(times) > limit + 1 or (times and now - times[0] >= window):
            times.popleft()
        if len(times) > limit and not sender.offending:
            sender.offending = True
            return True
        return False


__all__ = ["MAX_SENDERS", "FloodWatch"]

"""A bounded set of recently seen frame ids, to drop duplicates while two connections
overlap (the official SDK dedups by frame `Id` the same way)."""

from __future__ import annotations

from collections import deque


class RecentIds:
    """Remembers the last `capacity` ids. O(1) per id; the oldest is forgotten first."""

    __slots__ = ("_order", "_seen")

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, not {capacity}")
        self._seen: set[str] = set()
        self._order: deque[str] = deque(maxlen=capacity)

    def add(self, frame_id: str) -> bool:
        """Remember `frame_id`. False if it was already seen (a duplicate)."""
        if frame_id in self._seen:
            return False
        order = self._order
        if len(order) == order.maxlen:
            self._seen.discard(order[0])  # the deque drops it on append below
        order.append(frame_id)
        self._seen.add(frame_id)
        return True

    def __contains__(self, frame_id: object) -> bool:
        return frame_id in self._seen

    def __len__(self) -> int:
        return len(self._seen)

"""Garbage-collector settings for the running TUI.

Under a chat flood Textual makes many short-lived `Strip`s, each with small caches that
form reference cycles; they survive the young generations, so full collections of the
whole heap (10,000 messages of scrollback) come about twice a second and take 60-330 ms,
which is what a key press then waits for. Freezing what start-up allocated and raising
the thresholds makes those pauses rare: bench/bench_tui.py measures key latency p99 with
and without this (see the README's benchmark table).
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 50, 50)


def tune_gc() -> tuple[int, int, int]:
    """Freeze what exists now and raise the thresholds. Returns the old thresholds, so
    a benchmark can put them back with `restore_gc`."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return previous


def restore_gc(previous: tuple[int, int, int]) -> None:
    gc.set_threshold(*previous)
    gc.unfreeze()

"""Garbage-collector settings for the running TUI.

Under a chat flood every frame repaints message-list lines, and Textual's `Strip`s keep
small caches that often hold the strip itself (`divide` caches `[self]`), so each
painted line leaves a reference cycle for the collector. With Python's default
thresholds that garbage and the growing scrollback cost many full collections under a
flood, each a long pause, and a key press that meets one waits for it. Freezing what
start-up allocated and raising the thresholds leaves short young collections, a rare
middle one and no full one in a flood's time. bench/bench_tui.py measures key latency
with and without this; the README's Benchmarks notes have the figures.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

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


def without_collection(run: Callable[[], int]) -> int:
    """`run()` with the collector off. Start-up makes some 60,000 objects that live as
    long as the process (modules, classes, pydantic's validators): collecting while they
    pile up finds nothing and took about a tenth of the import time. `run_chat_async`
    turns collection back on once the app runs; this does when `run` returns."""
    gc.disable()
    try:
        return run()
    finally:
        gc.enable()

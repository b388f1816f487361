"""Blocked terms: what checking one message costs the room keeper at the largest list.

`bench_matcher()` builds the largest list `compile_terms` accepts (MAX_TERMS terms, of
which MAX_PATTERNS are re: patterns) and times `BlockedTerms.match` (folding included)
on four kinds of message: a typical short line, 500 ASCII characters, 500 non-ASCII
characters (look-alikes, so folding does all its steps), and 500 of one letter, the
near-miss text patterns are slowest on. The keeper checks every message of a room that
carries at most 100 a second, so "% of a core" is the cost per message times 100.

    .venv/bin/python -m bench.bench_moderation
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from tui.server.moderation.terms import MAX_PATTERNS, MAX_TERMS, BlockedTerms, compile_terms

ROOM_RATE = 100  # messages a second: IVS's highest maximumMessageRatePerSecond
ROUNDS = 2_000


def largest_list() -> list[str]:
    words = [f"blockedword{i}" for i in range(MAX_TERMS - MAX_PATTERNS - 100)]
    phrases = [f"buy cheap thing{i} now" for i in range(100)]
    patterns = [f"re:sp[a4]m{i}[a-z]*x" for i in range(MAX_PATTERNS)]
    return words + phrases + patterns


def _messages() -> dict[str, str]:
    cyrillic = "\u0455\u0441\u0430m \u043f\u0440\u0438\u0432\u0435\u0442 "  # look-alikes
    return {
        "typical line": "gg that was a great play, see you all next stream!",
        "500 ASCII": ("hello everyone this is a normal message " * 13)[:500],
        "500 non-ASCII": (cyrillic * 40)[:500],
        "500 of one letter": "a" * 500,
    }


def _time_per_call(terms: BlockedTerms, text: str, rounds: int) -> float:
    """Median seconds of `terms.match(text)` over `rounds` calls, in batches."""
    batch = 50
    samples = []
    for _ in range(rounds // batch):
        started = time.perf_counter()
        for _ in range(batch):
            terms.match(text)
        samples.append((time.perf_counter() - started) / batch)
    return statistics.median(samples)


def bench_matcher(rounds: int = ROUNDS) -> dict[str, Any]:
    """Per-message cost of the blocked-terms check at the largest list; prints a table."""
    started = time.perf_counter()
    terms = compile_terms(largest_list())
    compile_ms = (time.perf_counter() - started) * 1000
    rows = []
    for kind, text in _messages().items():
        found = terms.match(text)
        assert found is None, f"the bench's {kind} message must not be blocked: {found}"
        seconds = _time_per_call(terms, text, rounds)
        rows.append(
            {
                "message": kind,
                "us_per_message": seconds * 1e6,
                "core_percent_at_100_msgs": seconds * ROOM_RATE * 100,
            }
        )
    width = max(len(r["message"]) for r in rows)
    print(
        f"blocked terms: {len(terms.terms)} terms ({MAX_PATTERNS} re: patterns), "
        f"checked and compiled in {compile_ms:.0f} ms"
    )
    print(f"{'message'.ljust(width)}  us/message  % of a core at {ROOM_RATE} msg/s")
    for r in rows:
        print(
            f"{r['message'].ljust(width)}  {r['us_per_message']:10.1f}  "
            f"{r['core_percent_at_100_msgs']:.2f}"
        )
    worst = max(r["us_per_message"] for r in rows)
    return {
        "matcher_worst_us_per_msg": worst,
        "matcher_compile_ms": compile_ms,
        "matcher": rows,
    }


def run() -> dict[str, Any]:
    return bench_matcher()


if __name__ == "__main__":
    bench_matcher()

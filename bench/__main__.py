"""`make bench`: run every benchmark, print one table, write bench/results.json.

Each benchmark is a function returning a dict whose keys go into results.json as they
are; the table shows the flat ones (numbers and words). A benchmark whose figures are
nested (bench_history) gets an entry here that also picks out its headline figures.
`python -m bench client fanout` runs only the named ones.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _history() -> dict[str, Any]:
    from bench.bench_history import run

    figures = run()
    return {
        **figures,
        "history_fetch_1000_p99_ms": figures["history_fetch_1000"]["p99_ms"],
        "history_fetch_1000_newest_p99_ms": figures["history_fetch_1000_newest"]["p99_ms"],
        "history_insert_p99_us": figures["history_insert_default_bounds"]["per_insert_p99_us"],
        "history_inserts_per_s": figures["history_insert_default_bounds"]["inserts_per_s"],
    }


# name -> "module" (its run()) or "module:function", or a function of this module
BENCHMARKS: dict[str, str | Callable[[], dict[str, Any]]] = {
    "client": "bench.bench_client",
    "fanout": "bench.bench_fanout",
    "tui": "bench.bench_tui",
    "tty": "bench.bench_tty",
    "keeper": "bench.bench_keeper:bench_keeper_delay",
    "moderation": "bench.bench_moderation:bench_matcher",
    "history": _history,
    "search": "bench.bench_search:run",
    "postgres": "bench.bench_postgres:run",
    "review": "bench.bench_review:run",
    "review_lambda": "bench.bench_review_lambda",
    "history_probe": "bench.bench_history_probe",
}
# key -> (what it is, target as words)
TARGETS: dict[str, tuple[str, str]] = {
    "client_ingest_msgs_per_s": ("one client ingesting a flood, frames parsed", ">= 30,000"),
    "tui_ingest_msgs_per_s": ("the app (headless 120x40, follow on) showing messages", ">= 10,000"),
    "richlog_baseline_msgs_per_s": ("a plain RichLog fed the same messages", "ours >= 3x this"),
    "tui_vs_richlog": ("our ingest / RichLog's", ">= 3"),
    "key_latency_p50_ms": ("key press to screen, 1,000 msgs/s arriving", ""),
    "key_latency_p99_ms": ("key press to screen, 1,000 msgs/s arriving", "<= 50"),
    "key_latency_p50_ms_default_gc": ("the same, Python's default GC settings", ""),
    "key_latency_p99_ms_default_gc": ("the same, Python's default GC settings", ""),
    "rss_mb_after_1m_msgs": ("RSS after 1,000,000 messages", "flat once scrollback full"),
    "rss_mb_growth_after_scrollback_full": ("RSS growth from 100k to 1M messages", "~0"),
    "tty_bytes_per_s_at_100": ("to a real pty, 120x40, 100 msg/s, fast link", "<= 40,000"),
    "tty_idle_bytes_per_s": ("to the pty, connected, nothing happening", "<= 200"),
    "cpu_pct_at_100": ("the app's CPU at 100 msg/s, % of a core", "<= 6"),
    "slow_link_lag_p50_s": ("send to screen, pty drained at 256 kbit/s, 100 msg/s", "<= 0.5"),
    "slow_link_lag_max_s": ("the same, the worst message shown", "<= 1"),
    "slow_link_shown_pct": ("messages the slow screen ever showed (all are kept)", ""),
    "slow_link_scrollback_kept_pct": ("of those, % the scrollback held at the end", "100"),
    "slow_link_key_p99_ms": ("a typed letter to the screen, same slow link", "<= 500"),
    "slow_link_rss_growth_mb": ("RSS growth over the slow-link flood", "~0"),
    "slow64_lag_p50_s": ("send to screen, pty drained at 64 kbit/s, 100 msg/s", "<= 1.0"),
    "slow64_lag_max_s": ("the same, the worst message shown", "<= 2.0"),
    "slow64_shown_pct": ("messages that slow screen ever showed (all are kept)", ""),
    "slow64_key_p99_ms": ("a typed letter to the screen, 64 kbit/s", "<= 300"),
    "slow64_action_s": ("`b` on a message to the ban dialog drawn, 64 kbit/s", "<= 0.5"),
    "slow64_action_max_s": ("the slowest of those tries", ""),
    "first_paint_s": ("from `join` to the live chat painted, local stack", "< 1"),
    "first_paint_max_s": ("the slowest of those starts", ""),
    "first_paint_cpu_s": ("the app's CPU seconds by then (load moves it less)", ""),
    "help_s": ("`ivs-chat-tui --help`, wall time", "< 0.15"),
    "python_start_s": ("`python -c pass` on the same machine, for scale", ""),
    "keeper_delete_p99_ms": ("keeper: blocked message to its deletion, 100 msg/s", "< 1,000"),
    "matcher_worst_us_per_msg": ("blocked-terms check, largest list, worst message", ""),
    "history_fetch_1000_p99_ms": ("history fetch of 1,000 messages after an id", ""),
    "history_fetch_1000_newest_p99_ms": ("history fetch of the newest 1,000 (on join)", ""),
    "history_insert_p99_us": ("one insert into a full store, retention on", ""),
    "history_inserts_per_s": ("inserts one core sustains (the room sends 100)", ">= 100"),
    "pg_tokens_per_s_1_instance": ("chat tokens issued a second, 1 instance on Postgres", ""),
    "pg_tokens_per_s_2_instances": ("the same, 2 instances on one Postgres", ""),
    "pg_tokens_two_vs_one": ("2 instances' rate / 1's (one machine: cores shared)", ""),
    "sqlite_tokens_per_s_1_instance_same_run": ("1 instance on SQLite, same run", ""),
    "pg_token_cpu_ms_1_instance": ("app server CPU per token, 1 instance on Postgres", ""),
    "pg_token_cpu_ms_2_instances": ("the same, summed over 2 instances", ""),
    "sqlite_token_cpu_ms_same_run": ("app server CPU per token on SQLite, same run", ""),
    "pg_history_fetch_1000_p99_ms": ("history fetch of 1,000 after an id, on Postgres", ""),
    "pg_history_fetch_1000_newest_p99_ms": ("the newest 1,000, on Postgres", ""),
    "sqlite_history_fetch_1000_p99_ms_same_run": ("the fetch on SQLite, same run", ""),
    "review_decision_p50_ms": ("POST /api/review answered, 100 msg/s, SQLite", ""),
    "review_decision_p99_ms": ("the same, p99 (signature, standing, terms, flood)", "<= 20"),
    "review_decision_pg_p50_ms": ("POST /api/review answered, 100 msg/s, Postgres", ""),
    "review_decision_pg_p99_ms": ("the same on Postgres, p99", "<= 20"),
    "review_forwarder_warm_p50_ms": ("review Lambda forwarder, kept TLS link, loopback", ""),
    "review_forwarder_warm_p99_ms": ("the same, p99 (IVS waits 200 ms)", "<= 150"),
    "review_forwarder_cold_ms": ("its first call: TCP and TLS handshakes, loopback", ""),
    "history_probe_rss_growth_mb": ("serve RSS: 100 unread ?limit=1000 of 9 KB messages", "<= 100"),
    "history_probe_page_kb": ("the size of one such page (bounded in bytes)", "<= 512"),
    "search_10k_none_p99_ms": ("search over 10,000 messages, nothing matches (all read)", ""),
    "search_app_10k_find_p99_ms": ("the search box's Enter in the app, 10,000 messages", ""),
    "search_app_10k_filter_p99_ms": ("the filter (ctrl+f) in the app, 10,000 messages", ""),
}
RESULTS = Path(__file__).with_name("results.json")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(results: dict[str, Any]) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for key, value in results.items():
        if key == "fanout" and isinstance(value, list):
            for row in value:
                review = ", review handler on" if row.get("review") else ""
                rows.append(
                    (
                        f"fanout {row['clients']} clients{review}",
                        f"{_fmt(row['msgs_per_s'])} msg/s, {_fmt(row['deliveries_per_s'])} "
                        f"deliveries/s, p50 {_fmt(row['p50_ms'])} ms, p99 {_fmt(row['p99_ms'])} ms",
                        "send to receive" + (" (an ALLOW handler on loopback)" if review else ""),
                        "" if review else "1000 clients: 100 msg/s, p99 < 100 ms",
                    )
                )
            continue
        if key.startswith("_") or isinstance(value, dict | list):
            continue
        what, target = TARGETS.get(key, ("", ""))
        rows.append((key, _fmt(value), what, target))
    headers = ("benchmark", "result", "what", "target")
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _function(spec: str | Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    if callable(spec):
        return spec
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function or "run")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["_machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    failed: list[str] = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            results.update(_function(BENCHMARKS[name])())
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.bench_{name}":
                print(f"  {name}: bench/bench_{name}.py is not in this tree, skipped")
                continue
            traceback.print_exc()
            failed.append(name)
            continue
        except Exception:  # one broken benchmark must not cost the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        finally:
            print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")  # kept as we go
    print_table(results)
    print(f"\nwritten {RESULTS}")
    if failed:
        print(f"failed: {', '.join(failed)} (their old figures, if any, are left)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

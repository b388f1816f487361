"""The TUI in a real terminal: bytes written, CPU, and lag behind a slow link.

The app runs as users run it (`ivs-chat-tui join`, a viewer) on a pseudo-terminal of
120x40 (bench.pty_harness), joined to a local stack in another process whose room gets
100 messages a second (IVS's maximum), each stamped with its send time. This process is
the terminal: it reads the pty, fast or throttled, and notes when each stamp is first
written to the screen. A plain RichLog app (bench.richlog_app) runs in the same harness
as the baseline (the `richlog_` keys).

- `tty_bytes_per_s_at_100`, `cpu_pct_at_100`: bytes read from the pty a second and the
  app's CPU (% of one core) over 10 s of the flood, the reader as fast as it can.
- `tty_idle_bytes_per_s`: the same bytes with nothing happening (connected, no messages).
- `slow_link_lag_p50_s`, `slow_link_lag_max_s`: the reader drained at 32,000 bytes/s
  (256 kbit/s, a poor SSH link); from a message's send time to the first read that holds
  its text. Only this flood's messages count: the last flood's, shown as history on join
  and redrawn as the list scrolls, were on screen since the join and are no lag.
  Messages the screen never showed (scrolled past between two frames, which is fine: the
  scrollback keeps them) are not in the lag; `slow_link_shown_pct` says how many were.
  The last messages are waited for, so a backlog shows as lag.
- `slow_link_scrollback_kept_pct`: of that flood's messages, the % the app's scrollback
  held when it quit (it writes them to IVS_CHAT_TUI_SCROLLBACK_DUMP, tui/terminal/dump.py):
  what scrolled past unseen must still be there to scroll back to.
- `slow_link_key_p99_ms`: the same link and flood; a letter typed into the composer,
  from the write to the pty to the first read that shows the composer's new text.
- `slow_link_rss_growth_mb`: the app's RSS from the flood's 3rd second to its end.
- `slow64_lag_p50_s`, `slow64_lag_max_s`, `slow64_shown_pct`, `slow64_key_p99_ms`: the same
  at 8,000 bytes/s (64 kbit/s: a phone on a weak signal, a satellite hop), the app joined
  as the broadcaster; then `slow64_action_s` (and `_max_s`): with a message selected
  (escape from the composer), `b` to the ban dialog drawn (its reason box and
  its bottom border both read), the median and the worst of ACTIONS tries (escape
  closes it between tries), the flood on.
- `first_paint_s`, `first_paint_max_s`: from starting `join` to the first read that holds
  the live chat ("● live" in the status line), on the local stack: the median and the
  worst of FIRST_PAINTS starts, after one start that warms the server and the disk
  cache; `first_paint_cpu_s`, the median of the app's CPU seconds by then, which a
  loaded machine changes far less than the wall time. The app's bytecode is compiled
  first, as an installed app has it (pip compiles at install, Python at the first run),
  even where PYTHONDONTWRITEBYTECODE is set.
- `help_s`: `ivs-chat-tui --help`, wall time, median of 5; `python_start_s`, the same
  for `python -c pass`: the part no import order can save.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_tui import _Stack, message_id
from bench.pty_harness import Match, PtyProgram, wait_for
from tui.terminal.dump import SCROLLBACK_DUMP_ENV

SIZE = (120, 40)
RATE = 100  # msg/s
SLOW_LINK_BYTES_PER_S = 32_000  # 256 kbit/s
SLOW64_BYTES_PER_S = 8_000  # 64 kbit/s
ACTIONS = 3
# The ban dialog: its reason box (a line of its own, whatever the name and the quoted
# message do to the question's wrapping; the placeholder's first letter is under the
# cursor, in other colours), and its bottom border (the subtitle).
BAN_DIALOG = (b"ptional; they are told it", b"esc cancel")
IDLE_SECONDS = 5.0
FLOOD_WINDOW_S = 10.0
SLOW_FLOOD_S = 25
SLOW64_FLOOD_S = 45  # the keys take longer there, and the actions come after them
KEY_PRESSES = 15
FIRST_PAINTS = 5
STAMP = rb"#(\d+) t=(\d+\.\d{3})"
LIVE = "● live".encode()
_SCRIPT = Path(sys.executable).with_name("ivs-chat-tui")
_ROOT = Path(__file__).resolve().parents[1]


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _ours(url: str, name: str, home: Path) -> list[str]:
    config = home / "config.toml"
    config.write_text("")
    return [str(_SCRIPT), "join", "--server", url, "--name", name, "--config", str(config)]


def _baseline(url: str, name: str, home: Path) -> list[str]:
    return [sys.executable, "-m", "bench.richlog_app", url, name]


def _env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHONPATH": str(_ROOT),
        # What sshd sets: the app behaves as it does over SSH (a solid cursor).
        "SSH_CONNECTION": "127.0.0.1 50022 127.0.0.1 22",
        "SSH_TTY": "/dev/pts/0",
    }


def _fast_link(stack: _Stack, argv: list[str], home: Path, prefix: str) -> dict[str, float]:
    with PtyProgram(argv, size=SIZE, env=_env(home)) as program:
        live = program.watch(LIVE)
        wait_for(live, 1, 60, "the first paint")
        time.sleep(3)  # settle: the first frames, the footer, the join hint
        idle_from = program.bytes_read()
        time.sleep(IDLE_SECONDS)
        idle = (program.bytes_read() - idle_from) / IDLE_SECONDS
        stack.flood(prefix, int(RATE * (FLOOD_WINDOW_S + 4)), RATE, stamped=True)
        time.sleep(2)  # into the flood: the list is full and scrolling
        bytes_from, cpu_from, at = program.bytes_read(), program.cpu_seconds(), time.time()
        time.sleep(FLOOD_WINDOW_S)
        elapsed = time.time() - at
        sent = (program.bytes_read() - bytes_from) / elapsed
        cpu = (program.cpu_seconds() - cpu_from) / elapsed * 100
        stack.wait_flooded()
    return {"idle": idle, "bytes": sent, "cpu": cpu}


def _first_paints(stack: _Stack, home: Path) -> tuple[list[float], list[float]]:
    """From starting `join` to the live chat on screen, FIRST_PAINTS times: the seconds,
    and the app's CPU seconds by then."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(_ROOT / "tui")], check=True)
    times, cpu = [], []
    for n in range(FIRST_PAINTS + 1):
        with PtyProgram(_ours(stack.url, f"tty-paint{n}", home), size=SIZE, env=_env(home)) as p:
            live = p.watch(LIVE)
            wait_for(live, 1, 60, "the first paint")
            cpu.append(p.cpu_seconds())
            times.append(live[0].at - p.started)
    return times[1:], cpu[1:]  # the first warmed the server and the disk cache


def _typed(program: PtyProgram, text: str, seconds: float) -> Match:
    shown = program.watch(text.encode())
    program.send(text[-1].encode())
    wait_for(shown, 1, seconds, f"{text!r} in the composer")
    return shown[0]


def _kept_pct(dump: Path, prefix: str, count: int) -> float:
    """Of the flood's messages, % in the scrollback the app wrote as it quit."""
    if not dump.exists():
        return float("nan")  # the baseline keeps no such list
    ids = {json.loads(line)["id"] for line in dump.read_text().splitlines()}
    return sum(message_id(prefix, n) in ids for n in range(count)) / count * 100


def _actions(program: PtyProgram) -> list[float]:
    """`b` on the selected message to the ban dialog on screen, ACTIONS times."""
    program.send(b"\x1b")  # from the composer to the list: the newest message selected
    time.sleep(1)
    times = []
    for _ in range(ACTIONS):
        parts = [program.watch(part) for part in BAN_DIALOG]
        sent = time.time()
        program.send(b"b")
        for part in parts:
            wait_for(part, 1, 60, "the ban dialog")
        times.append(max(part[0].at for part in parts) - sent)
        time.sleep(1)
        program.send(b"\x1b")  # cancel: nobody is banned
        time.sleep(2)
    # Back to the composer: while the list has the keys it holds still on the chosen
    # message, and the lag after this would count a list that is not following.
    program.send(b"\t")
    return times


def _slow_link(
    stack: _Stack,
    argv: list[str],
    home: Path,
    prefix: str,
    bytes_per_s: float = SLOW_LINK_BYTES_PER_S,
    *,
    actions: bool = False,
    seconds: int = SLOW_FLOOD_S,
) -> dict[str, float]:
    dump = home / f"scrollback-{prefix}.jsonl"
    env = {**_env(home), SCROLLBACK_DUMP_ENV: str(dump)}
    with PtyProgram(argv, size=SIZE, env=env, bytes_per_s=bytes_per_s) as program:
        live = program.watch(LIVE)
        wait_for(live, 1, 60, "the first paint")
        time.sleep(3)
        stamps = program.watch(STAMP)
        count = RATE * seconds
        flood_from = time.time()
        stack.flood(prefix, count, RATE, stamped=True)
        time.sleep(3)
        rss_from = program.rss_mb()
        # A sentinel nobody writes in a message, then one more letter a press.
        probe = "ZQXW"
        program.send(probe[:-1].encode())
        _typed(program, probe, 60)
        keys: list[float] = []
        for n in range(KEY_PRESSES):
            probe += "abcdefghijklmnopqrstuvwxyz"[n % 26]
            sent = time.time()
            keys.append((_typed(program, probe, 60).at - sent) * 1000)
            time.sleep(0.3)
        action_times = _actions(program) if actions else []
        stack.wait_flooded()
        rss_to = program.rss_mb()

        # Only this flood's: the list shows the last flood's messages as history on join,
        # and scrolling redraws them, which is no lag (they were on screen from the join).
        def ours() -> list[Match]:
            return [m for m in stamps if float(m.groups[1]) >= flood_from]

        # The newest messages, however late: a backlog is lag.
        deadline = time.monotonic() + 30
        last = str(count - 1).encode()
        while time.monotonic() < deadline and not any(m.groups[0] == last for m in ours()):
            time.sleep(0.05)
        lags = [m.at - float(m.groups[1]) for m in ours()]
        shown = len({m.groups[0] for m in ours()})
    # Out of the `with`: the app has quit (ctrl+q) and written its scrollback.
    return {
        "kept_pct": _kept_pct(dump, prefix, count),
        "lag_p50": _quantile(lags, 0.5),
        "lag_max": max(lags) if lags else float("nan"),
        "shown_pct": shown / count * 100,
        "key_p99": _quantile(keys, 0.99),
        "rss_growth": rss_to - rss_from,
        "action": statistics.median(action_times) if action_times else float("nan"),
        "action_max": max(action_times) if action_times else float("nan"),
    }


def _slow64(stack: _Stack, home: Path, prefix: str) -> dict[str, float]:
    """Our app at 64 kbit/s, as the broadcaster (who can ban)."""
    argv = [*_ours(stack.url, f"tty-{prefix}", home), "--broadcaster-key", stack.broadcaster_key]
    slow = _slow_link(
        stack, argv, home, prefix, SLOW64_BYTES_PER_S, actions=True, seconds=SLOW64_FLOOD_S
    )
    return {
        "slow64_lag_p50_s": round(slow["lag_p50"], 2),
        "slow64_lag_max_s": round(slow["lag_max"], 2),
        "slow64_shown_pct": round(slow["shown_pct"], 1),
        "slow64_key_p99_ms": round(slow["key_p99"]),
        "slow64_action_s": round(slow["action"], 2),
        "slow64_action_max_s": round(slow["action_max"], 2),
    }


def _wall_s(argv: list[str]) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _help_s() -> float:
    return _wall_s([str(_SCRIPT), "--help"])


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with _Stack() as stack, tempfile.TemporaryDirectory(prefix="bench-tty-") as tmp:
        home = Path(tmp)
        paints, cpu = _first_paints(stack, home)
        results["first_paint_s"] = round(statistics.median(paints), 2)
        results["first_paint_max_s"] = round(max(paints), 2)
        results["first_paint_cpu_s"] = round(statistics.median(cpu), 2)
        # A name stays taken for a while after its viewer leaves: one name per run.
        for key, command, tag in (("", _ours, "P"), ("richlog_", _baseline, "R")):
            fast = _fast_link(stack, command(stack.url, f"tty-{tag}F", home), home, f"{tag}F")
            slow = _slow_link(stack, command(stack.url, f"tty-{tag}S", home), home, f"{tag}S")
            results[f"{key}tty_bytes_per_s_at_100"] = round(fast["bytes"])
            results[f"{key}tty_idle_bytes_per_s"] = round(fast["idle"])
            results[f"{key}cpu_pct_at_100"] = round(fast["cpu"], 1)
            results[f"{key}slow_link_lag_p50_s"] = round(slow["lag_p50"], 2)
            results[f"{key}slow_link_lag_max_s"] = round(slow["lag_max"], 2)
            results[f"{key}slow_link_shown_pct"] = round(slow["shown_pct"], 1)
            if not key:
                results["slow_link_scrollback_kept_pct"] = round(slow["kept_pct"], 1)
            results[f"{key}slow_link_key_p99_ms"] = round(slow["key_p99"])
            results[f"{key}slow_link_rss_growth_mb"] = round(slow["rss_growth"], 1)
        results.update(_slow64(stack, home, "P64"))
    results["help_s"] = round(_help_s(), 3)
    # What the interpreter alone takes on this machine now: help_s less this is ours.
    results["python_start_s"] = round(_wall_s([sys.executable, "-c", "pass"]), 3)
    return results


def run_slow(tag: str = "") -> dict[str, Any]:
    """Only our app on the slow links (256 and 64 kbit/s): what pacing changes, in a
    minute and a half (`python -m bench.bench_tty slow`)."""
    results: dict[str, Any] = {}
    with _Stack() as stack, tempfile.TemporaryDirectory(prefix="bench-tty-") as tmp:
        home = Path(tmp)
        slow = _slow_link(stack, _ours(stack.url, f"tty-S{tag}", home), home, f"S{tag}")
        results["slow_link_lag_p50_s"] = round(slow["lag_p50"], 2)
        results["slow_link_lag_max_s"] = round(slow["lag_max"], 2)
        results["slow_link_shown_pct"] = round(slow["shown_pct"], 1)
        results["slow_link_key_p99_ms"] = round(slow["key_p99"])
        results.update(_slow64(stack, home, f"S64{tag}"))
    return results


def run_fast(tag: str = "") -> dict[str, Any]:
    """Only our app on the fast link (`python -m bench.bench_tty fast`)."""
    with _Stack() as stack, tempfile.TemporaryDirectory(prefix="bench-tty-") as tmp:
        home = Path(tmp)
        fast = _fast_link(stack, _ours(stack.url, f"tty-F{tag}", home), home, f"F{tag}")
    return {
        "tty_bytes_per_s_at_100": round(fast["bytes"]),
        "tty_idle_bytes_per_s": round(fast["idle"]),
        "cpu_pct_at_100": round(fast["cpu"], 1),
    }


if __name__ == "__main__":
    only = {"slow": run_slow, "fast": run_fast}
    print(only[sys.argv[1]]() if sys.argv[1:2] and sys.argv[1] in only else run())

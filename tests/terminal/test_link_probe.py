"""The driver's in-band probe on a real pty: a terminal that answers the cursor position
query is measured and its answers never reach the app as keys; one that never answers
gets every frame all the same."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.pty_harness import PtyProgram, wait_for

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


@pytest.mark.parametrize("answers", [True, False], ids=["answers", "never-answers"])
def test_typing_through_a_slow_link(answers: bool) -> None:
    argv = [sys.executable, "-m", "tests.link_probe_app"]
    with PtyProgram(
        argv,
        size=(80, 10),
        bytes_per_s=8000,
        answers=answers,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    ) as program:
        state = program.watch(rb"answered=(\w+) typed=([^|]*)\|")
        wait_for(state, 1, DEADLINE, "the first paint")
        if answers:
            wait_for(program.watch(b"answered=True"), 1, DEADLINE, "an answer measured")
        program.send(b"hello")
        typed = program.watch(b"typed=hello|")
        wait_for(typed, 1, DEADLINE, "what was typed")
        assert program.queries > 0  # the driver asked
        # Nothing but the keys reached the input: no answer was read as keys.
        assert all(b"R" not in match.groups[1] for match in state)
        assert all(m.groups[0] == (b"True" if answers else b"False") for m in state[-1:])

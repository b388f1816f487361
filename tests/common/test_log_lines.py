"""The last guard of the log: whatever a log call forgot to escape, the line that
reaches the terminal is one line with nothing raw in it."""

from __future__ import annotations

import logging

from tui.common.log_lines import OneLineFormatter, escaped_line

HOSTILE = "\x1b]52;c;aGk=\x07 \x1b[2J\u202eevil\r\n2026-01-01 forged"


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("tui.server", logging.WARNING, __file__, 1, message, args, info)


def test_a_forgotten_part_is_escaped_and_stays_one_line() -> None:
    line = OneLineFormatter("%(name)s %(message)s").format(_record("reason: %s", HOSTILE))
    assert line == (
        "tui.server reason: \\x1b]52;c;aGk=\\x07 \\x1b[2J\\u202eevil\\r\\n2026-01-01 forged"
    )


def test_a_traceback_is_on_the_records_one_line() -> None:
    try:
        raise ValueError(HOSTILE)
    except ValueError as exc:
        line = OneLineFormatter("%(message)s").format(_record("failed", exc=exc))
    assert "\n" not in line and "\x1b" not in line and "\r" not in line
    assert line.startswith("failed\\nTraceback (most recent call last):\\n")
    assert line.endswith(
        "ValueError: \\x1b]52;c;aGk=\\x07 \\x1b[2J\\u202eevil\\r\\n2026-01-01 forged"
    )


def test_escapes_a_part_already_holds_read_as_written() -> None:
    # A part that went through for_log has its backslashes doubled already: not again.
    assert escaped_line("path /a\\\\x1b and caf\u00e9") == "path /a\\\\x1b and caf\u00e9"

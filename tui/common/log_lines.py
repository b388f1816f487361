"""Log records as single lines with nothing raw for a terminal: the last guard behind
`for_log`.

Every untrusted part of a log line goes through `tui.common.text.for_log` where the line
is written. A part that was missed there (an exception's words quoting a chat message,
a traceback) would still reach the operator's terminal raw: an escape sequence could
write their clipboard (OSC 52) or clear the screen, a CR LF forge a line. This
formatter escapes, in the whole formatted record, every character `for_log` escapes
but the backslash (so the escapes the parts already hold read as they were written),
and puts a traceback on the record's one line, as `\\n`.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from tui.common.text import for_log

_RAW: Final = re.compile(r"[^\x20-\x7e]")


def escaped_line(text: str) -> str:
    """`text` with every control, bidi, format and separator character escaped as
    `for_log` escapes it, backslashes left alone; printable text as it is."""
    return _RAW.sub(lambda m: for_log(m.group()), text)


class OneLineFormatter(logging.Formatter):
    """`logging.Formatter`, whose output is one line with no raw control character."""

    def format(self, record: logging.LogRecord) -> str:
        return escaped_line(super().format(record))


def one_line_handler(handler: logging.Handler, fmt: str) -> logging.Handler:
    """`handler`, formatting with `fmt` through `OneLineFormatter`."""
    handler.setFormatter(OneLineFormatter(fmt))
    return handler


__all__ = ["OneLineFormatter", "escaped_line", "one_line_handler"]

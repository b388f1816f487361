"""Whether the terminal the TUI draws on has gone (an SSH connection dropped, a tmux
pane killed).

A process that is not its session's leader, such as the TUI under `make run`, may get no
SIGHUP when its terminal goes. Textual's input thread then reads end-of-file from the
hung-up tty over and over, using a core for as long as nobody kills it, with the demo's
room still open. The app polls for the hangup instead (`ChatApp`) and exits.
"""

from __future__ import annotations

import select

HANGUP_CHECK_SECONDS = 1.0


def terminal_hung_up(fd: int) -> bool:
    """True once `fd`'s terminal has hung up (poll reports POLLHUP or POLLERR even when
    no event is asked for) or the descriptor is closed (POLLNVAL)."""
    poller = select.poll()
    poller.register(fd, 0)
    return any(
        mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in poller.poll(0)
    )

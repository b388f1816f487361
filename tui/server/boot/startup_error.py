"""What every start-up step raises when the server cannot start."""

from __future__ import annotations


class StartupError(Exception):
    """The server cannot start; `str()` is one line saying why and what to do."""

"""How an error reads on screen, for the screens and the command line."""

from __future__ import annotations

from tui.common.errors import UserFacingError
from tui.ivs.events import ChatError


def error_words(error: BaseException) -> str:
    """An error as a person reads it: the app server's and the room's errors carry
    their own words; anything else is named with its message."""
    # ChatError (tui.ivs.events) predates UserFacingError; its str() is the user's words too.
    if isinstance(error, UserFacingError | ChatError):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


__all__ = ["error_words"]

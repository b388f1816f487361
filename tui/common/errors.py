"""The base of every error whose words are meant for the user (stdlib only).

`str()` of a `UserFacingError` is a complete phrase a person can read ("cannot reach the
app server at URL: connection refused"); the screens show it as it is. Anything else that
reaches a screen is a bug, and is named by its type (`tui.error_words.error_words`).
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error that says, in `str()`, what went wrong in the user's words."""

    @property
    def user_message(self) -> str:
        return str(self)


__all__ = ["UserFacingError"]

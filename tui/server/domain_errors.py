"""The service's refusals and failures, as domain errors with the user's words.

The service knows nothing of HTTP: it raises one of these, and the HTTP layer
(`tui.server.web.http`) alone decides the status each one answers with.
"""

from __future__ import annotations

INVITE_EXPIRED = "Your invitation to this stream has expired."
INVITE_REVOKED = "Your invitation to this stream has been revoked."
HOST_LINK_REPLACED = (
    "This stage link was replaced: you went on stage again from your terminal, and only "
    "the newest link works."
)


class ServiceError(Exception):
    """Base of every refusal; `message` is what the caller is told."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidRequest(ServiceError):
    """The request itself is wrong: a bad body, a name that may not be used."""


class NotAuthenticated(ServiceError):
    """No key, or a key this server does not know."""


class NotAllowed(ServiceError):
    """A known caller asking for what is not theirs: a wrong broadcaster key, someone
    else's invitation."""


class NotFound(ServiceError):
    """No such user, invitation or link."""


class NoLongerValid(ServiceError):
    """It existed but is over: an expired or revoked invitation, a spent link."""

    def __init__(self, message: str = INVITE_EXPIRED) -> None:
        super().__init__(message)


class IvsFailed(ServiceError):
    """IVS (the control plane) failed: not the caller's fault, not ours either."""


class NotReady(ServiceError):
    """The server is still starting."""

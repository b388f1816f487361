"""The one error the service raises: an HTTP status and words for the user."""

from __future__ import annotations

INVITE_EXPIRED = "Your invitation to this stream has expired."


class ServiceError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def bad_request(message: str) -> ServiceError:
    return ServiceError(400, message)


def unauthorized(message: str) -> ServiceError:
    return ServiceError(401, message)


def forbidden(message: str) -> ServiceError:
    return ServiceError(403, message)


def not_found(message: str) -> ServiceError:
    return ServiceError(404, message)


def gone(message: str = INVITE_EXPIRED) -> ServiceError:
    return ServiceError(410, message)


def upstream(message: str) -> ServiceError:
    """IVS (the control plane) failed: not the caller's fault, not ours either."""
    return ServiceError(502, message)

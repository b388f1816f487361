"""Control-plane errors in the shapes the botocore models declare.

botocore reads the error type from the `x-amzn-ErrorType` header and the members from
the JSON body, so boto3 raises `client.exceptions.ValidationException` and friends rather
than a generic ClientError. ivschat errors carry `message` (plus `fieldList`, `resourceId`,
... where modelled); ivs-realtime errors carry `exceptionMessage` (and `message`).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tui.emulator.aws.request_validation import CHAT_SERVICE, FieldError


class ApiError(Exception):
    """An error answer of the control plane: its modelled type, HTTP status and members."""

    def __init__(self, error_type: str, status: int, message: str, **members: Any) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status
        self.message = message
        self.members = members

    def response(self, service: str) -> web.Response:
        if service == CHAT_SERVICE:
            body: dict[str, Any] = {"message": self.message, **self.members}
        else:
            # The modelled member is exceptionMessage; `message` as well lets botocore
            # fill in Error.Message, which it reads only from `message`.
            body = {"exceptionMessage": self.message, "message": self.message}
        return web.Response(
            status=self.status,
            text=json.dumps(body),
            content_type="application/json",
            headers={"x-amzn-ErrorType": self.error_type},
        )


def validation_error(fields: list[FieldError], reason: str = "FIELD_VALIDATION_FAILED") -> ApiError:
    summary = "; ".join(f"{f.name}: {f.message}" for f in fields)
    return ApiError(
        "ValidationException",
        400,
        f"Validation failed: {summary}" if fields else "Validation failed",
        reason=reason,
        fieldList=[{"name": f.name, "message": f.message} for f in fields],
    )


def bad_request(message: str) -> ApiError:
    """A request that is not about one field (unreadable body, bad pagination token)."""
    return ApiError("ValidationException", 400, message, reason="OTHER", fieldList=[])


def not_found(resource_id: str, resource_type: str, what: str) -> ApiError:
    return ApiError(
        "ResourceNotFoundException",
        404,
        f"{what} not found: {resource_id}",
        resourceId=resource_id,
        resourceType=resource_type,
    )


def access_denied(message: str) -> ApiError:
    return ApiError("AccessDeniedException", 403, message)


def check_account(arn: str, account_id: str) -> None:
    """A resource of another account is not ours to touch: AccessDeniedException, as
    IVS answers when the caller has no permission on the resource."""
    parts = arn.split(":")
    if len(parts) > 4 and parts[4] != account_id:
        raise access_denied(f"Account {account_id} is not authorized to access {arn}")

"""Botocore's failures in words a user can act on: every one becomes a `ControlError`.

The words name what to do (refresh the credentials, set the clock, check the ARN's
region), not only what botocore said; the calls in `calls.py` raise nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

# Error codes meaning "the request's time is off": the signature is from too long ago or
# too far ahead, which is the machine's clock, not the credentials.
_CLOCK_SKEW = {"RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture"}
_CLOCK_SKEW_WORDS = ("signature expired", "signature not yet current", "request has expired")
# Error codes meaning "these credentials are not accepted", whatever the service calls them.
_BAD_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "ExpiredToken",
    "IncompleteSignature",
    "MissingAuthenticationToken",
}


class ControlError(Exception):
    """A control-plane call failed. `code` is the AWS error code (e.g.
    `ResourceNotFoundException`) or a botocore failure name (`NoCredentials`,
    `EndpointConnection`, ...); `str()` is the user's words."""

    def __init__(self, code: str, message: str, *, operation: str = "") -> None:
        self.code = code
        self.message = message
        self.operation = operation
        super().__init__(message)

    @property
    def not_found(self) -> bool:
        return self.code == "ResourceNotFoundException"


def operation_name(fn: Callable[..., object]) -> str:
    """`CreateChatToken` for boto3's `create_chat_token` method."""
    return "".join(part.title() for part in getattr(fn, "__name__", "").split("_"))


def _describe_client_error(exc: ClientError, resources: Mapping[str, str]) -> ControlError:
    error: dict[str, Any] = exc.response.get("Error", {})
    code = str(error.get("Code") or "ClientError")
    body: dict[str, Any] = exc.response
    detail = str(
        error.get("Message") or body.get("message") or body.get("exceptionMessage") or ""
    ).strip()
    op = exc.operation_name
    if code == "ResourceNotFoundException":
        # Each call names the one resource it is about; fall back to what the error says.
        kind, what = next(iter(resources.items()), ("resource", str(body.get("resourceId") or "")))
        text = f"{kind} {what} does not exist" if what else f"not found: {detail}"
        return ControlError(code, text + " (check the ARN and its region)", operation=op)
    if code == "ValidationException":
        fields = body.get("fieldList") or []
        parts = [f"{f.get('name')}: {f.get('message')}" for f in fields if isinstance(f, dict)]
        words = "; ".join(parts) or detail or "a parameter is not valid"
        return ControlError(code, f"IVS rejected the request ({op}): {words}", operation=op)
    if code in ("AccessDeniedException", "AccessDenied"):
        return ControlError(
            code,
            f"access denied for {op}: the AWS identity in use lacks the IVS permission"
            + (f" ({detail})" if detail else ""),
            operation=op,
        )
    if code in _CLOCK_SKEW or (
        code in _BAD_CREDENTIALS and any(w in detail.lower() for w in _CLOCK_SKEW_WORDS)
    ):
        return ControlError(
            code,
            f"AWS refused {op} because this machine's clock is off: set the clock right "
            "(turn on automatic time, NTP); the credentials are not the problem"
            + (f" ({detail})" if detail else ""),
            operation=op,
        )
    if code in _BAD_CREDENTIALS:
        return ControlError(
            code,
            "AWS rejected the credentials (expired, or for another account or partition): "
            "refresh them, e.g. `aws sso login`" + (f" ({detail})" if detail else ""),
            operation=op,
        )
    if code == "ServiceQuotaExceededException":
        return ControlError(
            code,
            f"an IVS quota is used up ({op}): delete rooms or stages no longer used, or ask "
            "AWS for a higher quota (the Service Quotas console)"
            + (f" ({detail})" if detail else ""),
            operation=op,
        )
    if code in ("ThrottlingException", "TooManyRequestsException"):
        return ControlError(
            code,
            f"IVS is limiting requests ({op}): too many calls in a short time; try again "
            "in a moment" + (f" ({detail})" if detail else ""),
            operation=op,
        )
    if code == "PendingVerification":
        return ControlError(
            code, "the AWS account is pending verification for IVS; try later", operation=op
        )
    return ControlError(code, f"IVS error in {op}: {code} {detail}".strip(), operation=op)


def describe_exception(
    exc: BaseException,
    *,
    endpoint: str,
    resources: Mapping[str, str] | None = None,
    custom_endpoint: bool = True,
) -> ControlError:
    """The `ControlError` for any botocore failure, in words a user understands.
    `custom_endpoint`: `endpoint` is a server of ours (`--endpoint-url`, the local stack),
    not AWS, so "is it running?" is a fair question when it does not answer."""
    resources = resources or {}
    if isinstance(exc, ControlError):
        return exc
    if isinstance(exc, ClientError):
        return _describe_client_error(exc, resources)
    if isinstance(exc, NoCredentialsError):
        return ControlError(
            "NoCredentials",
            "no AWS credentials found: configure a profile (AWS_PROFILE), SSO, environment "
            "variables or an instance role",
        )
    if isinstance(exc, ProfileNotFound):
        return ControlError(
            "ProfileNotFound", f"AWS profile {exc.kwargs.get('profile')!r} is not configured"
        )
    if isinstance(exc, PartialCredentialsError):
        return ControlError("PartialCredentials", f"incomplete AWS credentials: {exc}")
    if isinstance(exc, NoRegionError):
        return ControlError(
            "NoRegion", "no AWS region set: pass --region or set AWS_REGION / a profile region"
        )
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        if custom_endpoint:
            return ControlError(
                "EndpointConnection", f"cannot connect to IVS at {endpoint}: is the server running?"
            )
        return ControlError(
            "EndpointConnection",
            f"cannot connect to {endpoint}: check this machine's network connection and any "
            "proxy (HTTPS_PROXY), and that IVS is offered in that region",
        )
    if isinstance(exc, ReadTimeoutError):
        return ControlError("Timeout", f"IVS at {endpoint} did not answer in time")
    if isinstance(exc, ParamValidationError):
        return ControlError("ParamValidation", f"invalid IVS request: {exc}")
    if isinstance(exc, BotoCoreError):
        return ControlError(type(exc).__name__, f"IVS call failed: {exc}")
    raise exc

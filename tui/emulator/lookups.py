"""Lookups and list pages shared by the chat and the stage control planes.

Both services answer a resource of another account with AccessDeniedException, a missing
one with ResourceNotFoundException, and a list with one page plus `nextToken`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tui.emulator.aws.error_shapes import bad_request, check_account, not_found
from tui.emulator.state import page

T = TypeVar("T")


def lookup(
    resources: Mapping[str, T], arn: str, account_id: str, resource_type: str, what: str
) -> T:
    """The resource stored under `arn`, or the error IVS answers instead."""
    check_account(arn, account_id)
    found = resources.get(arn)
    if found is None:
        raise not_found(arn.rsplit("/", 1)[-1], resource_type, what)
    return found


def list_page(
    key: str,
    items: list[T],
    params: Mapping[str, Any],
    default_max: int,
    summary: Callable[[T], dict[str, Any]],
) -> dict[str, Any]:
    """The answer of a List operation: `{key: [summaries]}` plus `nextToken` when more
    remain. A token this emulator did not hand out is a ValidationException."""
    try:
        chunk, next_token = page(
            items, params.get("maxResults", default_max), params.get("nextToken")
        )
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    out: dict[str, Any] = {key: [summary(item) for item in chunk]}
    if next_token:
        out["nextToken"] = next_token
    return out

"""A pydantic ValidationError as one line a user can read, for every part of the app.

Standard library only (`tui.common` is shared with the local IVS stack): the error is
read through the one method pydantic gives it, `errors()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class ValidationErrorLike(Protocol):
    def errors(self, *, include_url: bool = ..., include_input: bool = ...) -> Sequence[Any]: ...


def validation_words(
    exc: ValidationErrorLike,
    *,
    whole: str = "body",
    first_only: bool = False,
    field_name: Callable[[str], str] = str,
) -> str:
    """`where: what` for each error, joined with "; " (just the first with
    `first_only`). `where` is the dotted location, with `field_name` applied to each part
    (e.g. to spell a field as its flag), or `whole` for the input as a whole. pydantic's
    "Value error, " prefix on our own validators' words is dropped."""
    found = exc.errors(include_url=False, include_input=False)
    parts = []
    for err in found[:1] if first_only else found:
        where = ".".join(field_name(str(p)) for p in err["loc"]) or whole
        what = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {what}" if where else what)
    return "; ".join(parts)

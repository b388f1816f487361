"""Request validation driven by botocore's own service models.

The emulator loads the ivschat and ivs-realtime models that ship inside the installed
botocore and checks every request against the operation's input shape: required members,
types, string lengths, patterns, enums, integer ranges, list and map sizes. So its rules
are the model's rules, not a hand-copied subset, and they move with botocore.

Two things are not in the model and are added here: the 1 KB total of the attribute maps
(documented in prose only), and fixes for two model patterns that would reject every
real ARN (see `_PATTERN_FIXES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.loaders import Loader
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)

from tui.ivs.protocol import ATTRIBUTES_MAX_BYTES, attributes_size

CHAT_SERVICE = "ivschat"
STAGE_SERVICE = "ivs-realtime"

# The models spell the resource type of a tag ARN as a single character ("[a-z-]/"),
# which no real ARN ("room/...", "stage/...") matches. Real IVS accepts real ARNs.
_PATTERN_FIXES: dict[tuple[str, str], str] = {
    (CHAT_SERVICE, "ResourceArn"): r"arn:aws:ivschat:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+",
    (STAGE_SERVICE, "ResourceArn"): r"arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+",
}

# Attribute maps the service documentation caps at 1 KB in total.
_ATTRIBUTE_MAPS = frozenset(
    {"ChatTokenAttributes", "EventAttributes", "ParticipantTokenAttributes"}
)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field: the dotted path of the member and what is wrong with it."""

    name: str
    message: str


@cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of `service` ("ivschat" or "ivs-realtime"), loaded once."""
    data = Loader().load_service_model(service, "service-2")
    return ServiceModel(data, service_name=service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@cache
def _compiled(service: str, shape_name: str, pattern: str) -> re.Pattern[str]:
    return re.compile(_PATTERN_FIXES.get((service, shape_name), pattern))


def validate_input(service: str, shape: Shape | None, params: Any) -> list[FieldError]:
    """All the ways `params` breaks `shape`; an empty list when it is valid."""
    errors: list[FieldError] = []
    if shape is not None:
        _check(service, shape, params, "", errors)
    return errors


def validate_value(service: str, shape_name: str, value: Any, name: str) -> list[FieldError]:
    """Validate one value against a named shape of the model (e.g. a tag route's ARN)."""
    errors: list[FieldError] = []
    _check(service, service_model(service).shape_for(shape_name), value, name, errors)
    return errors


def _check(service: str, shape: Shape, value: Any, name: str, errors: list[FieldError]) -> None:
    kind = shape.type_name
    if kind == "structure":
        _check_structure(service, shape, value, name, errors)
    elif kind == "string":
        _check_string(service, shape, value, name, errors)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(name, "must be an integer"))
        else:
            _check_range(shape, value, name, errors, "must be")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(FieldError(name, "must be a boolean"))
    elif kind == "list":
        _check_list(service, shape, value, name, errors)
    elif kind == "map":
        _check_map(service, shape, value, name, errors)
    elif kind == "timestamp" and (
        isinstance(value, bool) or not isinstance(value, int | float | str)
    ):
        errors.append(FieldError(name, "must be a timestamp"))


def _check_structure(
    service: str, shape: StructureShape, value: Any, name: str, errors: list[FieldError]
) -> None:
    if not isinstance(value, dict):
        errors.append(FieldError(name or "body", "must be a JSON object"))
        return
    prefix = f"{name}." if name else ""
    for member in shape.required_members:
        if value.get(member) is None:
            errors.append(FieldError(prefix + member, "is required"))
    members = shape.members
    for key, item in value.items():
        member_shape = members.get(key)
        if member_shape is None or item is None:
            continue  # unknown members are ignored, as the service does
        _check(service, member_shape, item, prefix + key, errors)


def _check_string(
    service: str, shape: StringShape, value: Any, name: str, errors: list[FieldError]
) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be a string"))
        return
    if shape.enum and value not in shape.enum:
        errors.append(FieldError(name, f"must be one of {', '.join(shape.enum)}"))
        return
    _check_range(shape, len(value), name, errors, "length must be")
    pattern = shape.metadata.get("pattern")
    if pattern and not _compiled(service, shape.name, pattern).fullmatch(value):
        errors.append(FieldError(name, f"must match the pattern {pattern}"))


def _check_list(
    service: str, shape: ListShape, value: Any, name: str, errors: list[FieldError]
) -> None:
    if not isinstance(value, list):
        errors.append(FieldError(name, "must be a list"))
        return
    _check_range(shape, len(value), name, errors, "number of items must be")
    for index, item in enumerate(value):
        _check(service, shape.member, item, f"{name}[{index}]", errors)


def _check_map(
    service: str, shape: MapShape, value: Any, name: str, errors: list[FieldError]
) -> None:
    if not isinstance(value, dict):
        errors.append(FieldError(name, "must be a map"))
        return
    _check_range(shape, len(value), name, errors, "number of entries must be")
    for key, item in value.items():
        _check(service, shape.key, key, f"{name}.{key}", errors)
        _check(service, shape.value, item, f"{name}.{key}", errors)
    if shape.name in _ATTRIBUTE_MAPS and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        size = attributes_size(value)
        if size > ATTRIBUTES_MAX_BYTES:
            errors.append(
                FieldError(name, f"total size is {size} bytes; at most {ATTRIBUTES_MAX_BYTES}")
            )


def _check_range(shape: Shape, number: int, name: str, errors: list[FieldError], what: str) -> None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and number < low:
        errors.append(FieldError(name, f"{what} at least {low}"))
    elif high is not None and number > high:
        errors.append(FieldError(name, f"{what} at most {high}"))

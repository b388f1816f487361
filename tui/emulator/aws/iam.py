"""An IAM identity policy, checked on every control-plane call (`ivs-chat-tui emulator
--iam-policy FILE`, `EmulatorConfig.iam_policy`), so a policy meant for AWS can be tried
locally before a deployment finds the action it lacks.

What is checked, as IAM checks an identity policy:
- The action is the operation with its service's IAM prefix: `ivschat:CreateChatToken`
  for IVS Chat, `ivs:CreateParticipantToken` for IVS Real-Time (IAM's prefix for it is
  `ivs`, as its SigV4 signing name is). Tags: `TagResource`, `UntagResource`,
  `ListTagsForResource`, of the service the ARN names.
- The resource is the ARN the call names (`identifier`, `roomIdentifier`, `arn`,
  `stageArn`, the tag ARN); a Create call without one is checked against every resource
  of its kind (`arn:aws:ivschat:REGION:ACCOUNT:room/*`); a List call against `*`.
- A Create call that tags what it creates also needs `TagResource` on it.
- A call is allowed if one statement matches both its action and its resource. `*` in a
  pattern matches any run of characters and `?` any one; actions match whatever the case,
  resources exactly. Anything not allowed is AccessDeniedException (403), worded as AWS
  words it.

Only what the stack can check faithfully is accepted: `Allow` statements with `Action`
and `Resource` (a string or a list each) and an optional `Sid`. A policy with `Deny`,
`NotAction`, `NotResource`, `Condition` or `Principal` is refused when the stack starts,
with the reason, rather than checked halfway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSIONS = ("2012-10-17", "2008-10-17")
IAM_PREFIX = {"ivschat": "ivschat", "ivs-realtime": "ivs"}
"""botocore's service name -> the prefix of its actions in IAM."""
_IDENTIFIERS = ("identifier", "roomIdentifier", "arn", "stageArn", "resourceArn")
_CREATED = {"CreateRoom": "room", "CreateStage": "stage"}
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource"})


class PolicyError(ValueError):
    """Why a policy document cannot be used, in words."""


def _pattern(glob: str, *, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _strings(statement: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = statement.get(key)
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{where}: {key} must be a string or a non-empty list of strings")
    return values


@dataclass(frozen=True, slots=True)
class Statement:
    actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]

    def allows(self, action: str, resource: str) -> bool:
        return any(p.fullmatch(action) for p in self.actions) and any(
            p.fullmatch(resource) for p in self.resources
        )


class IdentityPolicy:
    """An identity policy's Allow statements."""

    def __init__(self, statements: list[Statement]) -> None:
        self.statements = statements

    @classmethod
    def parse(cls, document: Any) -> IdentityPolicy:
        """The policy of a JSON document (already decoded). Raises `PolicyError`."""
        if not isinstance(document, dict):
            raise PolicyError("the policy must be a JSON object")
        version = document.get("Version")
        if version is not None and version not in VERSIONS:
            raise PolicyError(f"Version must be one of {', '.join(VERSIONS)}")
        raw = document.get("Statement")
        raws = [raw] if isinstance(raw, dict) else raw
        if not isinstance(raws, list) or not raws:
            raise PolicyError("Statement must be an object or a non-empty list of objects")
        statements: list[Statement] = []
        for number, statement in enumerate(raws, 1):
            where = f"statement {number}"
            if not isinstance(statement, dict):
                raise PolicyError(f"{where} is not a JSON object")
            if isinstance(statement.get("Sid"), str):
                where += f" ({statement['Sid']})"
            unsupported = sorted(set(statement) - _STATEMENT_KEYS)
            if unsupported:
                raise PolicyError(
                    f"{where}: the local stack checks only Effect, Action and Resource, "
                    f"not {', '.join(unsupported)}"
                )
            if statement.get("Effect") != "Allow":
                raise PolicyError(
                    f'{where}: Effect must be "Allow" (the local stack checks no Deny)'
                )
            actions = _strings(statement, "Action", where)
            for action in actions:
                if action != "*" and ":" not in action:
                    raise PolicyError(f"{where}: {action!r} is not service:Action")
            resources = _strings(statement, "Resource", where)
            statements.append(
                Statement(
                    tuple(_pattern(a, ignore_case=True) for a in actions),
                    tuple(_pattern(r, ignore_case=False) for r in resources),
                )
            )
        return cls(statements)

    def allows(self, action: str, resource: str) -> bool:
        return any(statement.allows(action, resource) for statement in self.statements)


def load_policy(path: str | Path) -> dict[str, Any]:
    """The JSON document in the file at `path`, checked (`IdentityPolicy.parse`).
    Raises `PolicyError` naming the file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise PolicyError(f"{path} is not JSON: {exc}") from None
    try:
        IdentityPolicy.parse(document)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None
    return document


def action_of(service: str, operation: str) -> str:
    """The IAM action of `operation` of the botocore `service`."""
    return f"{IAM_PREFIX[service]}:{operation}"


def required(
    service: str, operation: str, params: Mapping[str, Any], region: str, account_id: str
) -> list[tuple[str, str]]:
    """Every (action, resource) the call needs allowed: its own, and `TagResource` on the
    new resource for a Create call that tags it (tag-on-create, as IAM checks it)."""
    resource = resource_of(service, operation, params, region, account_id)
    needed = [(action_of(service, operation), resource)]
    if operation in _CREATED and params.get("tags"):
        needed.append((action_of(service, "TagResource"), resource))
    return needed


def resource_of(
    service: str, operation: str, params: Mapping[str, Any], region: str, account_id: str
) -> str:
    """The resource ARN IAM checks a call against (see the module's docstring)."""
    for key in _IDENTIFIERS:
        value = params.get(key)
        if isinstance(value, str) and value:
            return value
    kind = _CREATED.get(operation)
    if kind is not None:
        return f"arn:aws:{IAM_PREFIX[service]}:{region}:{account_id}:{kind}/*"
    return "*"


def denial(caller: str, action: str, resource: str) -> str:
    """AccessDeniedException's message, as AWS words it for an identity policy."""
    return (
        f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )

"""The IVS control plane (ivschat + ivs-realtime) over boto3, for asyncio callers.

By job: `aws_words.py` (botocore's failures as a `ControlError` in words), `calls.py`
(the thin calls, one worker thread each), `tagged_resources.py` (`ControlPlane`: the
calls plus the app's policy for the rooms and stages it creates and deletes).
"""

from tui.ivs.control.aws_words import ControlError, describe_exception
from tui.ivs.control.calls import (
    ChatTokenResult,
    ParticipantSummary,
    ParticipantToken,
    RoomOptions,
    arn_region,
    arn_resource_id,
)
from tui.ivs.control.tagged_resources import (
    CREATED_BY,
    CREATED_BY_TAG,
    ControlPlane,
    CreatedArns,
    CreatedResources,
)

__all__ = [
    "CREATED_BY",
    "CREATED_BY_TAG",
    "ChatTokenResult",
    "ControlError",
    "ControlPlane",
    "CreatedArns",
    "CreatedResources",
    "ParticipantSummary",
    "ParticipantToken",
    "RoomOptions",
    "arn_region",
    "arn_resource_id",
    "describe_exception",
]

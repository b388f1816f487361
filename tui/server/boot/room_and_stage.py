"""The control plane the server uses, and, with `--aws`, the room and the stage: those
`--create` keeps (or makes), or those `--room-arn` and `--stage-arn` name, checked.
"""

from __future__ import annotations

from typing import cast

from tui.ivs.control import ControlPlane, RoomOptions, arn_region
from tui.server.boot.created_resources import (
    KeptFileError,
    KeptInDatabase,
    KeptInFile,
    KeptPlace,
    Resources,
    create_or_reuse,
)
from tui.server.boot.startup_error import StartupError
from tui.server.settings import DEFAULT_ROOM_NAME, DEFAULT_STAGE_NAME, ServerSettings
from tui.server.stage.control_plane import AwsControl, LocalControl
from tui.server.store import Store


async def connect_control(
    settings: ServerSettings, url: str, local_credentials: tuple[str, str] | None
) -> AwsControl | LocalControl:
    """The local stack's control plane (in this process at `url`, signed with
    `local_credentials`, or at --endpoint-url: no media server behind either), or Amazon
    IVS."""
    if local_credentials is not None:
        # `connect` builds the class it is called on.
        local = await LocalControl.connect(
            region=settings.region or "us-east-1",
            endpoint_url=url,
            credentials=local_credentials,
        )
        return cast(LocalControl, local)
    region = settings.region or arn_region(settings.room_arn or "") or None
    kind = LocalControl if settings.endpoint_url else AwsControl
    control = await kind.connect(
        region=region, endpoint_url=settings.endpoint_url, profile=settings.profile
    )
    return cast(AwsControl | LocalControl, control)


def room_options(settings: ServerSettings, local_review: str | None = None) -> RoomOptions:
    """What the settings put on the room: its limits, and its review handler (on AWS the
    one `--review-handler-arn` names; `--local`, `local_review`, which the stack maps to
    this server's route)."""
    aws = settings.effective_mode == "aws"
    arn = settings.review_handler_arn if aws else local_review
    return RoomOptions(
        max_message_rate=settings.max_message_rate,
        max_message_length=settings.max_message_length,
        review_handler_uri=arn,
        review_fallback=settings.review_fallback if arn else None,
    )


def kept_place(settings: ServerSettings, store: Store) -> KeptPlace:
    """Where `--create` keeps its ARNs: the data dir, or the shared database, so that
    every instance serves the room and stage the first one made."""
    if settings.database_url:
        return KeptInDatabase(store.db)
    return KeptInFile(settings.resolved_data_dir)


async def aws_resources(
    control: ControlPlane, settings: ServerSettings, store: Store, now: float
) -> Resources:
    """The room and the stage: with `--create` those kept (data dir or database), or new
    ones (`resources.create_or_reuse`); else the ARNs given, checked with GetRoom/GetStage."""
    if settings.create:
        try:
            # One instance at a time, so two starting at once do not both create.
            with store.db.exclusive("ivs-chat-tui create"):
                return await create_or_reuse(
                    control,
                    kept_place(settings, store),
                    DEFAULT_ROOM_NAME,
                    DEFAULT_STAGE_NAME,
                    now,
                    room_options(settings),
                )
        except KeptFileError as exc:
            raise StartupError(str(exc)) from None
    assert settings.room_arn and settings.stage_arn  # the settings validator checks
    for arn, service in ((settings.room_arn, "ivschat"), (settings.stage_arn, "ivs")):
        if not arn.startswith(f"arn:aws:{service}:"):
            kind = "room" if service == "ivschat" else "stage"
            raise StartupError(f"{arn!r} is not an IVS {kind} ARN (arn:aws:{service}:...)")
    options = room_options(settings)
    if options:
        room = await control.update_room(settings.room_arn, options)
    else:
        room = await control.get_room(settings.room_arn)
    stage = await control.get_stage(settings.stage_arn)
    return Resources(room, stage, created=False, notes=())

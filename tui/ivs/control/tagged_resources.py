"""The app's policy for the rooms and stages it creates: tagged, made all or nothing,
and deleted only when the tag says this app made them.

`ControlPlane` is the thin calls of `calls.py` plus this policy: what `serve --aws
--create` makes and `--delete` removes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tui.ivs.control.aws_words import ControlError
from tui.ivs.control.calls import ControlCalls, RoomOptions

CREATED_BY_TAG = "ivs-chat-tui:created-by"
"""The tag on every room and stage this app creates: what finds them, and what
`delete_created` checks before deleting anything."""
CREATED_BY = "ivs-chat-tui"


@dataclass(frozen=True, slots=True)
class CreatedResources:
    """What `create_room_and_stage` made, as CreateRoom and CreateStage describe them."""

    room: dict[str, Any]
    stage: dict[str, Any]

    @property
    def room_arn(self) -> str:
        return str(self.room["arn"])

    @property
    def stage_arn(self) -> str:
        return str(self.stage["arn"])


@dataclass(frozen=True, slots=True)
class CreatedArns:
    """The ARNs of the rooms and stages that carry this app's `CREATED_BY_TAG`."""

    rooms: tuple[str, ...]
    stages: tuple[str, ...]


class ControlPlane(ControlCalls):
    """The control plane as the app uses it: every call, and the created-by policy."""

    async def create_room_and_stage(
        self,
        room_name: str,
        stage_name: str,
        *,
        created_by: str = CREATED_BY,
        tags: Mapping[str, str] | None = None,
        room_options: RoomOptions | None = None,
    ) -> CreatedResources:
        """A new room and stage, both tagged `CREATED_BY_TAG: created_by` (and `tags`).
        All or nothing: when CreateStage fails, the room just made is deleted again, and
        the error says so (or, should that delete fail too, which ARN is left over)."""
        all_tags = {**(tags or {}), CREATED_BY_TAG: created_by}
        extra = room_options.params() if room_options else {}
        room = await self.create_room(room_name, tags=all_tags, **extra)
        try:
            stage = await self.create_stage(stage_name, tags=all_tags)
        except ControlError as exc:
            try:
                await self.delete_room(str(room["arn"]))
            except ControlError as undo:
                raise ControlError(
                    exc.code,
                    f"{exc}; the room it made first, {room['arn']}, could not be deleted "
                    f"either ({undo}): delete it by hand",
                    operation=exc.operation,
                ) from None
            raise ControlError(
                exc.code, f"{exc} (the room made for it was deleted)", operation=exc.operation
            ) from None
        return CreatedResources(room, stage)

    async def find_created(self, created_by: str = CREATED_BY) -> CreatedArns:
        """The rooms and stages tagged `CREATED_BY_TAG: created_by`, in this region: what
        an earlier `create_room_and_stage` left, even if the ARNs it kept were lost."""
        # Pages as large as botocore's model allows: 50 rooms, 100 stages.
        rooms = await self._list_tagged(self._chat.list_rooms, "rooms", created_by, 50)
        stages = await self._list_tagged(self._realtime.list_stages, "stages", created_by, 100)
        return CreatedArns(tuple(rooms), tuple(stages))

    async def _list_tagged(
        self, fn: Callable[..., Any], key: str, created_by: str, page: int
    ) -> list[str]:
        return [
            str(item["arn"])
            async for item in self._pages(fn, key, maxResults=page)
            if (item.get("tags") or {}).get(CREATED_BY_TAG) == created_by
        ]

    async def delete_created(self, room_arn: str | None, stage_arn: str | None) -> list[str]:
        """Delete a room and a stage this app created; returns the ARNs deleted. One that
        no longer exists is skipped; one without our `CREATED_BY_TAG` is refused before
        anything is deleted, so a mistyped ARN never removes someone else's room."""
        found: list[tuple[str, Callable[[str], Awaitable[None]]]] = []
        for arn, get, delete in (
            (stage_arn, self.get_stage, self.delete_stage),
            (room_arn, self.get_room, self.delete_room),
        ):
            if not arn:
                continue
            try:
                described = await get(arn)
            except ControlError as exc:
                if exc.not_found:
                    continue
                raise
            if CREATED_BY_TAG not in (described.get("tags") or {}):
                raise ControlError(
                    "NotCreatedByUs",
                    f"{arn} has no {CREATED_BY_TAG} tag: this app did not create it, so it "
                    "does not delete it (delete it in the AWS console if you mean to)",
                )
            found.append((arn, delete))
        deleted = []
        for arn, remove in found:  # the stage first: a room without its stage is harmless
            try:
                await remove(arn)
            except ControlError as exc:
                if not exc.not_found:
                    raise
                continue
            deleted.append(arn)
        return deleted

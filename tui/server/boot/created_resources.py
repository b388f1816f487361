"""The room and stage `serve --aws --create` makes: kept in the data dir (or, on a shared
Postgres, in the database: `KeptInDatabase`, so every instance serves the same) and reused.

`aws-resources.json` (mode 0600) in the data dir holds, per region and endpoint, the ARNs
an earlier `--create` made. The next `--create` checks them with GetRoom and GetStage and
reuses them, so pending invites (bound to the stage ARN) survive a restart; one that is
gone is said so and made again. Everything made here carries `CREATED_BY_TAG`, which is
what `serve --aws --delete` (`control.delete_created`) checks before deleting.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tui.common.timing.timefmt import rfc3339
from tui.ivs.control import CREATED_BY, CREATED_BY_TAG, ControlError, ControlPlane, RoomOptions
from tui.server.boot.custody import UnsafeCustody, check_custody
from tui.server.db import DB_ERRORS, Database

log = logging.getLogger("tui.server")

RESOURCES_FILE = "aws-resources.json"


class KeptFileError(Exception):
    """The kept-resources file cannot be read or written; `str()` says which and why."""


@dataclass(frozen=True, slots=True)
class Kept:
    """A room and stage `--create` made, and where: a region, and the `--endpoint-url`
    (None for AWS itself), so a local stack's ARNs never stand in for AWS's."""

    region: str
    endpoint_url: str | None
    room_arn: str
    stage_arn: str
    created_at: str

    def at(self, region: str, endpoint_url: str | None) -> bool:
        return self.region == region and self.endpoint_url == endpoint_url


@dataclass(frozen=True, slots=True)
class Resources:
    """The room and the stage to serve, as GetRoom/CreateRoom and GetStage/CreateStage
    describe them; `notes` say what start-up did about them, for the banner."""

    room: dict[str, Any]
    stage: dict[str, Any]
    created: bool
    notes: tuple[str, ...]


def kept_path(data_dir: Path) -> Path:
    return data_dir / RESOURCES_FILE


def read_kept(data_dir: Path) -> list[Kept]:
    path = kept_path(data_dir)
    try:
        # It names the room and stage the server runs, and deletes with --delete: a
        # file another user could have changed is refused, as the keys beside it are.
        check_custody(path, "the created-resources file")
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Kept(**entry) for entry in data["created"]]
    except FileNotFoundError:
        return []
    except UnsafeCustody as exc:
        raise KeptFileError(str(exc)) from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise KeptFileError(
            f"cannot read {path}: {exc} (move it away to start afresh; what it named is "
            f"tagged {CREATED_BY_TAG} and can be found in the AWS console)"
        ) from None


def write_kept(data_dir: Path, entries: list[Kept]) -> None:
    """Replace the file in one step (a crash leaves the old one or the new one), 0600."""
    path = kept_path(data_dir)
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps({"created": [asdict(e) for e in entries]}, indent=2) + "\n"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise KeptFileError(f"cannot write {path}: {exc}") from None


class KeptInFile:
    """Where `--create`'s ARNs are kept with SQLite: `aws-resources.json` in the data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def where(self) -> str:
        return str(kept_path(self.data_dir))

    def find(self, region: str, endpoint_url: str | None) -> Kept | None:
        return find_kept(self.data_dir, region, endpoint_url)

    def keep(self, entry: Kept) -> None:
        others = [k for k in read_kept(self.data_dir) if not k.at(entry.region, entry.endpoint_url)]
        write_kept(self.data_dir, [*others, entry])

    def forget(self, region: str, endpoint_url: str | None) -> None:
        forget_kept(self.data_dir, region, endpoint_url)


class KeptInDatabase:
    """Where they are kept on a shared Postgres: the `kept_resources` table, so that every
    instance serves the room and stage the first one made."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def where(self) -> str:
        return f"the database ({self.db.describe()})"

    def _wrap(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except DB_ERRORS as exc:
            raise KeptFileError(
                f"cannot read or keep the room and stage in {self.where()}: {exc}"
            ) from None

    def find(self, region: str, endpoint_url: str | None) -> Kept | None:
        row = self._wrap(
            lambda: self.db.execute(
                "SELECT room_arn, stage_arn, created_at FROM kept_resources"
                " WHERE region = ? AND endpoint_url = ?",
                (region, endpoint_url or ""),
            ).fetchone()
        )
        return None if row is None else Kept(region, endpoint_url, *map(str, row))

    def keep(self, entry: Kept) -> None:
        self._wrap(
            lambda: self.db.execute(
                "INSERT INTO kept_resources (region, endpoint_url, room_arn, stage_arn,"
                " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (region, endpoint_url)"
                " DO UPDATE SET room_arn = excluded.room_arn, stage_arn = excluded.stage_arn,"
                " created_at = excluded.created_at",
                (
                    entry.region,
                    entry.endpoint_url or "",
                    entry.room_arn,
                    entry.stage_arn,
                    entry.created_at,
                ),
            )
        )

    def forget(self, region: str, endpoint_url: str | None) -> None:
        self._wrap(
            lambda: self.db.execute(
                "DELETE FROM kept_resources WHERE region = ? AND endpoint_url = ?",
                (region, endpoint_url or ""),
            )
        )


KeptPlace = KeptInFile | KeptInDatabase


def find_kept(data_dir: Path, region: str, endpoint_url: str | None) -> Kept | None:
    return next((k for k in read_kept(data_dir) if k.at(region, endpoint_url)), None)


def forget_kept(data_dir: Path, region: str, endpoint_url: str | None) -> None:
    entries = read_kept(data_dir)
    rest = [k for k in entries if not k.at(region, endpoint_url)]
    if rest != entries:
        write_kept(data_dir, rest)


async def _described(get: Any, arn: str) -> dict[str, Any] | None:
    """GetRoom / GetStage, or None when it no longer exists."""
    try:
        return dict(await get(arn))
    except ControlError as exc:
        if exc.not_found:
            return None
        raise


async def create_or_reuse(
    control: ControlPlane,
    place: KeptPlace,
    room_name: str,
    stage_name: str,
    now: float,
    room_options: RoomOptions | None = None,
) -> Resources:
    """The room and stage kept from an earlier `--create` in `place`, or new ones (tagged,
    and kept before anything else can fail; if they cannot be kept, they are deleted
    again). `room_options` (limits, review handler) go on a new room with CreateRoom and
    on a kept one with UpdateRoom. Raises `ControlError` or `KeptFileError`."""
    options = room_options or RoomOptions()
    where = (control.region, control.endpoint_url)
    kept = place.find(*where)
    path = place.where()
    new: list[str | None]  # what this start made: what to undo
    if kept is None:
        made = await control.create_room_and_stage(room_name, stage_name, room_options=options)
        room, stage = made.room, made.stage
        new = [made.room_arn, made.stage_arn]
        notes = [
            f"Created a room and a stage, kept in {path}: the next --create reuses them; "
            "`serve --aws --delete` removes them."
        ]
    else:
        room_or_none = await _described(control.get_room, kept.room_arn)
        stage_or_none = await _described(control.get_stage, kept.stage_arn)
        if room_or_none is not None and options:
            room_or_none = await control.update_room(kept.room_arn, options)
        if room_or_none is not None and stage_or_none is not None:
            return Resources(
                room_or_none,
                stage_or_none,
                created=False,
                notes=(f"Reusing the room and stage --create made on {kept.created_at} ({path}).",),
            )
        tags = {CREATED_BY_TAG: CREATED_BY}
        notes = []
        new = [None, None]
        if room_or_none is None:
            room = await control.create_room(room_name, tags=tags, **options.params())
            new[0] = str(room["arn"])
            notes.append(
                f"The kept room {kept.room_arn} is gone (deleted outside this app?): "
                f"created a new one, {room['arn']}."
            )
        else:
            room = room_or_none
        if stage_or_none is None:
            try:
                stage = await control.create_stage(stage_name, tags=tags)
            except ControlError:
                if room_or_none is None:  # all or nothing, as create_room_and_stage
                    await control.delete_room(str(room["arn"]))
                raise
            new[1] = str(stage["arn"])
            notes.append(
                f"The kept stage {kept.stage_arn} is gone (deleted outside this app?): "
                f"created a new one, {stage['arn']}; invites to the old one no longer work."
            )
        else:
            stage = stage_or_none
        for note in notes:
            log.warning("%s", note)
    entry = Kept(*where, str(room["arn"]), str(stage["arn"]), rfc3339(now))
    try:
        place.keep(entry)
    except KeptFileError as exc:
        # Not kept, they would be made again on every start: undo instead.
        await control.delete_created(*new)
        raise KeptFileError(f"{exc}; what was just made was deleted again") from None
    return Resources(room, stage, created=True, notes=tuple(notes))

"""`serve --aws --delete`: remove the room and stage `--create` made, and only those."""

from __future__ import annotations

from tui.ivs.control import CREATED_BY_TAG, ControlError
from tui.server.boot.created_resources import (
    KeptFileError,
    KeptInDatabase,
    KeptInFile,
    KeptPlace,
)
from tui.server.boot.room_and_stage import connect_control
from tui.server.boot.startup_error import StartupError
from tui.server.db import DB_ERRORS, Database, DatabaseTarget, DatabaseUnavailable, SchemaTooNew
from tui.server.settings import ServerSettings
from tui.server.store import Store


async def delete_created_resources(settings: ServerSettings) -> list[str]:
    """`serve --aws --delete`: delete the room and stage `--create` made and kept in the
    data dir (or those `--room-arn` / `--stage-arn` name), only if they carry this app's
    tag; lines saying what was deleted. Raises `StartupError` (one line)."""
    data_dir = settings.resolved_data_dir
    db: Database | None = None
    place: KeptPlace = KeptInFile(data_dir)
    try:
        if settings.database_url:
            db = DatabaseTarget(data_dir, settings.database_url).open_core()
            place = KeptInDatabase(Store(db).db)  # Store: the tables exist, migrated
        control = await connect_control(settings, "", None)
        kept = place.find(control.region, control.endpoint_url)
        given = settings.room_arn or settings.stage_arn
        room_arn = settings.room_arn if given else kept.room_arn if kept else None
        stage_arn = settings.stage_arn if given else kept.stage_arn if kept else None
        if not (room_arn or stage_arn):
            found = await control.find_created()
            lines = [
                f"Nothing to delete: {place.where()} keeps no room or stage made by "
                f"--create in {control.region}."
            ]
            for tagged in (*found.rooms, *found.stages):
                lines.append(f"  Tagged {CREATED_BY_TAG} here: {tagged}")
            if found.rooms or found.stages:
                lines.append(
                    "To delete one: serve --aws --delete --room-arn ARN and/or --stage-arn ARN"
                )
            return lines
        deleted = await control.delete_created(room_arn, stage_arn)
        if kept is not None and {room_arn, stage_arn} >= {kept.room_arn, kept.stage_arn}:
            place.forget(control.region, control.endpoint_url)
    except (ControlError, KeptFileError, DatabaseUnavailable) as exc:
        raise StartupError(str(exc)) from None
    except (SchemaTooNew, *DB_ERRORS) as exc:
        raise StartupError(f"cannot use the database: {exc}") from None
    finally:
        if db is not None:
            db.close()
    lines = []
    for kind, arn in (("stage", stage_arn), ("room", room_arn)):
        if arn:
            done = "Deleted" if arn in deleted else "Already gone, nothing to delete:"
            lines.append(f"{done} {kind} {arn}")
    return lines

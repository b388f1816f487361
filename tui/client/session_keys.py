"""The session keys the TUI keeps between runs, so that a person is the same identity at
an app server after an exit, a crash or a reboot.

The app server knows an identity (its name, role and standing: moderator, timed out,
banned) only by the session key it handed out with the first chat token. One file per
app server and display name holds that key, in the user data directory
(`~/.local/share/ivs-chat-tui/identities/` on Linux): the directory 0700, each file
0600, written whole (a temporary file, fsync, rename) so a crash leaves the old key or
the new one, never half of one. A different `--name` is a different file, so a
different identity. `join --forget-identity` deletes one file; deleting the directory
forgets them all.

The broadcaster needs no file: the broadcaster key is their identity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_data_path

from tui.common.app_identity import APP_NAME

log = logging.getLogger(__name__)

KEYS_DIR_NAME = "identities"
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def default_keys_dir() -> Path:
    return user_data_path(APP_NAME) / KEYS_DIR_NAME


def server_id(url: str) -> str:
    """The app server as a key file knows it: scheme and host case-folded, no trailing
    slash, so `HTTP://Host:8750/` and `http://host:8750` share one identity."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip().rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _name_id(name: str) -> str:
    """The display name as typed, in one Unicode form (a name pasted from elsewhere may
    come decomposed)."""
    return unicodedata.normalize("NFC", name.strip())


class SavedKeyError(Exception):
    """A saved key could not be read or written; `str()` says which file and why."""


@dataclass(frozen=True, slots=True)
class SavedKeys:
    """The key files in `directory`."""

    directory: Path

    def path(self, server: str, name: str) -> Path:
        """The file for `name` at `server`: readable at a glance (host and name), with a
        hash of both so that no two servers or names share one."""
        server, name = server_id(server), _name_id(name)
        digest = hashlib.sha256(f"{server}\n{name}".encode()).hexdigest()[:16]
        host = _UNSAFE.sub("-", urlsplit(server).netloc or server).strip("-")[:40]
        label = _UNSAFE.sub("-", name).strip("-")[:32]
        return self.directory / f"{host or 'server'}_{label or 'name'}_{digest}.key"

    def load(self, server: str, name: str) -> str | None:
        """The key saved for `name` at `server`, or None when there is none. A file
        others may read is first tightened to 0600 (it is a password). Raises
        `SavedKeyError` when the file is there but cannot be used."""
        path = self.path(server, name)
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                os.chmod(path, 0o600)
                log.warning("%s could be read by others: now 0600", path)
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SavedKeyError(f"cannot read the saved session key {path}: {_why(exc)}") from None
        except ValueError:
            raise SavedKeyError(f"the saved session key {path} is not valid JSON") from None
        key = data.get("sessionKey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            raise SavedKeyError(f"the saved session key {path} holds no sessionKey")
        return key

    def save(self, server: str, name: str, key: str) -> Path:
        """Keep `key` for `name` at `server`, replacing any earlier one, durably (it
        survives a reboot once this returns). Raises `SavedKeyError`."""
        path = self.path(server, name)
        body = {"server": server_id(server), "name": _name_id(name), "sessionKey": key}
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                if hasattr(os, "fchmod"):  # O_CREAT's mode does not apply to a leftover file
                    os.fchmod(fd, 0o600)
                os.write(fd, (json.dumps(body, ensure_ascii=False) + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, path)
            _sync_directory(self.directory)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise SavedKeyError(f"cannot save the session key in {path}: {_why(exc)}") from None
        return path

    def forget(self, server: str, name: str) -> Path | None:
        """Delete the key for `name` at `server`: the path deleted, or None when there was
        none. Raises `SavedKeyError`."""
        path = self.path(server, name)
        try:
            path.unlink()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SavedKeyError(f"cannot delete {path}: {_why(exc)}") from None
        return path


def _sync_directory(directory: Path) -> None:
    """The rename itself survives a power cut only once the directory is on disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)

"""Who may have touched the app server's secrets: the data dir, and the key and secret
files in it (`broadcaster.key`, the SQLite files).

A key that another user planted, or can change, is their key: the server would trust a
broadcaster key they know. So, as ssh does for its keys, a data dir or a secret file
that another user owns, or that another user can write (a group or world write bit; a
directory on the way to it that others can write and is not sticky, like /tmp is), is
refused with one line that says why and what to do. A secret file that others can only
read is tightened to 0600, with a warning: nobody else has changed it, but it may have
been read.

A group write bit is another user's only when the group has another member: a user's
own group (the user private group of most distributions, named after the user) is
theirs alone, as Debian's ssh accepts it.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

SECRET_MODE = 0o600
DIR_MODE = 0o700


class UnsafeCustody(PermissionError):
    """A data dir or secret file another user owns or can write; `str()` says which,
    why and what to do, in one line. An `OSError`, so whatever reports a file it cannot
    use reports this one too."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _user(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _own_group(gid: int) -> bool:
    """Whether group `gid` is the running user's private group: their primary group,
    named after them, with no other member."""
    try:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(gid)
    except KeyError:
        return False
    return gid == me.pw_gid and group.gr_name == me.pw_name and set(group.gr_mem) <= {me.pw_name}


def _who_can_write(st: os.stat_result, *, sticky_ok: bool) -> str | None:
    """Who but the owner may write (in words), or None."""
    if sticky_ok and st.st_mode & stat.S_ISVTX:
        return None  # others may add their own entries, never rename ours (/tmp)
    if st.st_mode & stat.S_IWOTH:
        return "every user"
    if st.st_mode & stat.S_IWGRP and not _own_group(st.st_gid):
        return "its group"
    return None


def check_custody(path: Path, what: str, st: os.stat_result | None = None) -> None:
    """Refuse `path` (`what` names it: "the data dir", "the broadcaster key") unless only
    the running user can have changed it: they own it, nobody else may write it, and
    nobody else may replace it (every directory above it is theirs or root's, and
    writable by nobody else unless sticky). A file that others may read is tightened to
    0600 with a warning. `st` is the file's stat when the caller has it open already.
    Raises `UnsafeCustody`; a missing `path` is the caller's to handle (`OSError`)."""
    me = os.geteuid()
    st = os.stat(path) if st is None else st
    if st.st_uid != me:
        raise UnsafeCustody(
            f"refusing {what} {path}: it is owned by {_user(st.st_uid)}, not by "
            f"{_user(me)} who runs the server, so another user may have planted it or "
            "may change it; remove it, or make it yours (chown)"
        )
    if who := _who_can_write(st, sticky_ok=False):
        mode = stat.S_IMODE(st.st_mode)
        private = DIR_MODE if stat.S_ISDIR(st.st_mode) else SECRET_MODE
        raise UnsafeCustody(
            f"refusing {what} {path}: {who} may write it (mode {mode:04o}), so another "
            f"user may have changed it; if it is yours, make it private "
            f"(chmod {private:o} {path}), else remove it"
        )
    _check_parents(path, what)
    if not stat.S_ISDIR(st.st_mode) and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, SECRET_MODE)
        log.warning(
            "%s %s could be read by other users (mode %04o): now 0600",
            what,
            path,
            stat.S_IMODE(st.st_mode),
        )


def check_private_key(path: Path, what: str) -> None:
    """Refuse a private key the server reads but does not keep (`what`: "the TLS key"):
    one owned by another user than the running one or root, that another user may write
    (or replace, by a directory above it), or that every user may read. Such a key is
    often the system's (root's, readable by a group like ssl-cert), so it is never
    tightened here: it is not ours to chmod. Raises `UnsafeCustody`, or `OSError` for a
    key that cannot be read at all."""
    me = os.geteuid()
    st = os.stat(path)
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid not in (me, 0):
        raise UnsafeCustody(
            f"refusing {what} {path}: it is owned by {_user(st.st_uid)}, not by "
            f"{_user(me)} who runs the server or root, so another user may have changed it"
        )
    if who := _who_can_write(st, sticky_ok=False):
        raise UnsafeCustody(
            f"refusing {what} {path}: {who} may write it (mode {mode:04o}); make it "
            f"private (chmod 600 {path})"
        )
    if st.st_mode & stat.S_IROTH:
        raise UnsafeCustody(
            f"refusing {what} {path}: every user may read it (mode {mode:04o}), so it "
            f"may have been copied; make it private (chmod 600 {path}, or 640 for a "
            "group such as ssl-cert) and consider the key spent"
        )
    _check_parents(path, what)


def _check_parents(path: Path, what: str) -> None:
    """Another user who may write a directory above `path` may rename it away and put
    their own in its place."""
    me = os.geteuid()
    for parent in Path(os.path.realpath(path)).parents:
        st = os.stat(parent)
        if st.st_uid not in (me, 0):
            raise UnsafeCustody(
                f"refusing {what} {path}: the directory {parent} above it is owned by "
                f"{_user(st.st_uid)}, who could replace it; keep it in a directory of your own"
            )
        if who := _who_can_write(st, sticky_ok=True):
            raise UnsafeCustody(
                f"refusing {what} {path}: {who} may write the directory {parent} above it "
                f"(mode {stat.S_IMODE(st.st_mode):04o}) and so replace it; keep it in a "
                "directory of your own"
            )


def private_dir(path: Path, what: str = "the data dir") -> Path:
    """`path`, made 0700 if it is new, once `check_custody` accepts it. Raises
    `UnsafeCustody`, or `OSError` when it cannot be made."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    check_custody(path, what)
    return path


def kept_secret(path: Path, what: str, new: Callable[[], str], min_length: int = 1) -> str:
    """The secret kept in the file `path` (its first line), or a new one from `new()`
    written there 0600 when there is none or it is shorter than `min_length`. The file
    and its directory go through `check_custody` first. Raises `UnsafeCustody`, or
    `OSError` (with `UnicodeDecodeError`) when it cannot be read or written."""
    check_custody(path.parent, "the directory of " + what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        kept = ""
    else:
        with os.fdopen(fd, "rb") as file:
            check_custody(path, what, os.fstat(file.fileno()))
            kept = file.read().decode("utf-8").strip()
    if len(kept) >= min_length:
        return kept
    key = new()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, SECRET_MODE)
    os.fchmod(fd, SECRET_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def new_key() -> str:
    """A generated key: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)

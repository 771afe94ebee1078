"""Crash-safe file replacement: a reader sees the old file or the new one, never a mix.

Also the other ways Parley keeps the user's files safe: setting a damaged file aside (or keeping
a copy of one) under a dated name, and saying in one sentence why a write failed (a full disk,
a read-only folder) instead of showing a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from app.core.errors import ParleyError, Phrase, Translate, user_message
from app.core.i18n import QT_TRANSLATE_NOOP


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over ``path``.
    The file is readable by its owner only, unless ``mode`` says otherwise (e.g. 0o644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            if mode is not None:
                os.fchmod(tmp.fileno(), mode)
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


STALE_TEMPORARY_S = 3600  # a write's temporary file this old was left by a process that died


def remove_stale_temporaries(files: Iterable[Path], now: float | None = None) -> int:
    """Remove the temporary files that atomic writes of ``files`` never finished (the process died
    between writing and renaming): ``.NAME.XXXX.tmp`` beside each, older than STALE_TEMPORARY_S.
    Only Parley's own files' temporaries: the folder may be shared. The real files were never
    touched by them, so nothing of the user's is lost. Returns how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    for file in files:
        for candidate in file.parent.glob(f".{glob.escape(file.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                if candidate.is_file() and now - candidate.stat().st_mtime > STALE_TEMPORARY_S:
                    candidate.unlink()
                    removed += 1
    return removed


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def move_aside(path: Path, reason: str) -> Path:
    """Rename a damaged file to ``NAME.REASON-TIMESTAMP`` beside it and return the new path.

    The user's data is kept, never deleted; the caller starts fresh in its place.
    """
    target = _aside_name(path, reason)
    os.replace(path, target)
    return target


def keep_copy(path: Path, reason: str) -> Path:
    """Copy ``path`` to ``NAME.REASON-TIMESTAMP`` beside it (the original stays) and return the copy."""
    target = _aside_name(path, reason)
    shutil.copy2(path, target)
    return target


def _aside_name(path: Path, reason: str) -> Path:
    """A free ``NAME.REASON-TIMESTAMP[-N]`` beside ``path``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
        counter += 1
    return target


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def write_problem(error: BaseException) -> Phrase | None:
    """What to tell the user when ``error`` means a file could not be written: the disk is full,
    the folder is read-only, or the disk failed. None for any other error."""
    if isinstance(error, OSError):
        number, reason = error.errno, error.strerror or error
    elif isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        number = (errno.ENOSPC if "full" in text else errno.EROFS if "readonly" in text
                  else errno.EIO if "i/o error" in text else None)
        reason = error
    else:
        return None
    if number in _FULL:
        return Phrase(QT_TRANSLATE_NOOP(
            "Errors", "Parley could not save because the disk is full ({reason}); free some space and try "
                      "again. Everything saved before is kept."), reason=reason)
    if number in _READ_ONLY:
        return Phrase(QT_TRANSLATE_NOOP(
            "Errors", "Parley could not save because its folder cannot be written ({reason}); make it "
                      "writable and try again. Everything saved before is kept."), reason=reason)
    if number == errno.EIO:
        return Phrase(QT_TRANSLATE_NOOP(
            "Errors", "Parley could not save because the disk reported an error ({reason}); check that it "
                      "is not full or failing. Everything saved before is kept."), reason=reason)
    return None


def error_text(error: BaseException, translate: Translate | None = None) -> str:
    """The sentence for an error that reached the top (translated when ``translate`` is given): why
    a write failed, a ParleyError's own sentence, or the generic one for a bug."""
    problem = write_problem(error)
    return problem.shown(translate) if problem else user_message(error, translate)


def write_user_file(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically to a file the user chose; ParleyError if it cannot be."""
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise ParleyError(QT_TRANSLATE_NOOP("Errors", "Cannot write {path} ({reason}); choose another file."),
                          path=path, reason=exc.strerror or exc) from exc

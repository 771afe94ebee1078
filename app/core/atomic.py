"""Crash-safe file replacement: a reader sees the old file or the new one, never a mix."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


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
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
        counter += 1
    os.replace(path, target)
    return target


def write_user_file(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically to a file the user chose; ParleyError if it cannot be."""
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise ParleyError(QT_TRANSLATE_NOOP("Errors", "Cannot write {path} ({reason}); choose another file."),
                          path=path, reason=exc.strerror or exc) from exc

"""Versioned JSON documents on disk: settings and presets.

A document is ``{"format": KIND, "version": N, "data": ...}``, written atomically. Reading
never loses anything: a file that cannot be parsed, is of another kind, or comes from a newer
Parley is moved aside (kept beside the original) and the caller starts from defaults with a
one-sentence warning.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.atomic import move_aside, write_atomically

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """What a document file held: its ``data``, or None with a ``warning`` when unusable."""

    data: Any = None
    warning: str | None = None


def read_document(path: Path, kind: str, version: int, what: str) -> Document:
    """Read a ``kind`` document of at most ``version`` from ``path``.

    ``what`` names the file for the user ("settings", "presets"). A missing file gives an
    empty Document silently. A file without a format header is read as version-0 data.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Document()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return set_aside(path, what, f"it is not valid JSON ({exc})")
    if isinstance(raw, dict) and "format" not in raw:
        return Document(raw)
    if not isinstance(raw, dict) or raw.get("format") != kind:
        return set_aside(path, what, "it is not a Parley file of this kind")
    if not isinstance(raw.get("version"), int) or raw["version"] > version:
        return set_aside(path, what, "it was written by a newer version of Parley")
    return Document(raw.get("data"))


def set_aside(path: Path, what: str, reason: str) -> Document:
    """Move an unusable file aside and explain, in one sentence, what happened."""
    log.warning("%s file %s is unusable: %s", what, path, reason)
    try:
        kept = move_aside(path, "damaged")
    except OSError:
        return Document(None, f"The {what} file {path} could not be used because {reason}; "
                              "defaults are used and it was left in place.")
    return Document(None, f"The {what} file could not be used because {reason}; defaults are "
                          f"used and the old file was kept as {kept}.")


def write_document(path: Path, kind: str, version: int, data: Any) -> None:
    """Write ``data`` as a ``kind`` document atomically (old or new file, never a mix)."""
    text = json.dumps({"format": kind, "version": version, "data": data},
                      indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"))

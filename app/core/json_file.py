"""Versioned JSON documents on disk: settings and presets.

A document is ``{"format": KIND, "version": N, "data": ...}``, written atomically. Reading
never loses anything: a file that cannot be parsed, is of another kind, or comes from a newer
Parley is moved aside (kept beside the original) and the caller starts from defaults with a
one-sentence warning (a ``Phrase``: English as ``str()``, translated where the GUI shows it).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.atomic import move_aside, write_atomically
from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """What a document file held: its ``data``, or None with a ``warning`` when unusable."""

    data: Any = None
    warning: Phrase | None = None


def read_document(path: Path, kind: str, version: int, what: Phrase) -> Document:
    """Read a ``kind`` document of at most ``version`` from ``path``.

    ``what`` names the file for the user (the phrase "settings", "presets"). A missing file
    gives an empty Document silently. A file without a format header is read as version-0 data.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Document()
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad text, JSON or number
        return set_aside(path, what, Phrase(QT_TRANSLATE_NOOP("Errors", "it is not valid JSON ({error})"),
                                            error=exc))
    if isinstance(raw, dict) and "format" not in raw:
        return Document(raw)
    if not isinstance(raw, dict) or raw.get("format") != kind:
        return set_aside(path, what, Phrase(QT_TRANSLATE_NOOP(
            "Errors", "it is not a Parley file of this kind")))
    if not isinstance(raw.get("version"), int) or raw["version"] > version:
        return set_aside(path, what, Phrase(QT_TRANSLATE_NOOP(
            "Errors", "it was written by a newer version of Parley")))
    return Document(raw.get("data"))


def set_aside(path: Path, what: Phrase, reason: Phrase) -> Document:
    """Move an unusable file aside and explain, in one sentence, what happened."""
    log.warning("%s file %s is unusable: %s", what, path, reason)
    try:
        kept = move_aside(path, "damaged")
    except OSError:
        return Document(None, Phrase(QT_TRANSLATE_NOOP(
            "Errors", "The {what} file {path} could not be used because {reason}; defaults are "
                      "used and it was left in place."), what=what, path=path, reason=reason))
    return Document(None, Phrase(QT_TRANSLATE_NOOP(
        "Errors", "The {what} file could not be used because {reason}; defaults are used and the "
                  "old file was kept as {kept}."), what=what, reason=reason, kept=kept))


def write_document(path: Path, kind: str, version: int, data: Any) -> None:
    """Write ``data`` as a ``kind`` document atomically (old or new file, never a mix)."""
    text = json.dumps({"format": kind, "version": version, "data": data},
                      indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"))

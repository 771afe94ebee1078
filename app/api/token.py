"""The local API server's bearer token: made on first use, kept in a file only the user can read.

The file is written atomically (a temporary file from ``mkstemp`` is created with mode 0600 and
renamed into place), so the token is never readable by others, not even for a moment. A token
file that others could read is replaced by a new token: the old one may have leaked.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
from pathlib import Path

from app.core.atomic import write_atomically
from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits, as 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,256}")


def read_or_create(path: Path) -> str:
    """The token kept in ``path``, made (and written) now if there is none or it is unusable."""
    try:
        text = path.read_text(encoding="ascii").strip()
        private = os.name == "nt" or not stat.S_IMODE(path.stat().st_mode) & 0o077
    except FileNotFoundError:
        return regenerate(path)
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("the API token file cannot be read (%s); making a new token", exc)
        return regenerate(path)
    if not _TOKEN_SHAPE.fullmatch(text):
        log.warning("the API token file does not hold a token; making a new one")
        return regenerate(path)
    if not private:
        log.warning("the API token file could be read by other users; making a new token")
        return regenerate(path)
    return text


def regenerate(path: Path) -> str:
    """A new token, written to ``path`` (mode 0600); programs using the old one must be updated."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        write_atomically(path, token.encode("ascii") + b"\n")
    except OSError as exc:
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "Cannot keep the API token in {path} ({reason}); check that folder's "
                      "permissions."), path=path, reason=exc.strerror or exc) from exc
    return token

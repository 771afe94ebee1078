"""Logging to a rotating file in the log directory (never to the user's terminal by default)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file whose write errors (a full disk, a folder made read-only) are dropped:
    the log must never print tracebacks on the user's terminal or stop the app."""

    def handleError(self, record: logging.LogRecord) -> None:
        """Drop the record."""


def configure_logging(log_file: Path, level: int = logging.INFO) -> None:
    """Send every log record to ``log_file`` (rotated at 2 MB, three old files kept)."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "parley", False):
            root.removeHandler(handler)
            handler.close()
    try:
        handler: logging.Handler = _QuietFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # an unwritable log must not stop the app
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.parley = True  # type: ignore[attr-defined]
    root.addHandler(handler)

"""The crash marker: remembering that a model load was under way, in case it takes the app down.

A native crash while loading (a driver bug, a hostile file that slips past the checks) kills
the whole process. The marker is written before llama.cpp sees the file and removed when the
load ends either way. Finding it at the next start means the app died mid-load: that model is
then not loaded automatically, and the user is told why. It stays until a load ends, so an app
that keeps being closed without choosing a model keeps saying so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.atomic import write_atomically
from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP

log = logging.getLogger(__name__)

UNKNOWN_MODEL = Path("an unknown model")  # a marker torn by the crash still means one


class LoadMarker:
    """The marker file for one profile."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def loading(self, model: Path) -> Iterator[None]:
        """Hold the marker while the body loads ``model``; gone afterwards, whatever happened."""
        try:
            write_atomically(self.path, json.dumps({"model": str(model)}).encode("utf-8"))
        except OSError:
            log.warning("cannot write the loading marker %s", self.path, exc_info=True)
        try:
            yield
        finally:
            try:
                self.path.unlink(missing_ok=True)
            except OSError:  # a read-only folder (where it was never written either)
                log.warning("cannot remove the loading marker %s", self.path, exc_info=True)

    def left_over(self) -> Path | None:
        """The model that was loading when the app last died, if it did."""
        try:
            model = json.loads(self.path.read_text(encoding="utf-8"))["model"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return UNKNOWN_MODEL
        return Path(model) if isinstance(model, str) else UNKNOWN_MODEL

    @staticmethod
    def crash_message(model: Path) -> Phrase:
        """What to tell the user at start-up when ``model`` was loading as the app died."""
        name = (Phrase(QT_TRANSLATE_NOOP("Errors", "an unknown model")) if model == UNKNOWN_MODEL
                else model.name)
        return Phrase(QT_TRANSLATE_NOOP(
            "Errors", "Parley closed unexpectedly while loading {model} last time, so it was not "
                      "loaded now; choose it again in the model list to retry, or pick another "
                      "model."), model=name)

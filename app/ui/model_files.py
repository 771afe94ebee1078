"""Model files handed to the GUI by drag and drop, and the file dialog's filter for them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from app.core.i18n import QT_TRANSLATE_NOOP
from app.ui.i18n import translate

# English source text; ``gguf_filter()`` gives it translated (keep the patterns in brackets).
GGUF_FILTER = QT_TRANSLATE_NOOP("TakesModelDrops", "GGUF models (*.gguf);;All files (*)")


def gguf_filter() -> str:
    """The file dialog's filter for model files, in the user's language."""
    return translate("TakesModelDrops", GGUF_FILTER)


def dropped_models(mime: QMimeData) -> list[Path]:
    """The local .gguf files in a drag (anything else in it is ignored)."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if path.suffix.lower() == ".gguf"]


class TakesModelDrops:
    """Mixin for a widget that takes dropped .gguf files: it passes them to ``add_models``.

    (A mixin rather than an event filter: PySide6 hands filters a plain QEvent, without the
    drop's data.)
    """

    def add_models(self, paths: list[Path]) -> None:
        raise NotImplementedError

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_models(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_models(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_models(paths)

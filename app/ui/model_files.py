"""Model files handed to the GUI by drag and drop, and the file dialog's filter for them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData

GGUF_FILTER = "GGUF models (*.gguf);;All files (*)"


def dropped_models(mime: QMimeData) -> list[Path]:
    """The local .gguf files in a drag (anything else in it is ignored)."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if path.suffix.lower() == ".gguf"]

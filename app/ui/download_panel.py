"""Downloading a model: a URL or Hugging Face reference, an optional checksum, progress, cancel
and resume.

The download itself (``core/download.py``) runs on a background thread; this panel only shows
its progress (size, speed, time left) and offers Cancel. A cancelled or broken download leaves
a ``.part`` file that is listed here to resume or discard; it is never taken for a model.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
)

from app.core.download import (
    DownloadError,
    DownloadProgress,
    DownloadSource,
    PartialDownload,
    discard_partial,
    format_progress,
    partial_downloads,
    resolve_source,
)
from app.ui.i18n import translate
from app.ui.model_manager import DownloadJob, ModelManager


class DownloadPanel(QGroupBox):
    """Start, follow, cancel and resume one download at a time."""

    def __init__(self, manager: ModelManager) -> None:
        super().__init__(translate("DownloadPanel", "Download a model"))
        self._manager = manager
        self.job: DownloadJob | None = None
        self.source = QLineEdit()
        self.source.setPlaceholderText(translate(
            "DownloadPanel", "https://…/model.gguf, or owner/repository/file.gguf from Hugging Face"))
        self.source.setAccessibleName(translate("DownloadPanel", "Download address"))
        self.checksum = QLineEdit()
        self.checksum.setPlaceholderText(translate("DownloadPanel",
                                                   "optional: the file's SHA-256, to check it"))
        self.checksum.setAccessibleName(translate("DownloadPanel", "Expected SHA-256"))
        self.start_button = QPushButton(translate("DownloadPanel", "Download"))
        self.start_button.setToolTip(translate("DownloadPanel", "Download the file the address names into "
                                                                "the models folder"))
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(translate("DownloadPanel", "Cancel"))
        self.cancel_button.setAccessibleName(translate("DownloadPanel", "Cancel the download"))
        self.cancel_button.setToolTip(translate("DownloadPanel", "Stop the download; what has arrived is "
                                                                 "kept, to resume later"))
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName(translate("DownloadPanel", "Download progress"))
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.unfinished = QComboBox()
        self.unfinished.setAccessibleName(translate("DownloadPanel", "Unfinished downloads"))
        self.resume_button = QPushButton(translate("DownloadPanel", "Resume"))
        self.resume_button.setAccessibleName(translate("DownloadPanel", "Resume the download"))
        self.resume_button.setToolTip(translate("DownloadPanel", "Carry on with the chosen unfinished "
                                                                 "download"))
        self.resume_button.clicked.connect(self.resume)
        self.discard_button = QPushButton(translate("DownloadPanel", "Discard"))
        self.discard_button.setAccessibleName(translate("DownloadPanel", "Discard the download"))
        self.discard_button.setToolTip(translate("DownloadPanel", "Delete the chosen unfinished download's "
                                                                  "partial file"))
        self.discard_button.clicked.connect(self.discard)

        form = QFormLayout(self)
        start_row = QHBoxLayout()
        start_row.addWidget(self.source, 1)
        start_row.addWidget(self.start_button)
        start_row.addWidget(self.cancel_button)
        form.addRow(translate("DownloadPanel", "From:"), start_row)
        form.addRow(translate("DownloadPanel", "SHA-256:"), self.checksum)
        form.addRow(self.progress)
        form.addRow(self.status)
        resume_row = QHBoxLayout()
        resume_row.addWidget(self.unfinished, 1)
        resume_row.addWidget(self.resume_button)
        resume_row.addWidget(self.discard_button)
        form.addRow(translate("DownloadPanel", "Unfinished:"), resume_row)
        self._show_running(False)
        self.refresh_unfinished()
        manager.changed.connect(self.refresh_unfinished)

    def start(self) -> None:
        """Download what the address field names."""
        try:
            source = resolve_source(self.source.text().strip())
        except DownloadError as exc:
            self.status.setText(exc.shown(translate))
            return
        self._begin(source, self.checksum.text().strip() or None)

    def resume(self) -> None:
        """Carry on with the chosen unfinished download."""
        part = self._chosen_part()
        if part is not None:
            self._begin(part.source, part.sha256)

    def discard(self) -> None:
        """Throw the chosen unfinished download away."""
        part = self._chosen_part()
        if part is not None:
            discard_partial(part)
            self.refresh_unfinished()

    def cancel(self) -> None:
        """Stop the running download (its part is kept for resuming)."""
        if self.job is not None:
            self.job.cancel.set()

    def refresh_unfinished(self) -> None:
        """List the downloads that can be resumed."""
        self.unfinished.clear()
        for part in partial_downloads(self._manager.library.models_dir):
            size = format_progress(DownloadProgress(part.done, part.total, None, None)).shown(translate)
            self.unfinished.addItem(translate("DownloadPanel", "{file} ({size})")
                                    .format(file=part.source.file_name, size=size))
        has_parts = self.unfinished.count() > 0
        for widget in (self.unfinished, self.resume_button, self.discard_button):
            widget.setEnabled(has_parts and self.job is None)

    def _chosen_part(self) -> PartialDownload | None:
        parts = partial_downloads(self._manager.library.models_dir)
        row = self.unfinished.currentIndex()
        return parts[row] if 0 <= row < len(parts) else None

    def _begin(self, source: DownloadSource, sha256: str | None) -> None:
        if self.job is not None:
            return
        self.status.setText(translate("DownloadPanel", "Starting the download of {file}…")
                            .format(file=source.file_name))
        self.progress.setValue(0)
        self.job = self._manager.download(source, sha256)
        self.job.progressed.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.job.failed.connect(self._on_failed)
        self._show_running(True)

    def _on_progress(self, progress: DownloadProgress) -> None:
        if progress.total:
            self.progress.setValue(int(1000 * progress.done / progress.total))
        self.status.setText(format_progress(progress).shown(translate))

    def _on_finished(self, path: object) -> None:
        self.status.setText(translate("DownloadPanel", "Downloaded {file}; it is in the list above.")
                            .format(file=getattr(path, "name", path)))
        self.progress.setValue(1000)
        self._end()

    def _on_failed(self, reason: str) -> None:
        self.status.setText(reason)
        self._end()

    def _end(self) -> None:
        self.job = None
        self._show_running(False)
        self.refresh_unfinished()

    def _show_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running or self.progress.value() > 0)

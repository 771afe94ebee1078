"""Changing the model library from the GUI: add, remove and download, off the GUI thread.

Reading a header or copying a multi-gigabyte file takes time, so ``ModelLibrary.prepare`` and
downloads run on background threads; the library itself is changed only here, on the GUI
thread, when they report back. Every change is announced with ``changed``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.core.download import DownloadSource, download
from app.core.errors import ParleyError
from app.core.gguf_header import GgufHeader, read_header
from app.core.model_library import LibraryModel, ModelLibrary
from app.ui.background import BackgroundJob
from app.ui.i18n import translate


class DownloadJob(QObject):
    """One download on its own thread; progress, the finished file or a sentence come back."""

    progressed = Signal(object)   # DownloadProgress
    finished = Signal(object)     # Path of the finished model
    failed = Signal(str)          # one sentence (cancelled downloads too)

    def __init__(self, source: DownloadSource, models_dir: Path, sha256: str | None) -> None:
        super().__init__()
        self.source = source
        self.cancel = threading.Event()
        self._job = BackgroundJob(lambda: download(
            source, models_dir, sha256=sha256, progress=self.progressed.emit, cancel=self.cancel))
        self._job.done.connect(self.finished)
        self._job.failed.connect(self.failed)

    def start(self) -> None:
        """Begin downloading."""
        self._job.start()


class ModelManager(QObject):
    """The GUI's hands on the model library."""

    changed = Signal()          # the list of models changed
    added = Signal(object)      # LibraryModel, once a file joined the library
    problem = Signal(str)       # one sentence

    def __init__(self, library: ModelLibrary, in_use: Callable[[], Path | None]) -> None:
        super().__init__()
        self.library = library
        self._in_use = in_use
        self.downloads: list[DownloadJob] = []

    def models(self) -> list[LibraryModel]:
        """The library's models, bundled default first."""
        return self.library.models()

    def add(self, paths: list[Path], copy: bool = False) -> None:
        """Check (and copy, if asked) each file off the GUI thread, then list it."""
        for path in paths:
            job = BackgroundJob(lambda path=path: self.library.prepare(path, copy))
            job.done.connect(self._register)
            job.failed.connect(self.problem)
            job.start()

    def _register(self, path: Path) -> None:
        try:
            model = self.library.register(path)
        except ParleyError as exc:
            self.problem.emit(exc.shown(translate))
            return
        self.changed.emit()
        self.added.emit(model)

    def remove(self, model: LibraryModel, delete_file: bool) -> None:
        """Take ``model`` out of the library, deleting its file only if asked (and not in use)."""
        if delete_file and model.path == self._in_use():
            self.problem.emit(translate("ModelManager", "{model} is in use; switch to another model "
                                                        "before deleting its file.").format(model=model.name))
            return
        try:
            self.library.remove(model, delete_file)
        except ParleyError as exc:
            self.problem.emit(exc.shown(translate))
            return
        self.changed.emit()

    def read_header(self, path: Path, done: Callable[[GgufHeader], None],
                    failed: Callable[[str], None]) -> BackgroundJob:
        """Read ``path``'s GGUF header off the GUI thread."""
        job = BackgroundJob(lambda: read_header(path))
        job.done.connect(done)
        job.failed.connect(failed)
        job.start()
        return job

    def download(self, source: DownloadSource, sha256: str | None) -> DownloadJob:
        """Start downloading ``source`` into the models folder."""
        job = DownloadJob(source, self.library.models_dir, sha256)
        self.downloads.append(job)
        job.finished.connect(self._register)  # listed even if that name was removed before
        job.finished.connect(lambda _path: self._download_ended(job))
        job.failed.connect(lambda _reason: self._download_ended(job))
        job.start()
        return job

    def _download_ended(self, job: DownloadJob) -> None:
        if job in self.downloads:
            self.downloads.remove(job)
        self.changed.emit()

    def cancel_downloads(self) -> None:
        """Stop every download (their partial files are kept for resuming)."""
        for job in self.downloads:
            job.cancel.set()

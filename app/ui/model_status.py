"""The status-bar line about the model: where it runs, and the progress of a load.

While a model loads, a progress bar driven by llama.cpp's own callback and a Cancel button
show; the rest of the window stays usable. Afterwards the label always says where the model
runs: "SmolLM2-135M-Instruct.Q4_1.gguf · CPU · context 4,096", or "GPU 33/33 layers".
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.ui.i18n import translate
from app.ui.model_loader import ModelLoader


class ModelStatus(QWidget):
    """Label, load progress and Cancel, kept in step with a ``ModelLoader``."""

    def __init__(self, loader: ModelLoader) -> None:
        super().__init__()
        self.label = QLabel(translate("ModelStatus", "Starting…"))
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("%p%")
        self.progress.setMaximumWidth(140)
        self.progress.setAccessibleName(translate("ModelStatus", "Loading the model"))
        self.cancel_button = QPushButton(translate("ModelStatus", "Cancel"))
        self.cancel_button.setAccessibleName(translate("ModelStatus", "Cancel loading the model"))
        self.cancel_button.setToolTip(translate("ModelStatus", "Stop loading this model"))
        self.cancel_button.clicked.connect(loader.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        row.addWidget(self.label, 1)
        self._set_loading(False)
        loader.loadingChanged.connect(self._set_loading)
        loader.progressChanged.connect(self.progress.setValue)
        loader.statusChanged.connect(self.show_status)

    def show_status(self, text: str) -> None:
        """Show ``text`` as the model's status."""
        self.label.setText(text)

    @property
    def loading(self) -> bool:
        """Whether the load progress is showing."""
        return self.progress.isVisibleTo(self)

    def _set_loading(self, loading: bool) -> None:
        self.progress.setVisible(loading)
        self.cancel_button.setVisible(loading)

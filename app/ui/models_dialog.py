"""The Models dialog: the library, each model's facts and memory needs, add, remove and use.

Facts come from the GGUF header, read off the GUI thread; the memory estimate uses the open
chat's context length and is compared with free RAM and free video memory (from the engine
worker's last probe). Files can be added with the file dialog (linked, or copied when asked)
or dropped on the dialog. Downloads live in the panel below the list.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.gguf_header import GgufHeader
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.memory import available_ram, estimate_memory
from app.core.model_facts import fact_lines, free_memory_line, memory_warning
from app.core.model_library import LibraryModel, Origin
from app.ui import dialogs
from app.ui.controller import ChatController
from app.ui.download_panel import DownloadPanel
from app.ui.i18n import translate
from app.ui.model_files import TakesModelDrops, gguf_filter

PATH_ROLE = Qt.ItemDataRole.UserRole

# The ``Origin`` values (English, from app.core.model_library), marked here for translation.
ORIGIN_TEXTS = (QT_TRANSLATE_NOOP("ModelsDialog", "bundled with Parley"),
                QT_TRANSLATE_NOOP("ModelsDialog", "models folder"),
                QT_TRANSLATE_NOOP("ModelsDialog", "linked"))


def origin_text(origin: Origin) -> str:
    """Where a library model comes from, in the user's language."""
    return translate("ModelsDialog", origin.value)


class ModelsDialog(TakesModelDrops, QDialog):
    """Manage the model library (non-modal: chatting goes on meanwhile)."""

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("ModelsDialog", "Models"))
        self.resize(760, 560)
        self.setAcceptDrops(True)
        self._controller = controller
        self._models: list[LibraryModel] = []
        self._header_job: object | None = None  # kept alive until it reports

        self.list = QListWidget()
        self.list.setAccessibleName(translate("ModelsDialog", "Models in the library"))
        self.list.currentRowChanged.connect(self._show_details)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: bold;")
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = QLabel()
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        self.warning.setObjectName("memoryWarning")
        self.warning.setStyleSheet("#memoryWarning { background: #fff4e5; color: #663c00; "
                                   "padding: 6px; border-radius: 4px; }")
        self.warning.hide()

        self.use_button = QPushButton(translate("ModelsDialog", "Use this model"))
        self.use_button.setToolTip(translate("ModelsDialog", "Load the selected model for the open chat"))
        self.use_button.clicked.connect(self._use)
        self.add_button = QPushButton(translate("ModelsDialog", "Add a model file…"))
        self.add_button.setToolTip(translate("ModelsDialog", "Link a GGUF file where it is, or copy it "
                                                             "into Parley's models folder"))
        add_menu = QMenu(self.add_button)
        add_menu.addAction(translate("ModelsDialog", "Link it where it is…"), lambda: self._add(copy=False))
        add_menu.addAction(translate("ModelsDialog", "Copy it into Parley's models folder…"),
                           lambda: self._add(copy=True))
        self.add_button.setMenu(add_menu)
        self.remove_button = QPushButton(translate("ModelsDialog", "Remove…"))
        self.remove_button.setAccessibleName(translate("ModelsDialog", "Remove model"))
        self.remove_button.setToolTip(translate("ModelsDialog", "Take the selected model out of the "
                                                                "library, keeping or deleting its file"))
        self.remove_button.clicked.connect(self._remove)
        self.downloads = DownloadPanel(controller.library)
        self._build_layout()

        controller.library.changed.connect(self.refresh)
        controller.library.added.connect(self._select)
        controller.settingsChanged.connect(self._show_details)
        controller.loader.offloadProbed.connect(self._show_details)

    def _build_layout(self) -> None:
        facts = QVBoxLayout()
        facts.addWidget(self.title)
        facts.addWidget(self.details)
        facts.addWidget(self.warning)
        facts.addStretch(1)
        buttons = QHBoxLayout()
        for button in (self.use_button, self.add_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        facts.addLayout(buttons)
        top = QHBoxLayout()
        top.addWidget(self.list, 2)
        top.addLayout(facts, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.downloads)
        layout.addWidget(close)

    # -- opening -----------------------------------------------------------------------------

    def open_library(self) -> None:
        """Show the dialog with the open chat's model selected."""
        self.show()
        self.refresh()
        self._controller.loader.probe()  # fresh free video memory for the estimates
        self.list.setFocus()

    def open_download(self) -> None:
        """Show the dialog ready to download a model."""
        self.open_library()
        self.downloads.source.setFocus()

    # -- the list ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the library, keeping the selection."""
        selected = self.selected()
        self._models = self._controller.library.models()
        self.list.clear()
        for model in self._models:
            label = (model.name if model.available else
                     translate("ModelsDialog", "{model} (missing)").format(model=model.name))
            item = QListWidgetItem(f"{label}\n{origin_text(model.origin)}")
            item.setData(PATH_ROLE, str(model.path))
            item.setToolTip(str(model.path))
            self.list.addItem(item)
        in_use = self._controller.loader.requested_path
        self._select_path(selected.path if selected else in_use)

    def selected(self) -> LibraryModel | None:
        """The highlighted model."""
        row = self.list.currentRow()
        return self._models[row] if 0 <= row < len(self._models) else None

    def _select(self, model: LibraryModel) -> None:
        self._select_path(model.path)

    def _select_path(self, path: object) -> None:
        for row, model in enumerate(self._models):
            if model.path == path:
                self.list.setCurrentRow(row)
                return
        self.list.setCurrentRow(0 if self._models else -1)

    # -- facts -------------------------------------------------------------------------------

    def _show_details(self, *_: object) -> None:
        if not self.isVisible():
            return  # read when shown: open_library refreshes the selection
        model = self.selected()
        self.warning.hide()
        self.use_button.setEnabled(model is not None and model.available)
        self.remove_button.setEnabled(model is not None and model.origin is not Origin.BUNDLED)
        if model is None:
            self.title.setText(translate("ModelsDialog", "No model selected"))
            self.details.setText(translate("ModelsDialog", "Add a model file, drop one here, or download "
                                                           "one below."))
            return
        self.title.setText(translate("ModelsDialog", "{model} — {origin}").format(
            model=model.name, origin=origin_text(model.origin)))
        if not model.available:
            self.details.setText(translate("ModelsDialog", "The file {path} is missing; remove it from the "
                                                           "list, or put the file back.")
                                 .format(path=model.path))
            return
        self.details.setText(translate("ModelsDialog", "Reading {path}…").format(path=model.path))
        self._header_job = self._controller.library.read_header(
            model.path, lambda header: self._show_header(model, header),
            lambda reason: self._show_unreadable(model, reason))

    def _show_header(self, model: LibraryModel, header: GgufHeader) -> None:
        if self.selected() != model:
            return  # the selection moved on while the header was read
        n_ctx = int(self._controller.settings["n_ctx"])
        estimate = estimate_memory(header, n_ctx, int(self._controller.settings["n_batch"]))
        free_ram, support = available_ram(), self._controller.loader.offload
        lines = [*fact_lines(header, estimate), free_memory_line(free_ram, support)]
        self.details.setText("\n".join([*(line.shown(translate) for line in lines), str(model.path)]))
        warning = memory_warning(header, estimate, free_ram, support)
        self.warning.setText(warning.shown(translate) if warning else "")
        self.warning.setVisible(warning is not None)

    def _show_unreadable(self, model: LibraryModel, reason: str) -> None:
        if self.selected() == model:
            self.details.setText(reason)
            self.use_button.setEnabled(False)

    # -- actions -----------------------------------------------------------------------------

    def _use(self) -> None:
        model = self.selected()
        if model is not None:
            self._controller.choose_model(model.path)

    def _add(self, copy: bool) -> None:
        path = dialogs.ask_open_file(self, translate("ModelsDialog", "Add a model file"), gguf_filter())
        if path is not None:
            self._controller.library.add([path], copy=copy)

    def _remove(self) -> None:
        model = self.selected()
        if model is None:
            return
        answer = dialogs.choose(
            self, translate("ModelsDialog", "Remove model"),
            translate("ModelsDialog", "Remove {model} from the library?").format(model=model.name),
            [translate("ModelsDialog", "Remove, keep the file"),
             translate("ModelsDialog", "Remove and delete the file")])
        if answer is not None:
            self._controller.library.remove(model, delete_file=answer == 1)

    def add_models(self, paths: list[Path]) -> None:
        """Files dropped on the dialog join the library (linked where they are)."""
        self._controller.library.add(paths)

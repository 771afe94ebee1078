"""The model picker above the chat: one click switches the open chat to another model.

It lists the library (bundled default, models folder, linked files) and shows the model the
open conversation uses. Choosing one goes through ``ChatController.choose_model``, which
unloads the previous model and remembers the choice for this chat and for new chats.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from app.core.bundled_model import resolve_model_path
from app.core.errors import ParleyError
from app.ui.controller import ChatController
from app.ui.i18n import translate
from app.ui.models_dialog import origin_text
from app.ui.plain_tooltip import plain_tooltip


class ModelPicker(QComboBox):
    """A combo box of library models; the current item is the open chat's model."""

    def __init__(self, controller: ChatController) -> None:
        super().__init__()
        self._controller = controller
        self.setAccessibleName(translate("ModelPicker", "Model"))
        self.setToolTip(translate("ModelPicker", "The model this chat uses; choosing another one loads it"))
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.activated.connect(self._on_activated)
        controller.settingsChanged.connect(self.select_wanted)  # no disk access per change
        controller.library.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the library and select the open chat's model."""
        self.blockSignals(True)
        self.clear()
        for model in self._controller.library.models():
            label = (model.name if model.available else
                     translate("ModelPicker", "{model} (missing)").format(model=model.name))
            self.addItem(label, str(model.path))
            self.setItemData(self.count() - 1, plain_tooltip(f"{model.path}\n{origin_text(model.origin)}"),
                             Qt.ItemDataRole.ToolTipRole)
        self.blockSignals(False)
        self.select_wanted()

    def select_wanted(self) -> None:
        """Select the open chat's model (listed as "not in the library" when it is not)."""
        wanted = self._wanted()
        self.blockSignals(True)
        if wanted is not None and self.findData(str(wanted)) < 0:
            self.addItem(translate("ModelPicker", "{model} (not in the library)").format(model=wanted.name),
                         str(wanted))
        self.setCurrentIndex(self.findData(str(wanted)) if wanted is not None else -1)
        self.blockSignals(False)

    def _wanted(self) -> Path | None:
        if self._controller.loader.override is not None:
            return self._controller.loader.override
        try:
            return resolve_model_path(self._controller.settings["model_path"])
        except ParleyError:
            return None

    def _on_activated(self, index: int) -> None:
        path = self.itemData(index)
        if path:
            self._controller.choose_model(Path(path))

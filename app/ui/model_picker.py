"""The model picker above the chat: one click switches the open chat to another model.

It lists the library (bundled default, models folder, linked files), then the remote
connections, and shows the one the open conversation uses. Choosing one goes through
``ChatController.choose_model`` or ``choose_connection``, which unload the previous model and
remember the choice for this chat and for new chats.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from app.core.bundled_model import resolve_model_path
from app.core.connections import Connection
from app.core.errors import ParleyError
from app.ui.controller import ChatController
from app.ui.i18n import translate
from app.ui.models_dialog import origin_text
from app.ui.plain_tooltip import plain_tooltip

CONNECTION = "connection:"  # item data of a remote connection (local models' data is an absolute path)


def connection_label(connection: Connection) -> str:
    """How a connection is listed: ``NAME · MODEL`` (or "first model" when none is chosen)."""
    model = connection.model or translate("ModelPicker", "first model")
    return translate("ModelPicker", "{name} · {model} (remote)").format(name=connection.name, model=model)


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
        if controller.connections is not None:
            controller.connections.changed.connect(self.refresh)
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
        connections = self._controller.connections
        for connection in connections.connections() if connections else []:
            self.addItem(connection_label(connection), CONNECTION + connection.name)
            self.setItemData(self.count() - 1, plain_tooltip(connection.base_url),
                             Qt.ItemDataRole.ToolTipRole)
        self.blockSignals(False)
        self.select_wanted()

    def select_wanted(self) -> None:
        """Select the open chat's model (listed as "not in the library" or "removed" when it is
        not in the list)."""
        wanted = self._wanted()
        self.blockSignals(True)
        if wanted is not None and self.findData(wanted) < 0:
            name = wanted.removeprefix(CONNECTION)
            label = (translate("ModelPicker", "{name} (removed connection)").format(name=name)
                     if wanted.startswith(CONNECTION) else
                     translate("ModelPicker", "{model} (not in the library)").format(model=Path(name).name))
            self.addItem(label, wanted)
        self.setCurrentIndex(self.findData(wanted) if wanted is not None else -1)
        self.blockSignals(False)

    def _wanted(self) -> str | None:
        """The item data of what the open chat uses."""
        settings = self._controller.settings
        if self._controller.loader.override is not None:
            return str(self._controller.loader.override)
        if settings["connection"]:
            return CONNECTION + settings["connection"]
        try:
            return str(resolve_model_path(settings["model_path"]))
        except ParleyError:
            return None

    def _on_activated(self, index: int) -> None:
        data = self.itemData(index)
        if not data:
            return
        if data.startswith(CONNECTION):
            self._controller.choose_connection(data.removeprefix(CONNECTION))
        else:
            self._controller.choose_model(Path(data))

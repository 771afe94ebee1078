"""The Connections dialog: remote OpenAI-compatible servers, their keys and models.

Each connection has a name, a server address, an optional API key (stored in the system
keyring, or a user-only file, as the note in the dialog says), which dialect of the API the
server speaks (decided from its model list when automatic) and the model to use, picked from
the server's own list. Listing models and storing keys run off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.connections import ApiDialect, Connection, normalize_base_url
from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP
from app.ui import dialogs
from app.ui.connection_manager import ConnectionManager
from app.ui.controller import ChatController
from app.ui.i18n import translate

DIALECT_TEXTS = {  # shown in the "ConnectionsDialog" context
    ApiDialect.AUTO: QT_TRANSLATE_NOOP("ConnectionsDialog", "Automatic (from the server's model list)"),
    ApiDialect.OPENAI: QT_TRANSLATE_NOOP("ConnectionsDialog",
                                         "OpenAI fields only (OpenAI, Ollama, LM Studio)"),
    ApiDialect.LLAMA_CPP: QT_TRANSLATE_NOOP("ConnectionsDialog", "llama.cpp (llama-server): all samplers"),
    ApiDialect.VLLM: QT_TRANSLATE_NOOP("ConnectionsDialog", "vLLM: top-k, min-p, repetition penalty"),
}


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class ConnectionsDialog(QDialog):
    """Add, change, test and remove connections (non-modal: chatting goes on meanwhile)."""

    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert controller.connections is not None
        self._controller = controller
        self._manager: ConnectionManager = controller.connections
        self._editing: str | None = None  # the name of the connection in the form, if saved
        self.setWindowTitle(translate("ConnectionsDialog", "Connections"))
        self.resize(720, 420)

        self.list = QListWidget()
        self.list.setAccessibleName(translate("ConnectionsDialog", "Connections"))
        self.list.currentTextChanged.connect(self._show)
        self.name = self._line(translate("ConnectionsDialog", "Name"),
                               translate("ConnectionsDialog", "for example: workstation"))
        self.address = self._line(translate("ConnectionsDialog", "Server address"), "http://localhost:8080/v1")
        self.key = self._line(translate("ConnectionsDialog", "API key"), "")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.forget_button = QPushButton(translate("ConnectionsDialog", "Forget key"))
        self.forget_button.setToolTip(translate("ConnectionsDialog", "Remove the stored API key"))
        self.forget_button.clicked.connect(self.forget_key)
        self.dialect = QComboBox()
        self.dialect.setAccessibleName(translate("ConnectionsDialog", "API"))
        for dialect, text in DIALECT_TEXTS.items():
            self.dialect.addItem(translate("ConnectionsDialog", text), dialect.value)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setAccessibleName(translate("ConnectionsDialog", "Model"))
        self.model.lineEdit().setPlaceholderText(translate("ConnectionsDialog", "the server's first model"))
        self.list_button = QPushButton(translate("ConnectionsDialog", "List models"))
        self.list_button.setToolTip(translate("ConnectionsDialog", "Ask the server which models it offers"))
        self.list_button.clicked.connect(self.list_models)
        self.key_note = _plain()
        self.status = _plain()
        self.new_button = QPushButton(translate("ConnectionsDialog", "New"))
        self.new_button.clicked.connect(self.new)
        self.remove_button = QPushButton(translate("ConnectionsDialog", "Remove…"))
        self.remove_button.clicked.connect(self.remove)
        self.save_button = QPushButton(translate("ConnectionsDialog", "Save"))
        self.save_button.clicked.connect(lambda: self.save())
        self.use_button = QPushButton(translate("ConnectionsDialog", "Save and use in this chat"))
        self.use_button.clicked.connect(lambda: self.save(use=True))
        self._build_layout()
        self._manager.changed.connect(self._fill)
        self._manager.modelsListed.connect(self._on_models)
        self._manager.problem.connect(self._on_problem)
        self._fill()

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        line.setPlaceholderText(placeholder)
        return line

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow(translate("ConnectionsDialog", "Name:"), self.name)
        form.addRow(translate("ConnectionsDialog", "Server address:"), self.address)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.forget_button)
        form.addRow(translate("ConnectionsDialog", "API key:"), key_row)
        form.addRow("", self.key_note)
        form.addRow(translate("ConnectionsDialog", "API:"), self.dialect)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.list_button)
        form.addRow(translate("ConnectionsDialog", "Model:"), model_row)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        actions.addWidget(self.use_button)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.status)
        right.addStretch(1)
        right.addLayout(actions)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.new_button)
        list_buttons.addWidget(self.remove_button)
        left.addLayout(list_buttons)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(close)

    # -- showing -----------------------------------------------------------------------------

    def open_dialog(self) -> None:
        """Show the dialog (with the note on where keys are kept) and bring it to the front."""
        self.key_note.setText(self._manager.key_location())
        self.show()
        self.activateWindow()

    def _fill(self) -> None:
        """List the connections again, keeping the one being edited selected."""
        editing = self._editing
        blocked = self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems([c.name for c in self._manager.connections()])
        self.list.blockSignals(blocked)
        matches = self.list.findItems(editing or "", Qt.MatchFlag.MatchExactly) if editing else []
        if matches:
            self.list.setCurrentItem(matches[0])
        elif self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.new()
        self.remove_button.setEnabled(self.list.count() > 0)

    def _show(self, name: str) -> None:
        connection = self._manager.book.get(name)
        if connection is None:
            return
        self._editing = connection.name
        self.name.setText(connection.name)
        self.name.setReadOnly(True)  # chats remember their connection by name
        self.name.setToolTip(translate("ConnectionsDialog", "Chats remember their connection by this "
                                                            "name, so it cannot change; add a new "
                                                            "connection instead."))
        self.address.setText(connection.base_url)
        self.key.clear()
        self.key.setPlaceholderText(translate("ConnectionsDialog", "stored; type a new key to replace it")
                                    if connection.has_key else translate("ConnectionsDialog", "none"))
        self.forget_button.setEnabled(connection.has_key)
        self.dialect.setCurrentIndex(self.dialect.findData(connection.api.value))
        self.model.clear()
        self.model.setEditText(connection.model)
        self.status.clear()

    def new(self) -> None:
        """Empty the form for a new connection."""
        self._editing = None
        self.list.clearSelection()
        for line in (self.name, self.address, self.key):
            line.clear()
        self.name.setReadOnly(False)
        self.name.setToolTip("")
        self.key.setPlaceholderText(translate("ConnectionsDialog", "none"))
        self.forget_button.setEnabled(False)
        self.dialect.setCurrentIndex(0)
        self.model.clear()
        self.status.clear()
        self.name.setFocus()

    # -- actions -----------------------------------------------------------------------------

    def _form(self) -> Connection:
        return Connection(self.name.text(), self.address.text(), self.model.currentText(),
                          ApiDialect(self.dialect.currentData()))

    def save(self, use: bool = False) -> bool:
        """Save the form (a new key replaces the stored one); with ``use``, the open chat then
        talks to it. False when the form is not valid (the reason is shown)."""
        key = self.key.text().strip() or None

        def saved(connection: Connection) -> None:
            self._editing = connection.name
            self.status.setText(
                translate("ConnectionsDialog", "Saved “{name}”.").format(name=connection.name))
            if use:
                self._controller.choose_connection(connection.name)

        return self._manager.save(self._form(), key, self._editing, saved)

    def remove(self) -> None:
        """Remove the selected connection and its key, after asking."""
        item = self.list.currentItem()
        if item is None:
            return
        if dialogs.confirm(self, translate("ConnectionsDialog", "Remove connection"),
                           translate("ConnectionsDialog", "Remove the connection “{name}” and forget its "
                                                          "API key? Chats that used it keep their messages.")
                           .format(name=item.text())):
            self._editing = None
            self._manager.remove(item.text())

    def list_models(self) -> None:
        """Ask the server in the form for its models (the answer fills the model list), with
        the key typed, or else the one stored for this connection."""
        form = self._form()
        try:
            address = normalize_base_url(form.base_url)
        except ParleyError as exc:
            self.status.setText(exc.shown(translate))
            return
        stored = self._manager.book.get(self._editing) if self._editing else None
        typed = self.key.text().strip() or None
        use_stored = typed is None and stored is not None and stored.has_key
        name = stored.name if use_stored and stored else form.name
        self.status.setText(translate("ConnectionsDialog", "Asking {address} for its models…")
                            .format(address=address))
        self.list_button.setEnabled(False)
        self._manager.list_models(Connection(name, address, form.model, form.api, use_stored), typed)

    def forget_key(self) -> None:
        """Forget the stored API key of the connection being edited."""
        if self._editing is not None:
            self._manager.save(self._form(), "", self._editing)

    def _on_models(self, name: str, models: list[str], dialect: ApiDialect) -> None:
        self.list_button.setEnabled(True)
        current = self.model.currentText()
        self.model.clear()
        self.model.addItems(models)
        self.model.setEditText(current if current in models or not models else models[0])
        count = len(models)
        self.status.setText(translate("ConnectionsDialog", "The server offers %n model(s); it speaks the "
                                                           "{dialect} dialect.", None, count)
                            .format(dialect=dialect.value))

    def _on_problem(self, message: str) -> None:
        self.list_button.setEnabled(True)
        if self.isVisible():
            self.status.setText(message)

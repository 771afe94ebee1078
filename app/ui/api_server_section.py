"""The settings panel's "Local API server" section: state, address and bearer token.

The token is shown as dots until Show is pressed, and is read (or made) only when the section is
first shown or a button needs it, so merely opening Parley writes no token file. New token asks
first: programs using the old token stop working.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.api.service import ApiService
from app.core.errors import ParleyError
from app.ui import dialogs
from app.ui.i18n import translate


class ApiServerSection(QWidget):
    """Shows what ``service`` is doing, its URL, and its token with Show, Copy and New token."""

    def __init__(self, service: ApiService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.state_label = QLabel(service.state)
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)  # an error may quote a path
        self.state_label.setWordWrap(True)
        self.state_label.setAccessibleName(translate("ApiServerSection", "API server state"))
        self.url_field = _read_only_field(translate("ApiServerSection", "API server address"))
        self.token_field = _read_only_field(translate("ApiServerSection", "Bearer token"))
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_button = QPushButton(translate("ApiServerSection", "Show"))
        self.show_button.setCheckable(True)
        self.show_button.setAccessibleName(translate("ApiServerSection", "Show the token"))
        self.copy_button = QPushButton(translate("ApiServerSection", "Copy"))
        self.copy_button.setAccessibleName(translate("ApiServerSection", "Copy the token"))
        self.new_button = QPushButton(translate("ApiServerSection", "New token"))
        self.new_button.setAccessibleName(translate("ApiServerSection", "Make a new token"))
        self.show_button.toggled.connect(self._show_token)
        self.copy_button.clicked.connect(self._copy_token)
        self.new_button.clicked.connect(self._new_token)
        service.stateChanged.connect(self._on_state)
        service.tokenChanged.connect(self._load_token)

        buttons = QHBoxLayout()
        for button in (self.show_button, self.copy_button, self.new_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.state_label, 0, 0, 1, 2)
        for row, (text, field) in enumerate(((translate("ApiServerSection", "Address:"), self.url_field),
                                            (translate("ApiServerSection", "Token:"), self.token_field)),
                                           start=1):
            label = QLabel(text)
            label.setBuddy(field)
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1)
        grid.addLayout(buttons, 3, 1)
        self._on_state(service.state)

    def showEvent(self, event: QShowEvent) -> None:
        if not self.token_field.text():
            self._load_token()
        super().showEvent(event)

    def _on_state(self, state: str) -> None:
        self.state_label.setText(state)
        self.url_field.setText(self._service.planned_url)

    def _load_token(self) -> bool:
        """Show the service's token (as dots unless Show is on); False if it cannot be had."""
        try:
            self.token_field.setText(self._service.token())
        except ParleyError as exc:
            self.state_label.setText(exc.shown(translate))
            return False
        return True

    def _show_token(self, shown: bool) -> None:
        self.token_field.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_button.setText(translate("ApiServerSection", "Hide") if shown
                                 else translate("ApiServerSection", "Show"))
        if shown and not self.token_field.text():
            self._load_token()

    def _copy_token(self) -> None:
        if self.token_field.text() or self._load_token():
            QGuiApplication.clipboard().setText(self.token_field.text())

    def _new_token(self) -> None:
        question = translate("ApiServerSection", "Programs using the current token will need the new one. "
                                                 "Make a new token?")
        if not dialogs.confirm(self, translate("ApiServerSection", "New token"), question):
            return
        try:
            self._service.regenerate_token()  # tokenChanged shows it
        except ParleyError as exc:
            self.state_label.setText(exc.shown(translate))


def _read_only_field(accessible_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setReadOnly(True)
    field.setAccessibleName(accessible_name)
    return field

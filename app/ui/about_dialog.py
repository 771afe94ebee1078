"""The About dialog: version, how llama.cpp was built, and the licences of everything shipped."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.engine.gpu import build_info
from app.licenses import Component, components
from app.ui.i18n import translate


def version_details() -> str:
    """Versions and build facts as plain text, for the dialog and for bug reports."""
    lines = [f"{APP_NAME} {__version__}", f"Python {platform.python_version()}",
             f"Qt {qVersion()} (PySide6 {pyside_version})", f"{platform.system()} {platform.machine()}"]
    lines += [f"{name}: {value}" for name, value in build_info()]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """Who made Parley, what it runs on, and the licence of every component it ships."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("AboutDialog", "About {app}").format(app=APP_NAME))
        self.resize(640, 520)
        title = QLabel(f"<b>{APP_NAME} {__version__}</b>")
        title.setTextFormat(Qt.TextFormat.RichText)  # our own text, no model text
        blurb = QLabel(translate("AboutDialog", "Chat with language models on your own computer. "
                                 "Nothing you write leaves it."))
        blurb.setWordWrap(True)
        self.details = QPlainTextEdit(version_details())
        self.details.setReadOnly(True)
        self.details.setAccessibleName(translate("AboutDialog", "Version and build details"))
        self.details.setMaximumHeight(130)
        copy = QPushButton(translate("AboutDialog", "Copy details"))
        copy.setToolTip(translate("AboutDialog", "Copy the versions, for a bug report"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))

        self.listed: tuple[Component, ...] = components()
        self.components = QListWidget()
        self.components.setAccessibleName(translate("AboutDialog", "Components and their licences"))
        for component in self.listed:
            self.components.addItem(f"{translate('AboutDialog', component.name)} — "
                                    f"{translate('AboutDialog', component.licence)}")
        self.licence_text = QPlainTextEdit()
        self.licence_text.setReadOnly(True)
        self.licence_text.setAccessibleName(translate("AboutDialog", "Licence text"))
        self.components.currentRowChanged.connect(self._show_licence)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.components)
        splitter.addWidget(self.licence_text)
        splitter.setSizes([140, 260])

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addWidget(self.details)
        layout.addWidget(QLabel(translate("AboutDialog", "Included software and licences:")))
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.components.setCurrentRow(0)

    def _show_licence(self, row: int) -> None:
        if 0 <= row < len(self.listed):
            component = self.listed[row]
            what = translate("AboutDialog", component.what)
            header = (f"{translate('AboutDialog', component.name)}: {what}\n"
                      f"{translate('AboutDialog', component.licence)}")
            if component.homepage:
                header += f" · {component.homepage}"
            self.licence_text.setPlainText(f"{header}\n\n{component.text()}")

"""Themes, font size, empty states, the About dialog, accessible names and keyboard-only use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app import __version__
from app.core.scopes import Scope
from app.licenses import COMPONENTS
from app.ui.about_dialog import AboutDialog
from app.ui.theme import Appearance, is_dark
from tests.helpers import open_every_panel, send


@pytest.fixture(autouse=True)
def _system_look_after() -> Iterator[None]:
    """The application is shared by every test: give the system look back afterwards."""
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        Appearance.of(app).apply("system", 0)


def test_theme_switches_between_light_and_dark_and_back_to_the_system(open_session, qtbot) -> None:
    session = open_session()
    system_base = QGuiApplication.palette().base().color().name()
    session.controller.set_settings(Scope.DEFAULTS, {"theme": "dark"})
    assert is_dark()
    qtbot.waitUntil(lambda: session.window.transcript.palette().base().color().lightness() < 128)
    session.controller.set_settings(Scope.DEFAULTS, {"theme": "light"})
    assert not is_dark()
    session.controller.set_settings(Scope.DEFAULTS, {"theme": "system"})
    assert QGuiApplication.palette().base().color().name() == system_base


def test_theme_follows_the_system_scheme_when_set_to_system(open_session, monkeypatch) -> None:
    open_session()
    appearance = Appearance.of(QApplication.instance())
    monkeypatch.setattr(Appearance, "system_is_dark", lambda self: True)
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert is_dark()
    appearance.apply("light", 0)  # a picked theme ignores the system
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not is_dark()


def test_the_theme_is_app_wide_even_when_editing_one_chat(open_session, qtbot) -> None:
    session = open_session()
    send(qtbot, session, "Hi")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    session.window.settings_panel.this_chat.click()
    session.controller.set_settings(Scope.CONVERSATION, {"theme": "dark"})
    assert is_dark()
    assert session.controller.scopes.defaults["theme"] == "dark"


def test_font_size_scales_the_window_and_the_messages(open_session, qtbot) -> None:
    session = open_session()
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    session.controller.set_settings(Scope.DEFAULTS, {"font_size": 19})
    assert QApplication.font().pointSize() == 19
    reply = session.window.transcript.shown_ids()[-1]
    body = session.window.transcript.message_widget(reply).body
    qtbot.waitUntil(lambda: body.document().defaultFont().pointSize() == 19)
    session.controller.set_settings(Scope.DEFAULTS, {"font_size": 0})
    assert QApplication.font().pointSize() != 19


def test_first_launch_shows_a_welcome_and_an_empty_search_says_so(open_session, qtbot) -> None:
    session = open_session()
    note = session.window.transcript._empty_note
    assert note.isVisible() and "start chatting" in note.text()
    sidebar = session.window.sidebar
    assert sidebar.empty_note.isVisible() and sidebar.empty_note.text().startswith("No chats yet")
    sidebar.trash_button.click()
    assert sidebar.empty_note.text() == "The trash is empty."
    sidebar.trash_button.click()
    send(qtbot, session, "Hi")
    qtbot.waitUntil(lambda: not sidebar.empty_note.isVisible())
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    search = session.window.search_dialog
    search.open_search()
    search.query.setText("nothing like this anywhere")
    search.run_search()
    assert search.status.isVisible() and search.status.text() == "Nothing found."
    search.hide()


def test_about_shows_the_version_the_llama_cpp_build_and_every_licence(qtbot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    details = dialog.details.toPlainText()
    assert __version__ in details
    assert "llama-cpp-python: 0.3" in details and "llama.cpp: CPU" in details
    assert dialog.components.count() == len(COMPONENTS)
    model_row = next(i for i, c in enumerate(COMPONENTS) if c.name.startswith("SmolLM2"))
    dialog.components.setCurrentRow(model_row)
    assert "Apache License" in dialog.licence_text.toPlainText()
    qt_row = next(i for i, c in enumerate(COMPONENTS) if c.name.startswith("Qt"))
    dialog.components.setCurrentRow(qt_row)
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in dialog.licence_text.toPlainText()
    for component in COMPONENTS:
        assert len(component.text()) > 500 or component.licence in component.text()


CONTROLS = (QAbstractButton, QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox,
            QAbstractItemView)


def _unnamed_controls(root: QWidget) -> list[str]:
    """Controls a screen reader would announce without a name."""
    unnamed = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or isinstance(
                widget.parent(), (QAbstractSpinBox, QComboBox)):  # a spin box's own line edit
            continue
        name = widget.accessibleName()
        if not name and isinstance(widget, QAbstractButton):
            name = widget.text().replace("&", "") if len(widget.text().strip("‹›⋯ ")) > 1 else ""
        if not name:
            parent = type(widget.parent()).__name__
            unnamed.append(f"{type(widget).__name__} {widget.objectName()} in {parent}")
    return unnamed


def test_every_control_has_an_accessible_name(open_session, qtbot) -> None:
    session = open_session()
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    window, *dialogs = open_every_panel(session.window)
    unnamed = [name for root in (window, *dialogs) for name in _unnamed_controls(root)]
    for dialog in dialogs:
        dialog.hide()
    assert not unnamed, "\n".join(unnamed)


def test_the_main_controls_are_reachable_with_tab(open_session, qtbot) -> None:
    """Keyboard-only use: Tab from the message box reaches the chat list, the model picker, the
    send button and a message's actions (and everything else is in the menus, with shortcuts)."""
    session = open_session()
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    window = session.window
    window.composer.setFocus()
    reached = set()
    for _ in range(200):
        widget = QApplication.focusWidget()
        reached.add(widget)
        window.focusNextChild()
    reply = window.transcript.message_widget(window.transcript.shown_ids()[-1])
    wanted = {"composer": window.composer, "send": window.send_button,
              "chat list": window.sidebar.view, "model picker": window.model_picker,
              "regenerate": reply.regenerate_button, "copy": reply.copy_button}
    missing = [name for name, widget in wanted.items()
               if not any(w is widget or (w is not None and widget.isAncestorOf(w)) for w in reached)]
    assert not missing
    assert all(m.title().count("&") == 1 for m in (a.menu() for a in window.menuBar().actions()))

"""Every keyboard shortcut does what the help dialog says, and the help dialog lists them all."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest

from app.core.models import MessageStatus, Role
from app.ui import shortcuts
from app.ui.shortcuts import ShortcutsDialog
from tests.fakes import fake_engine_factory
from tests.helpers import send

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def press(window, sequence: str) -> None:
    """Press the key sequence ``sequence`` (e.g. "Ctrl+Shift+C") in ``window``."""
    combination = QKeySequence(sequence)[0]
    QTest.keyClick(window, combination.key(), combination.keyboardModifiers())


@pytest.fixture
def chatted(open_session, qtbot):
    """A window with one finished exchange."""
    session = open_session()
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    return session


def replies(session) -> list:
    messages = session.profile.store.messages(session.controller.current_conversation_id)
    return [m for m in messages if m.role is Role.ASSISTANT]


def test_ctrl_n_starts_a_new_chat(chatted, qtbot) -> None:
    assert chatted.controller.current_conversation_id is not None
    press(chatted.window, "Ctrl+N")
    assert chatted.controller.current_conversation_id is None
    assert chatted.window.transcript.shown_ids() == []


@pytest.mark.parametrize("keys", ["Ctrl+K", "Ctrl+F"])
def test_ctrl_k_and_ctrl_f_open_search(open_session, qtbot, keys: str) -> None:
    session = open_session()
    press(session.window, keys)
    qtbot.waitUntil(session.window.search_dialog.isVisible)
    session.window.search_dialog.hide()


def test_escape_stops_the_reply(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=500, delay=0.02))
    send(qtbot, session, "Go on")
    qtbot.waitUntil(lambda: session.controller.replies.active.recorder.text != "", timeout=10_000)
    press(session.window, "Esc")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    assert replies(session)[-1].status is MessageStatus.STOPPED


def test_ctrl_r_regenerates_the_last_reply_and_keeps_the_first(chatted, qtbot) -> None:
    first = replies(chatted)[0]
    press(chatted.window, "Ctrl+R")
    qtbot.waitUntil(lambda: not chatted.controller.busy and len(replies(chatted)) == 2, timeout=10_000)
    second = replies(chatted)[1]
    assert second.parent_id == first.parent_id  # a new version of the same reply
    assert first.content  # the earlier answer is untouched
    assert chatted.window.transcript.message_widget(second.id).position_label.text() == "2/2"


def test_up_in_the_empty_composer_edits_the_last_message(chatted, qtbot) -> None:
    composer = chatted.window.composer
    user = chatted.window.transcript.last_widget(Role.USER)
    composer.setFocus()
    composer.setPlainText("draft")
    QTest.keyClick(composer, Qt.Key.Key_Up)
    assert not user.edit_box.isVisible()  # Up in text moves the cursor, nothing else
    composer.clear()
    QTest.keyClick(composer, Qt.Key.Key_Up)
    assert user.edit_box.isVisible()
    assert user.editor.toPlainText() == "Hello"
    qtbot.waitUntil(user.editor.hasFocus)


def test_ctrl_comma_shows_and_hides_the_settings(open_session, qtbot) -> None:
    session = open_session()
    assert not session.window.settings_dock.isVisible()
    press(session.window, "Ctrl+,")
    qtbot.waitUntil(session.window.settings_dock.isVisible)
    press(session.window, "Ctrl+,")
    qtbot.waitUntil(lambda: not session.window.settings_dock.isVisible())


def test_ctrl_shift_c_copies_the_last_reply(chatted, qtbot) -> None:
    QGuiApplication.clipboard().clear()
    press(chatted.window, "Ctrl+Shift+C")
    assert QGuiApplication.clipboard().text() == replies(chatted)[-1].content.strip()


def test_ctrl_q_quits(open_session, qtbot) -> None:
    session = open_session()
    press(session.window, "Ctrl+Q")
    qtbot.waitUntil(lambda: not session.window.isVisible())


@pytest.mark.parametrize("keys", ["F1", "Ctrl+/"])
def test_f1_and_ctrl_slash_list_every_shortcut(open_session, qtbot, keys: str) -> None:
    session = open_session()
    press(session.window, keys)
    dialogs = session.window._dialogs
    qtbot.waitUntil(lambda: ShortcutsDialog in dialogs and dialogs[ShortcutsDialog].isVisible())
    dialog = dialogs[ShortcutsDialog]
    listed = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    assert listed == [shortcut.shown_keys() for shortcut in shortcuts.ALL]
    dialog.hide()


def test_every_menu_shortcut_is_in_the_help(open_session) -> None:
    """The help table is the one list: no action has keys it does not show."""
    session = open_session()
    documented = {sequence.toString() for s in shortcuts.ALL for sequence in s.sequences()}
    for menu in session.window.menuBar().findChildren(type(session.window.menuBar().actions()[0].menu())):
        for action in menu.actions():
            for sequence in action.shortcuts():
                assert sequence.toString() in documented, action.text()


def test_in_the_message_editor_ctrl_enter_sends_and_esc_cancels(chatted, qtbot) -> None:
    user = chatted.window.transcript.last_widget(Role.USER)
    user.start_edit()
    qtbot.waitUntil(user.editor.hasFocus)
    QTest.keyClick(user.editor, Qt.Key.Key_Escape)
    assert not user.edit_box.isVisible()
    assert not chatted.controller.busy  # Esc in the editor cancels; it is not "stop"
    user.start_edit()
    user.editor.setPlainText("Hello again")
    QTest.keyClick(user.editor, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not chatted.controller.busy and len(replies(chatted)) == 2, timeout=10_000)
    shown = [item.message.content for item in chatted.controller.branch()]
    assert shown[0] == "Hello again"

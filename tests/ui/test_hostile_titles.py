"""Titles, notes and other untrusted text outside the transcript are shown as text: the window
title, the chat list and its tooltips, message boxes and the undo bar never interpret HTML.
(Qt treats text that merely looks like HTML as HTML in tooltips and message boxes, and loads the
images it names; tests/ui/test_safe_text.py proves under strace that nothing is loaded.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel, QMessageBox

from app.ui import dialogs
from tests.helpers import send

HOSTILE = '<img src="/dev/zero"><b>b</b><a href="file:///x">x</a>'


@pytest.fixture
def hostile_chat(open_session, qtbot):
    session = open_session()
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy and not session.controller.titles.busy,
                    timeout=10_000)
    session.controller.rename_conversation(session.controller.current_conversation_id, HOSTILE)
    return session


def test_the_window_title_and_the_chat_list_show_a_hostile_title_as_text(hostile_chat) -> None:
    window = hostile_chat.window
    assert window.windowTitle().startswith(HOSTILE)
    model = window.sidebar.model
    row = model.row_of(hostile_chat.controller.current_conversation_id)
    assert model.data(model.index(row), Qt.ItemDataRole.DisplayRole) == HOSTILE
    tooltip = model.data(model.index(row), Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tooltip and "&lt;img" in tooltip  # HTML that says the text literally


def test_trashing_a_hostile_title_shows_it_as_text(hostile_chat, qtbot) -> None:
    hostile_chat.controller.move_to_trash(hostile_chat.controller.current_conversation_id)
    label = hostile_chat.window.undo_label
    qtbot.waitUntil(label.isVisible)
    assert HOSTILE in label.text() and label.textFormat() is Qt.TextFormat.PlainText


def test_every_label_showing_untrusted_text_is_plain(hostile_chat) -> None:
    window = hostile_chat.window
    for label in window.findChildren(QLabel):
        if "<img" in label.text():
            assert label.textFormat() is Qt.TextFormat.PlainText, label.objectName()


def test_message_boxes_show_questions_as_text(monkeypatch) -> None:
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    dialogs.confirm(None, "Delete", f"Delete “{HOSTILE}” for good?")
    dialogs.choose(None, "Full", HOSTILE, ["Go"])
    dialogs.show_error(None, "Refused", HOSTILE)
    assert len(shown) == 3
    for box in shown:
        assert box.textFormat() is Qt.TextFormat.PlainText
        assert HOSTILE in box.text()


def test_a_feedback_note_in_a_tooltip_is_text(hostile_chat, qtbot) -> None:
    reply = hostile_chat.window.transcript.shown_ids()[-1]
    hostile_chat.controller.set_feedback(reply, 1, HOSTILE)
    widget = hostile_chat.window.transcript.message_widget(reply)
    qtbot.waitUntil(lambda: "&lt;img" in widget.good_button.toolTip())
    assert "<img" not in widget.good_button.toolTip()
    assert GuiQt.mightBeRichText(widget.good_button.toolTip())  # shown as the escaped HTML

"""The main window with a fake engine: sending, streaming, stopping, managing conversations."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.models import MessageStatus, Role
from app.ui import dialogs
from tests.fakes import fake_engine_factory
from tests.helpers import send


def test_composer_has_focus_at_start(open_session, qtbot) -> None:
    session = open_session()
    qtbot.waitUntil(lambda: session.window.composer.hasFocus())


def test_enter_sends_and_the_reply_streams_into_the_view(open_session, qtbot) -> None:
    session = open_session()
    streamed: list[str] = []
    session.controller.replyStreamed.connect(lambda _id, text: streamed.append(text))
    send(qtbot, session, "Hello")
    assert session.window.composer.toPlainText() == ""
    assert session.window.send_button.text() == "Stop"
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    messages = session.profile.store.messages(session.controller.current_conversation_id)
    assert [(m.role, m.content) for m in messages] == [
        (Role.USER, "Hello"), (Role.ASSISTANT, "".join(f"word{i} " for i in range(12)))]
    assert messages[1].status is MessageStatus.COMPLETE
    assert len(streamed) > 1  # several frames, each a longer prefix of the final reply
    assert all(messages[1].content.startswith(text) for text in streamed)
    assert [len(t) for t in streamed] == sorted({len(t) for t in streamed})
    widget = session.window.transcript.message_widget(messages[1].id)
    assert "word11" in widget.body.toPlainText()
    assert "100.0 tok/s" in widget.header.text()
    assert session.window.send_button.text() == "Send"
    assert len(session.window.sidebar.model.conversations()) == 1


def test_shift_enter_adds_a_newline_instead_of_sending(open_session, qtbot) -> None:
    session = open_session()
    qtbot.keyClicks(session.window.composer, "line one")
    qtbot.keyClick(session.window.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(session.window.composer, "line two")
    assert session.window.composer.toPlainText() == "line one\nline two"
    assert session.profile.store.list_conversations() == []


def test_escape_stops_and_keeps_the_partial_reply(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=500, delay=0.02))
    send(qtbot, session, "Tell me everything")
    qtbot.waitUntil(lambda: "word3" in (session.window.transcript.message_widget(
        session.controller.replies.active.turn.reply.id).body.toPlainText()), timeout=10_000)
    qtbot.keyClick(session.window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    reply = session.profile.store.messages(session.controller.current_conversation_id)[-1]
    assert reply.status is MessageStatus.STOPPED
    assert reply.content.startswith("word0 word1 word2 word3")
    assert "word499" not in reply.content
    assert "stopped" in session.window.transcript.message_widget(reply.id).header.text()


def test_stop_button_stops(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=500, delay=0.02))
    send(qtbot, session, "Go")
    qtbot.waitUntil(lambda: session.controller.replies.active.recorder.text != "", timeout=10_000)
    qtbot.mouseClick(session.window.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    assert session.profile.store.messages(
        session.controller.current_conversation_id)[-1].status is MessageStatus.STOPPED


def test_load_failure_is_one_sentence_and_the_app_stays_usable(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(fail_load="The model file is broken; pick another."),
                           wait_for_model=False)
    qtbot.waitUntil(lambda: session.window.error_banner.isVisible(), timeout=10_000)
    assert session.window.error_banner.text() == "The model file is broken; pick another."
    assert session.window.model_status.label.text() == "No model loaded"
    send(qtbot, session, "Anyone there?")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    reply = session.profile.store.messages(session.controller.current_conversation_id)[-1]
    assert reply.status is MessageStatus.FAILED and "No model is loaded" in reply.error
    assert "No model is loaded" in session.window.error_banner.text()


def test_rename_and_move_to_trash_without_losing_anything(open_session, qtbot, monkeypatch) -> None:
    session = open_session()
    send(qtbot, session, "First chat")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    conversation = session.profile.store.list_conversations()[0]
    sidebar = session.window.sidebar

    monkeypatch.setattr(dialogs, "ask_text", lambda *a: "<b>Renamed</b>")
    sidebar.rename(conversation)
    assert session.profile.store.conversation(conversation.id).title == "<b>Renamed</b>"
    assert [c.title for c in sidebar.model.conversations()] == ["<b>Renamed</b>"]
    assert sidebar.model.data(sidebar.model.index(0)) == "Today"  # the date heading

    monkeypatch.setattr(dialogs, "confirm", lambda *a: pytest.fail("moving to the trash never asks"))
    sidebar.select(conversation.id)
    sidebar.view.setFocus()
    qtbot.waitUntil(sidebar.view.hasFocus)
    qtbot.keyClick(sidebar.view, Qt.Key.Key_Delete)
    assert session.profile.store.list_conversations() == []
    assert sidebar.model.conversations() == []
    assert session.controller.current_conversation_id is None
    assert session.window.undo_bar.isVisible()
    qtbot.mouseClick(session.window.undo_button, Qt.MouseButton.LeftButton)
    assert [c.id for c in session.profile.store.list_conversations()] == [conversation.id]
    assert session.controller.current_conversation_id == conversation.id


def test_new_chat_and_switching_conversations(open_session, qtbot) -> None:
    session = open_session()
    send(qtbot, session, "Chat A")
    qtbot.waitUntil(lambda: not session.controller.busy and not session.controller.titles.busy,
                    timeout=10_000)  # (sending while a title is written cancels the title)
    first = session.controller.current_conversation_id
    qtbot.mouseClick(session.window.sidebar.new_chat_button, Qt.MouseButton.LeftButton)
    assert session.controller.current_conversation_id is None
    send(qtbot, session, "Chat B")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    qtbot.waitUntil(lambda: not session.controller.titles.busy, timeout=10_000)
    titles = [c.title for c in session.profile.store.list_conversations()]
    assert titles == ["Named: Chat B", "Named: Chat A"]  # newest first, named by the model
    session.controller.open_conversation(first)
    assert session.window.windowTitle() == "Named: Chat A — Parley"
    shown = [w.body.toPlainText() for w in session.window.transcript._widgets.values()]
    assert shown[0] == "Chat A"


def test_window_state_and_last_conversation_are_restored(open_session, qtbot) -> None:
    session = open_session()
    send(qtbot, session, "Remember me")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    session.window.resize(777, 555)
    conversation = session.controller.current_conversation_id
    session.close()

    again = open_session()
    assert again.controller.current_conversation_id == conversation
    assert (again.window.width(), again.window.height()) == (777, 555)
    assert len(again.window.transcript._widgets) == 2


def test_closing_during_generation_keeps_the_partial_reply(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=10_000, delay=0.01))
    send(qtbot, session, "Never ending")
    qtbot.waitUntil(lambda: session.controller.replies.active.recorder.text != "", timeout=10_000)
    reply_id = session.controller.replies.active.turn.reply.id
    session.window.close()
    assert not session.controller._thread.isRunning()
    reply = session.profile.store.message(reply_id)
    assert reply.status is MessageStatus.STOPPED and reply.content.startswith("word0")


def test_closing_while_a_model_loads_waits_for_the_load_instead_of_aborting(open_session, qtbot) -> None:
    # A load step that cannot be interrupted for longer than the 1 s shutdown wait.
    session = open_session(fake_engine_factory(load_delay=3.0, load_steps=1), wait_for_model=False)
    worker = session.controller._worker
    qtbot.waitUntil(lambda: worker._engine is not None and bool(worker._engine.loads), timeout=10_000)
    session.window.close()  # the worker is inside the load, sleeping 3 s
    assert not session.controller._thread.isRunning()  # ended, not destroyed while running
    assert not session.profile.load_marker.left_over()  # no false "crashed while loading"

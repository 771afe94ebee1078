"""The whole desktop app with the real bundled model through llama.cpp, offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.models import MessageStatus, Role
from app.engine.llama_engine import LlamaEngine

pytestmark = pytest.mark.model


def send(qtbot, session, text: str) -> None:
    qtbot.keyClicks(session.window.composer, text)
    qtbot.keyClick(session.window.composer, Qt.Key.Key_Return)


def test_chat_stop_and_reopen_with_the_real_model(open_session, qtbot) -> None:
    session = open_session(LlamaEngine, model=None)  # None: the bundled default is selected
    assert "SmolLM2-135M-Instruct" in session.window.model_label.text()

    streamed: list[str] = []
    session.controller.replyStreamed.connect(lambda _id, text: streamed.append(text))
    send(qtbot, session, "What is the capital of France?")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=120_000)
    conversation = session.controller.current_conversation_id
    user, reply = session.profile.store.messages(conversation)
    assert (user.role, user.content) == (Role.USER, "What is the capital of France?")
    assert reply.role is Role.ASSISTANT and reply.status is MessageStatus.COMPLETE
    assert reply.content.strip() and streamed
    assert reply.stats.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert reply.stats.tokens_per_s and reply.stats.ttft_ms and reply.stats.completion_tokens
    shown_reply = session.window.transcript.message_widget(reply.id).body.toPlainText()
    assert reply.content.split()[0].strip("*#_`") in shown_reply  # rendered as Markdown

    # Stop mid-reply: the partial text is kept and marked stopped.
    session.controller.settings = session.controller.settings.with_changes({"max_tokens": 2000})
    send(qtbot, session, "Write a very long story about a dragon and a knight.")
    qtbot.waitUntil(lambda: len(session.controller._active.recorder.text) > 20, timeout=120_000)
    qtbot.keyClick(session.window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=30_000)
    stopped = session.profile.store.messages(conversation)[-1]
    assert stopped.status is MessageStatus.STOPPED and len(stopped.content) > 20

    # A new window over the same data directory shows the conversation and its messages.
    session.close()
    again = open_session(LlamaEngine, model=None)
    assert again.controller.current_conversation_id == conversation
    assert again.window.conversation_model.rowCount() == 1
    shown = {w.message.id: w.body.toPlainText() for w in again.window.transcript._widgets.values()}
    assert len(shown) == 4 and "capital of France" in shown[user.id]


def test_closing_mid_reply_ends_within_a_second(open_session, qtbot) -> None:
    session = open_session(LlamaEngine, model=None)
    session.controller.settings = session.controller.settings.with_changes({"max_tokens": 4000})
    send(qtbot, session, "Count from one to one thousand in words.")
    qtbot.waitUntil(lambda: len(session.controller._active.recorder.text) > 10, timeout=120_000)
    reply_id = session.controller._active.turn.reply.id
    session.window.close()  # waits for the worker at most SHUTDOWN_WAIT_MS (1 s)
    assert not session.controller._thread.isRunning()
    reply = session.profile.store.message(reply_id)
    assert reply.status is MessageStatus.STOPPED and len(reply.content) > 10

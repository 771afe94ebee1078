"""The whole desktop app with the real bundled model through llama.cpp, offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.models import MessageStatus, Role
from app.core.scopes import Scope
from app.engine.llama_engine import LlamaEngine
from tests.helpers import send

pytestmark = pytest.mark.model



def send_until_streaming(qtbot, session, text: str, min_chars: int, attempts: int = 5) -> int:
    """Send `text` until a reply is still streaming with more than `min_chars`; return its id.

    Seeds are random, so the small model sometimes ends a reply early; that is not what these tests
    are about, so they simply ask again.
    """
    controller = session.controller

    def streaming_enough() -> bool:
        active = controller.replies.active
        return active is not None and len(active.recorder.text) > min_chars

    for _ in range(attempts):
        send(qtbot, session, text)
        qtbot.waitUntil(lambda: streaming_enough() or not controller.busy, timeout=120_000)
        if streaming_enough():
            return controller.replies.active.turn.reply.id
    raise AssertionError(f"no reply was still streaming after {attempts} attempts")


def test_chat_stop_and_reopen_with_the_real_model(open_session, qtbot) -> None:
    session = open_session(LlamaEngine, model=None)  # None: the bundled default is selected
    assert "SmolLM2-135M-Instruct" in session.window.model_status.label.text()

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
    session.controller.set_settings(Scope.DEFAULTS, {"max_tokens": 2000})
    send_until_streaming(qtbot, session, "Write a very long story about a dragon and a knight.", 20)
    qtbot.keyClick(session.window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=30_000)
    stopped = session.profile.store.messages(conversation)[-1]
    assert stopped.status is MessageStatus.STOPPED and len(stopped.content) > 20

    # A new window over the same data directory shows the conversation and its messages.
    session.close()
    again = open_session(LlamaEngine, model=None)
    assert again.controller.current_conversation_id == conversation
    assert again.window.sidebar.model.conversations().__len__() == 1
    shown = {w.message.id: w.body.toPlainText() for w in again.window.transcript._widgets.values()}
    assert set(shown) == {m.id for m in again.profile.store.messages(conversation)}
    assert len(shown) >= 4 and "capital of France" in shown[user.id] and stopped.id in shown


def test_closing_mid_reply_ends_within_a_second(open_session, qtbot) -> None:
    session = open_session(LlamaEngine, model=None)
    session.controller.set_settings(Scope.DEFAULTS, {"max_tokens": 4000})
    reply_id = send_until_streaming(qtbot, session, "Write a very long story about a dragon.", 10)
    session.window.close()  # waits for the worker at most SHUTDOWN_WAIT_MS (1 s)
    assert not session.controller._thread.isRunning()
    reply = session.profile.store.message(reply_id)
    assert reply.status is MessageStatus.STOPPED and len(reply.content) > 10


def test_a_fixed_seed_reproduces_the_reply_and_a_load_change_reloads(open_session, qtbot) -> None:
    session = open_session(LlamaEngine, model=None)
    controller = session.controller
    session.window.settings_panel.rows["seed"].editor.widget.setValue(4242)
    controller.set_settings(Scope.DEFAULTS, {"max_tokens": 40})
    replies = []
    for _ in range(2):
        controller.new_conversation()
        send(qtbot, session, "Tell me about cats.")
        qtbot.waitUntil(lambda: not controller.busy, timeout=120_000)
        replies.append(session.profile.store.messages(controller.current_conversation_id)[-1])
    assert replies[0].content.strip() and replies[0].content == replies[1].content
    assert replies[0].stats.seed == replies[1].stats.seed == 4242

    session.window.settings_panel.rows["n_ctx"].editor.widget.setValue(2048)
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.n_ctx == 2048,
                    timeout=60_000)
    assert "CPU · context 2,048" in session.window.model_status.label.text()


class PromptRecordingEngine(LlamaEngine):
    """The real engine, keeping the exact prompt text each reply was generated from."""

    prompts: list[str] = []  # noqa: RUF012 - one list per test, reset by the test

    def generate(self, request, on_text):  # type: ignore[no-untyped-def]
        if request.purpose == "reply":
            prompt = self._require_model()[1].build(request.messages, request.template)
            PromptRecordingEngine.prompts.append(prompt.formatted.prompt + request.reply_prefix)
        return super().generate(request, on_text)


def test_alternatives_branches_and_titles_with_the_real_model(open_session, qtbot) -> None:
    PromptRecordingEngine.prompts = []
    session = open_session(PromptRecordingEngine, model=None)
    controller, transcript, store = session.controller, session.window.transcript, session.profile.store
    controller.set_settings(Scope.DEFAULTS, {"alternatives": 2, "max_tokens": 16, "seed": 7,
                                             "temperature": 1.0})
    send(qtbot, session, "Name a fruit.")
    qtbot.waitUntil(lambda: not controller.busy and not controller.titles.busy, timeout=120_000)
    conversation = controller.current_conversation_id
    first, second = (m for m in store.messages(conversation) if m.role is Role.ASSISTANT)
    assert (first.stats.seed, second.stats.seed) == (7, 8)
    assert transcript.message_widget(second.id).position_label.text() == "2/2"
    assert store.conversation(conversation).title.strip()  # the model's title, or the first line

    qtbot.mouseClick(transcript.message_widget(second.id).previous_button, Qt.MouseButton.LeftButton)
    assert transcript.shown_ids()[-1] == first.id
    send(qtbot, session, "Why that one?")
    qtbot.waitUntil(lambda: not controller.busy, timeout=120_000)
    prompt = PromptRecordingEngine.prompts[-1]  # what llama.cpp was really given
    assert first.content.strip() in prompt and "Why that one?" in prompt
    if first.content.strip() != second.content.strip():
        assert second.content.strip() not in prompt

    # Stop a reply, then continue it: the model picks up after the kept text.
    controller.set_settings(Scope.DEFAULTS, {"alternatives": 1, "max_tokens": 400})
    reply_id = send_until_streaming(qtbot, session, "Write a long poem about the sea.", 20)
    controller.stop()
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    stopped = store.message(reply_id)
    assert stopped.status is MessageStatus.STOPPED
    controller.set_settings(Scope.DEFAULTS, {"max_tokens": 8})
    qtbot.mouseClick(transcript.message_widget(reply_id).continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not controller.busy, timeout=120_000)
    continued = store.message(reply_id)
    assert continued.content.startswith(stopped.content) and len(continued.content) > len(stopped.content)
    assert PromptRecordingEngine.prompts[-1].endswith(stopped.content)


def test_a_long_chat_reopened_after_a_restart_answers_from_its_saved_state(open_session, qtbot) -> None:
    session = open_session(LlamaEngine, model=None)
    session.controller.set_settings(Scope.DEFAULTS, {"max_tokens": 48})
    for question in ("Tell me about cats.", "And about dogs?"):
        send(qtbot, session, question)
        qtbot.waitUntil(lambda: not session.controller.busy, timeout=120_000)
    engine = session.controller._worker._engine
    conversation = session.controller.current_conversation_id
    # The meter counts the conversation with the model's own tokenizer.
    qtbot.waitUntil(lambda: session.controller.context.usage is not None
                    and session.controller.context.usage.used_tokens > 100, timeout=30_000)
    assert session.window.context_meter.format().startswith("Context ")
    assert list(session.profile.paths.kv_state_dir.glob("*.kvstate"))  # saved after each reply
    session.close()
    assert engine.info is None  # closed with the window

    again = open_session(LlamaEngine, model=None)
    assert again.controller.current_conversation_id == conversation
    send(qtbot, again, "Which is easier to keep?")
    qtbot.waitUntil(lambda: not again.controller.busy, timeout=120_000)
    restarted = again.controller._worker._engine
    assert restarted._states.restored_tokens > 100  # only the new message was evaluated
    reply = again.profile.store.messages(conversation)[-1]
    assert reply.status in (MessageStatus.COMPLETE, MessageStatus.INCOMPLETE)  # 48 tokens at most
    assert reply.content.strip()

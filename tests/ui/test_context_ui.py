"""The context meter, messages outside the window, and the "stop and ask" overflow policy
(fake engine: a token per word, so windows fill quickly)."""

from __future__ import annotations

import pytest

from app.core.models import MessageStatus
from app.core.scopes import Scope
from app.ui import dialogs
from tests.fakes import fake_engine_factory

WORDS = " ".join(["word"] * 40)  # 40 tokens, plus a few per message


def chat(qtbot, session, turns: int) -> None:
    for turn in range(turns):
        assert session.controller.send(f"question {turn} {WORDS}")
        qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)


def meter_text(session) -> str:
    return session.window.context_meter.format()


def test_the_meter_counts_the_conversation_and_grows_with_it(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=5, delay=0))
    qtbot.waitUntil(lambda: meter_text(session).startswith("Context "), timeout=10_000)
    chat(qtbot, session, 1)
    qtbot.waitUntil(lambda: session.controller.context.usage is not None
                    and session.controller.context.usage.used_tokens > 40, timeout=10_000)
    first = session.controller.context.usage.used_tokens
    chat(qtbot, session, 1)
    qtbot.waitUntil(lambda: session.controller.context.usage.used_tokens > first, timeout=10_000)
    usage = session.controller.context.usage
    assert meter_text(session) == f"Context {usage.used_tokens:,} / 4,096"
    assert "tokenizer" in session.window.context_meter.toolTip()
    assert not usage.outside_ids


def test_messages_outside_the_window_are_marked_and_the_first_stays(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=5, delay=0))
    session.controller.set_settings(Scope.DEFAULTS, {"n_ctx": 256, "max_tokens": 32})
    qtbot.waitUntil(lambda: session.controller.model_info is not None
                    and session.controller.model_info.n_ctx == 256, timeout=10_000)
    chat(qtbot, session, 8)
    qtbot.waitUntil(lambda: bool(session.controller.context.usage
                                 and session.controller.context.usage.outside_ids), timeout=10_000)
    usage = session.controller.context.usage
    assert meter_text(session).startswith("Context full:")
    branch = [item.message for item in session.controller.branch()]
    transcript = session.window.transcript
    marked = {m.id for m in branch if transcript.message_widget(m.id)
              and transcript.message_widget(m.id).outside_context}
    assert marked == set(usage.outside_ids)
    assert branch[0].id not in marked  # the first user message always stays
    assert branch[-1].id not in marked and branch[-2].id not in marked
    # Every reply was answered from a prompt that fitted: nothing failed.
    assert all(m.status is MessageStatus.COMPLETE for m in branch)


@pytest.mark.parametrize("answer", [0, None])
def test_stop_and_ask_holds_the_reply_until_the_user_decides(open_session, qtbot, monkeypatch,
                                                             answer) -> None:
    session = open_session(fake_engine_factory(reply_words=5, delay=0))
    controller = session.controller
    controller.set_settings(Scope.DEFAULTS, {"n_ctx": 256, "max_tokens": 32})
    qtbot.waitUntil(lambda: controller.model_info is not None
                    and controller.model_info.n_ctx == 256, timeout=10_000)
    chat(qtbot, session, 2)  # fits
    controller.set_settings(Scope.DEFAULTS, {"context_overflow": "ask"})
    questions: list[str] = []
    monkeypatch.setattr(dialogs, "choose",
                        lambda _parent, _title, question, _choices: questions.append(question)
                        or answer)
    chat(qtbot, session, 3)  # outgrows the window
    assert questions and "no longer fits" in questions[0]
    last = controller.branch()[-1].message
    if answer == 0:  # "Drop the oldest messages": the reply is written after all
        assert last.status is MessageStatus.COMPLETE and last.content.strip()
    else:  # cancelled: nothing is sent, the reply says why and what to do
        assert last.status is MessageStatus.FAILED and "no longer fits" in (last.error or "")
        assert "context length" in last.error
    assert not controller.busy

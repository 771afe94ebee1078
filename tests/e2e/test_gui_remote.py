"""The desktop app chatting through a real OpenAI-compatible server (llama-cpp-python's, serving
the bundled model): the real remote engine on the real worker, offscreen."""

from __future__ import annotations

import pytest

from app.core.connections import Connection
from app.core.models import MessageStatus
from app.core.scopes import Scope
from app.engine.llama_engine import LlamaEngine
from app.engine.remote_engine import RemoteEngine
from tests.e2e.test_gui_real_model import send_until_streaming
from tests.helpers import send

pytestmark = pytest.mark.model


def test_chat_stop_and_continue_through_a_real_server(open_session, qtbot, llama_server_url: str) -> None:
    session = open_session(LlamaEngine, model=None, remote_factory=RemoteEngine)
    controller, window = session.controller, session.window
    assert controller.connections.save(Connection("lab", llama_server_url), key=None)
    controller.choose_connection("lab")
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection == "lab",
                    timeout=30_000)
    served = controller.model_info.name
    assert f"{served} · on the server lab" in window.model_status.label.text()
    assert window.settings_panel.rows["n_ctx"].applies.text() == "not used"  # the server's own
    assert window.settings_panel.rows["top_k"].applies.text() != "not used"  # llama.cpp's field

    streamed: list[str] = []
    controller.replyStreamed.connect(lambda _id, text: streamed.append(text))
    controller.set_settings(Scope.DEFAULTS, {"max_tokens": 16})
    send(qtbot, session, "What is the capital of France?")
    qtbot.waitUntil(lambda: not controller.busy, timeout=60_000)
    reply = controller.branch()[-1].message
    assert reply.status in (MessageStatus.COMPLETE, MessageStatus.INCOMPLETE), reply.error
    assert reply.content.strip() and len(streamed) >= 1
    assert reply.stats.model == f"{served} @ lab" and reply.stats.ttft_ms

    # Stop closes the stream; the partial text is kept and can be continued.
    controller.set_settings(Scope.DEFAULTS, {"max_tokens": 400})
    stopped_id = send_until_streaming(qtbot, session, "Write a very long story about a dragon.", 20)
    controller.stop()
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    stopped = session.profile.store.message(stopped_id)
    assert stopped.status is MessageStatus.STOPPED and stopped.content.strip()
    controller.set_settings(Scope.DEFAULTS, {"max_tokens": 8})
    assert controller.continue_reply(stopped_id)
    qtbot.waitUntil(lambda: not controller.busy, timeout=60_000)
    continued = session.profile.store.message(stopped_id)
    assert continued.content.startswith(stopped.content) and len(continued.content) > len(stopped.content)

    # Regenerate keeps the first answer as an alternative.
    assert controller.regenerate(stopped_id)
    qtbot.waitUntil(lambda: not controller.busy, timeout=60_000)
    item = controller.branch()[-1]
    assert len(item.siblings) == 2 and item.message.id != stopped_id

"""The API server inside the GUI: the controller's ApiService follows the settings, the settings
panel shows its section, and closing the window stops the server first (so a running API request
never holds the window open)."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from app.core.scopes import Scope
from tests.fakes import fake_engine_factory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chat(port: int, token: str, stream: bool = False) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/v1/chat/completions",
                       json.dumps({"messages": [{"role": "user", "content": "hi"}], "stream": stream}),
                       {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return connection.getresponse()


def test_the_window_serves_when_the_setting_is_on_and_stops_when_it_closes(open_session: Any,
                                                                           qtbot: Any) -> None:
    session = open_session(engine_factory=fake_engine_factory(delay=0.05, reply_words=400))
    controller = session.controller
    assert controller.api.state == "Off"
    port = free_port()
    controller.set_settings(Scope.DEFAULTS, {"api_server": True, "api_port": port})
    assert controller.api.state == f"Serving at http://127.0.0.1:{port}/v1"
    session.window.settings_dock.show()
    section = session.window.settings_panel.api_section
    qtbot.waitUntil(lambda: section.token_field.text() != "")
    assert section.state_label.text() == controller.api.state
    token = controller.api.token()

    streaming = chat(port, token, stream=True)  # 20 s of words, unless cancelled
    assert streaming.status == 200 and streaming.readline().startswith(b"data: ")
    session.window.close()  # within a second: the API request is cancelled first
    assert controller.api.state == "Off"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()

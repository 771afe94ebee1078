"""ApiService follows the settings (on/off, port) and the settings section shows its state and token."""

from __future__ import annotations

import http.client
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QWidget

from app.api.service import ApiService
from app.core.settings import Settings
from app.ui import dialogs
from app.ui.api_server_section import ApiServerSection
from tests.api.support import WorkerHost
from tests.fakes import FakeEngine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def models_status(port: int, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/v1/models", headers={"Authorization": f"Bearer {token}"})
    status = connection.getresponse().status
    connection.close()
    return status


class Holder:
    """The settings the service reads; a test changes them and calls ``apply``."""

    def __init__(self) -> None:
        self.settings = Settings({"api_port": free_port()})

    def change(self, **values: Any) -> None:
        self.settings = self.settings.with_changes(values)


@pytest.fixture
def host(qapp: Any) -> Iterator[WorkerHost]:
    running = WorkerHost.start(FakeEngine)
    yield running
    running.close()


@pytest.fixture
def service(host: WorkerHost, tmp_path: Path) -> Iterator[tuple[ApiService, Holder]]:
    holder = Holder()
    made = ApiService(host.worker, lambda: holder.settings, tmp_path / "api-token")
    yield made, holder
    made.stop()


def test_off_by_default_then_on_moved_and_off_again(service: tuple[ApiService, Holder], qtbot: Any,
                                                     tmp_path: Path) -> None:
    api, holder = service
    states: list[str] = []
    api.stateChanged.connect(states.append)
    api.apply()
    assert api.state == "Off" and api.url is None
    assert not (tmp_path / "api-token").exists()  # nothing made while off

    holder.change(api_server=True)
    api.apply()
    port = holder.settings["api_port"]
    assert api.state == f"Serving at http://127.0.0.1:{port}/v1" == states[-1]
    token = api.token()
    assert stat.S_IMODE((tmp_path / "api-token").stat().st_mode) == 0o600
    assert models_status(port, token) == 200  # no model loaded: an empty list, still 200

    api.apply()  # nothing changed: no restart
    assert states.count(api.state) == 1

    moved = free_port()
    holder.change(api_port=moved)
    api.apply()
    assert api.url == f"http://127.0.0.1:{moved}/v1"
    assert models_status(moved, token) == 200
    with pytest.raises(OSError):
        models_status(port, token)

    holder.change(api_server=False)
    api.apply()
    assert api.state == "Off" == states[-1] and api.url is None
    with pytest.raises(OSError):
        models_status(moved, token)


def test_a_taken_port_is_the_state_sentence(service: tuple[ApiService, Holder]) -> None:
    api, holder = service
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        holder.change(api_server=True, api_port=port)
        api.apply()
        assert api.state == f"Port {port} is in use; choose another port in Settings → Local API server."
        assert api.url is None
    holder.change(api_port=free_port())
    api.apply()
    assert api.state.startswith("Serving at ")


def test_a_new_token_replaces_the_old_at_once(service: tuple[ApiService, Holder]) -> None:
    api, holder = service
    holder.change(api_server=True)
    api.apply()
    port = holder.settings["api_port"]
    old = api.token()
    new = api.regenerate_token()
    assert new != old
    assert models_status(port, old) == 401
    assert models_status(port, new) == 200


def test_the_section_shows_state_address_and_a_hidden_token(service: tuple[ApiService, Holder],
                                                              qtbot: Any, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    api, holder = service
    section = ApiServerSection(api)
    qtbot.addWidget(section)
    assert section.state_label.text() == "Off"
    assert not (tmp_path / "api-token").exists()  # made only when shown
    section.show()
    qtbot.waitExposed(section)
    token = api.token()
    assert section.token_field.text() == token
    assert section.token_field.echoMode() is QLineEdit.EchoMode.Password
    assert section.url_field.text() == f"http://127.0.0.1:{holder.settings['api_port']}/v1"

    section.show_button.click()
    assert section.token_field.echoMode() is QLineEdit.EchoMode.Normal
    assert section.show_button.text() == "Hide"
    section.show_button.click()
    assert section.token_field.echoMode() is QLineEdit.EchoMode.Password

    section.copy_button.click()
    assert QGuiApplication.clipboard().text() == token

    monkeypatch.setattr(dialogs, "confirm", lambda *_args: False)
    section.new_button.click()
    assert api.token() == token  # declined
    monkeypatch.setattr(dialogs, "confirm", lambda *_args: True)
    section.new_button.click()
    assert api.token() != token and section.token_field.text() == api.token()

    moved = free_port()
    holder.change(api_port=moved)  # while off: the address shown follows the setting
    api.apply()
    assert section.url_field.text() == f"http://127.0.0.1:{moved}/v1"
    holder.change(api_server=True)
    api.apply()
    assert section.state_label.text() == api.state and api.state.startswith("Serving at ")

    controls = section.findChildren(QWidget)
    named = [w for w in controls if not w.accessibleName()
             and w.focusPolicy() != w.focusPolicy().NoFocus]
    assert named == [], "every control has an accessible name"

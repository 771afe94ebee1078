"""Remote connections in the window: the picker, the Connections dialog, what each chat
remembers, and the settings a server does not take (fake engines; the real remote engine is
tested against real servers in tests/engine and tests/e2e)."""

from __future__ import annotations

import json
import stat

from app.core.connections import Connection
from app.core.scopes import Scope
from app.ui.model_picker import CONNECTION
from tests.fakes import FakeEngine, FakeRemoteEngine


def _add_connection(session, name: str = "lab", model: str = "big-model") -> None:
    manager = session.controller.connections
    assert manager.save(Connection(name, "http://127.0.0.1:9/v1", model), key=None)


def _remote_engine(session) -> FakeRemoteEngine:
    worker = session.controller._worker
    return worker._engines[True]


def test_choosing_a_connection_loads_it_and_the_chat_remembers_it(open_session, qtbot) -> None:
    session = open_session()
    controller, window = session.controller, session.window
    local = controller._worker._engines[False]
    _add_connection(session)
    picker = window.model_picker
    index = picker.findData(CONNECTION + "lab")
    assert index >= 0 and "lab" in picker.itemText(index) and "big-model" in picker.itemText(index)

    picker.activated.emit(index)
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection == "lab")
    assert local.closed  # the local model lets go of its memory
    assert "big-model" in window.model_status.label.text() and "lab" in window.model_status.label.text()
    assert window.context_meter.isHidden()  # a server's token count is not known

    assert controller.send("hello there")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    remote_chat = controller.current_conversation_id
    reply = controller.branch()[-1].message
    assert reply.stats.model == "big-model @ lab"
    assert reply.stats.settings["connection"] == "lab"
    assert _remote_engine(session).requests[-1].messages[-1].content == "hello there"

    # A chat on the local model, then back: each chat goes on where it started.
    controller.new_conversation()
    controller.choose_model(controller.library.library.bundled_path())
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection is None)
    assert window.context_meter.isVisibleTo(window)
    assert controller.send("a local question")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    local_chat = controller.current_conversation_id
    controller.open_conversation(remote_chat)
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection == "lab",
                    timeout=10_000)
    assert picker.currentData() == CONNECTION + "lab"
    controller.open_conversation(local_chat)
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection is None,
                    timeout=10_000)
    assert controller.scopes.shown(Scope.CONVERSATION)["connection"] == ""


def test_settings_the_server_does_not_take_are_marked_not_dropped(open_session, qtbot) -> None:
    session = open_session()
    controller, window = session.controller, session.window
    _add_connection(session)
    controller.choose_connection("lab")
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection == "lab")
    panel = window.settings_panel
    top_k, temperature = panel.rows["top_k"], panel.rows["temperature"]
    assert top_k.applies.text() == "not used" and "lab" in top_k.applies.toolTip()
    assert not top_k.label.isEnabled()
    assert temperature.applies.text() == "next message" and temperature.label.isEnabled()
    controller.set_settings(Scope.CONVERSATION, {"top_k": 7})
    assert controller.send("hi")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    assert controller.branch()[-1].message.stats.settings["top_k"] == 7  # recorded as asked

    controller.choose_model(controller.library.library.bundled_path())
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection is None)
    assert top_k.applies.text() == "next message" and top_k.label.isEnabled()


def test_a_removed_connection_is_a_sentence_and_the_picker_says_so(open_session, qtbot) -> None:
    session = open_session()
    controller, window = session.controller, session.window
    _add_connection(session)
    controller.choose_connection("lab")
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.connection == "lab")
    errors: list[str] = []
    controller.errorOccurred.connect(errors.append)
    controller.connections.remove("lab")
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert "no connection called “lab”" in errors[-1]
    assert "removed connection" in window.model_picker.currentText()


def test_a_server_that_refuses_the_load_is_a_sentence(open_session, qtbot) -> None:
    session = open_session(remote_factory=type("Refusing", (FakeRemoteEngine,),
                                               {"fail_load": "The server lab refused the API key."}))
    controller, window = session.controller, session.window
    _add_connection(session)
    controller.choose_connection("lab")
    qtbot.waitUntil(lambda: window.error_banner.isVisible(), timeout=5_000)
    assert "refused the API key" in window.error_banner.text()
    assert controller.model_info is None


def test_the_dialog_adds_a_connection_with_its_key_and_removes_it(open_session, qtbot, paths,
                                                                    monkeypatch) -> None:
    session = open_session()
    controller = session.controller
    dialog = session.window.connections_dialog
    dialog.open_dialog()
    assert str(paths.api_keys_file) in dialog.key_note.text()  # no keyring here: it says where
    dialog.name.setText("hosted")
    dialog.address.setText("https://api.example.com/v1")
    dialog.key.setText("sk-test-123")
    dialog.model.setEditText("gpt-x")
    assert dialog.save(use=True)
    qtbot.waitUntil(lambda: paths.api_keys_file.exists(), timeout=5_000)
    assert json.loads(paths.api_keys_file.read_text()) == {"hosted": "sk-test-123"}
    assert stat.S_IMODE(paths.api_keys_file.stat().st_mode) == 0o600
    assert "sk-test" not in paths.connections_file.read_text()
    qtbot.waitUntil(lambda: controller.model_info is not None
                    and controller.model_info.connection == "hosted")
    assert dialog.list.currentItem().text() == "hosted"
    assert _remote_engine(session).keys_seen == ["sk-test-123"]  # stored before it was used
    assert dialog.name.isReadOnly()  # chats remember it by name

    dialog.address.setText("not an address")
    assert not dialog.save()
    assert "not a server address" in dialog.status.text()

    from app.ui import dialogs
    monkeypatch.setattr(dialogs, "confirm", lambda *args, **kwargs: True)
    dialog.remove()
    qtbot.waitUntil(lambda: json.loads(paths.api_keys_file.read_text()) == {}, timeout=5_000)
    assert controller.connections.connections() == []


def test_listing_models_runs_off_the_gui_thread_and_fills_the_list(open_session, qtbot, monkeypatch) -> None:
    import threading

    from app.core.connections import ApiDialect
    from app.ui import connection_manager

    threads: list[str] = []

    def fake_list(target, key):
        threads.append(threading.current_thread().name)
        return ["alpha", "beta"], ApiDialect.VLLM

    monkeypatch.setattr(connection_manager, "list_models", fake_list)
    session = open_session()
    dialog = session.window.connections_dialog
    dialog.open_dialog()
    dialog.address.setText("http://localhost:8000")
    dialog.list_models()
    qtbot.waitUntil(lambda: dialog.model.count() == 2, timeout=5_000)
    assert threads == ["parley-background"]
    assert dialog.model.currentText() == "alpha"
    assert "2 model" in dialog.status.text() and "vllm" in dialog.status.text()


def test_fake_engines_keep_their_roles(open_session) -> None:
    """The local engine is never asked to load a remote target, nor the reverse."""
    session = open_session()
    local = session.controller._worker._engines[False]
    assert isinstance(local, FakeEngine) and not isinstance(local, FakeRemoteEngine)
    assert all(path is not None for path, _ in local.loads)


def test_after_saving_the_dialog_shows_the_saved_connection(open_session) -> None:
    """A new connection that is not first in the list stays in the form once saved (a second
    Save must not rename another connection)."""
    dialog = open_session().window.connections_dialog
    dialog.open_dialog()
    for name in ("alpha", "zeta"):
        dialog.new()
        dialog.name.setText(name)
        dialog.address.setText(f"http://{name}:8080")
        assert dialog.save()
        assert dialog.list.currentItem().text() == name and dialog.name.text() == name
    dialog.model.setEditText("changed-model")
    assert dialog.save()
    book = dialog._manager.book
    assert book.find("zeta").model == "changed-model" and book.find("alpha").model == ""

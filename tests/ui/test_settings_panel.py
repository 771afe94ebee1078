"""The settings panel with a fake engine: generated widgets, scopes, presets, reloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit, QPlainTextEdit

from app.core.errors import ParleyError
from app.core.option import Option
from app.core.scopes import Scope
from app.core.settings import load_settings
from app.core.settings_schema import OPTIONS, option
from app.ui import dialogs
from app.ui.message_widget import message_details
from app.ui.option_editors import TEXT_PAUSE_MS
from tests.fakes import fake_engine_factory
from tests.helpers import changed_value, send


def edit_like_a_user(qtbot, widget, o: Option, value) -> None:
    """Change ``widget`` through its own API, the way typing or clicking would."""
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(widget.findData(value))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(value)
    elif isinstance(widget, QAbstractSpinBox):
        widget.setValue(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(value)
        widget.editingFinished.emit()
    else:
        assert isinstance(widget, QPlainTextEdit)
        text = "\n".join(v.replace("\n", "\\n") for v in value) if o.type is tuple else value
        widget.setPlainText(text)
        qtbot.wait(TEXT_PAUSE_MS + 100)


def last_reply(session):
    return session.profile.store.messages(session.controller.current_conversation_id)[-1]


@pytest.mark.parametrize("o", [o for o in OPTIONS if o.name != "model_path"], ids=lambda o: o.name)
def test_every_option_has_a_working_widget_that_saves(open_session, qtbot, paths, o) -> None:
    session = open_session()
    row = session.window.settings_panel.rows[o.name]
    assert row.help.text() == o.help and row.applies.text() in ("next message", "reloads model", "at once",
                                                                          "next start")
    value = changed_value(o)
    edit_like_a_user(qtbot, row.editor.widget, o, value)
    assert row.error.isHidden(), row.error.text()
    saved, warning = load_settings(paths.settings_file)
    assert warning is None and saved[o.name] == o.coerce(value)
    assert row.label.text().startswith("●") and row.reset.isEnabled()
    row.reset.click()
    assert load_settings(paths.settings_file)[0][o.name] == o.default


def test_spin_boxes_clamp_what_is_typed_to_the_declared_range(open_session) -> None:
    session = open_session()
    top_p = session.window.settings_panel.rows["top_p"].editor.widget
    top_p.setValue(7)
    assert top_p.value() == 1.0 == session.controller.scopes.defaults["top_p"]
    seed = session.window.settings_panel.rows["seed"].editor.widget
    assert seed.text() == "random"  # -1, shown by its meaning


def test_temperature_changed_in_the_panel_is_recorded_with_the_next_message(
        open_session, qtbot) -> None:
    session = open_session()
    session.window.settings_panel.rows["temperature"].editor.widget.setValue(0.35)
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    engine = session.controller._worker._engine
    assert engine.requests[-1].sampling["temperature"] == 0.35
    reply = last_reply(session)
    assert reply.stats.settings["temperature"] == 0.35
    assert "temperature = 0.35" in message_details(reply)
    assert f"Seed: {reply.stats.seed}" in message_details(reply)


def test_a_conversation_override_affects_only_that_conversation(open_session, qtbot) -> None:
    session = open_session()
    panel, controller = session.window.settings_panel, session.controller
    send(qtbot, session, "first chat")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    first = controller.current_conversation_id
    panel.set_scope(Scope.CONVERSATION)
    panel.rows["temperature"].editor.widget.setValue(0.1)
    assert panel.rows["temperature"].label.text() == "● Temperature"
    assert controller.scopes.defaults["temperature"] == 0.7  # the defaults are untouched

    controller.new_conversation()
    assert panel.rows["temperature"].editor.value() == 0.7
    send(qtbot, session, "second chat")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    assert last_reply(session).stats.settings["temperature"] == 0.7

    controller.open_conversation(first)
    assert panel.rows["temperature"].editor.value() == 0.1
    send(qtbot, session, "first chat again")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    assert last_reply(session).stats.settings["temperature"] == 0.1
    panel.rows["temperature"].reset.click()
    assert session.profile.store.conversation_overrides(first) == {}
    assert panel.rows["temperature"].editor.value() == 0.7


def test_text_typed_just_before_switching_scope_goes_to_the_scope_it_was_typed_in(
        open_session) -> None:
    session = open_session()
    panel, scopes = session.window.settings_panel, session.controller.scopes
    panel.set_scope(Scope.CONVERSATION)
    panel.rows["system_prompt"].editor.widget.setPlainText("Only here.")
    panel.set_scope(Scope.DEFAULTS)  # before the typing pause ended
    assert scopes.overrides()["system_prompt"] == "Only here."
    assert scopes.defaults["system_prompt"] == "You are a helpful assistant."
    assert panel.rows["system_prompt"].editor.value() == "You are a helpful assistant."


def test_a_model_chosen_after_a_failed_start_is_loaded(open_session, qtbot, tmp_path,
                                                      monkeypatch) -> None:
    import app.core.bundled_model as bundled

    def missing() -> Path:
        raise ParleyError("The bundled model is not installed.")

    monkeypatch.setattr(bundled, "bundled_model_path", missing)
    session = open_session(model=None, wait_for_model=False)
    assert "not installed" in session.window.error_banner.text()
    chosen = tmp_path / "mine.gguf"
    chosen.write_bytes(b"GGUF")
    session.controller.set_settings(Scope.DEFAULTS, {"model_path": str(chosen)})
    qtbot.waitUntil(lambda: session.controller.model_info is not None, timeout=5_000)
    assert session.controller._worker._engine.loads[-1][0] == chosen


def test_a_preset_applies_from_the_panel(open_session, monkeypatch) -> None:
    session = open_session()
    panel = session.window.settings_panel
    panel.preset_box.setCurrentIndex(panel.preset_box.findData("Precise"))
    panel.apply_button.click()
    assert session.controller.scopes.defaults["temperature"] == 0.2
    assert panel.rows["temperature"].editor.value() == 0.2
    monkeypatch.setattr(dialogs, "confirm", lambda *_: True)
    panel.reset_all_button.click()
    assert session.controller.scopes.defaults["temperature"] == 0.7


def test_a_persona_starts_a_chat_in_one_click(open_session, qtbot) -> None:
    session = open_session()
    window = session.window
    window.sidebar.persona_menu.aboutToShow.emit()
    action = next(a for a in window.sidebar.persona_menu.actions() if a.text() == "翻译")
    action.trigger()
    send(qtbot, session, "Good morning")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    request = session.controller._worker._engine.requests[-1]
    assert request.messages[0].role == "system" and "翻译" in request.messages[0].content
    overrides = session.profile.store.conversation_overrides(session.controller.current_conversation_id)
    assert overrides["temperature"] == 0.2 and "翻译" in overrides["system_prompt"]
    assert session.controller.scopes.defaults["system_prompt"] == "You are a helpful assistant."


def test_a_broken_custom_template_is_shown_and_not_used(open_session, qtbot) -> None:
    session = open_session()
    row = session.window.settings_panel.rows["custom_template"]
    row.editor.widget.setPlainText("{% for m in messages %}{{ m.content }")
    qtbot.waitUntil(lambda: not row.error.isHidden(), timeout=5_000)
    assert "does not work" in row.error.text()
    assert row.editor.widget.toPlainText().startswith("{% for")  # kept so it can be fixed
    assert session.controller.scopes.defaults["custom_template"] == ""


def test_a_load_option_reloads_the_model_without_blocking_the_gui(open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(load_delay=1.0))
    controller, window = session.controller, session.window
    engine = controller._worker._engine
    ticks: list[int] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    window.settings_panel.rows["n_ctx"].editor.widget.setValue(2048)
    qtbot.waitUntil(window.model_status.progress.isVisible, timeout=5_000)
    assert "Loading" in window.model_status.label.text()
    qtbot.waitUntil(lambda: controller.model_info is not None and controller.model_info.n_ctx == 2048,
                    timeout=10_000)
    timer.stop()
    assert len(ticks) > 20  # the event loop kept running through a one-second load
    assert not window.model_status.progress.isVisible()
    assert [settings["n_ctx"] for _, settings in engine.loads] == [4096, 2048]


def test_sampling_changes_do_not_reload_and_load_changes_wait_for_the_reply(
        open_session, qtbot) -> None:
    session = open_session(fake_engine_factory(reply_words=60, delay=0.02))
    controller = session.controller
    engine = controller._worker._engine
    controller.set_settings(Scope.DEFAULTS, {"temperature": 0.3, "top_k": 5})
    send(qtbot, session, "Hello")
    controller.set_settings(Scope.DEFAULTS, {"n_batch": 64})
    qtbot.wait(600)
    assert len(engine.loads) == 1 and controller.busy  # not mid-reply
    qtbot.waitUntil(lambda: len(engine.loads) == 2, timeout=10_000)
    assert engine.loads[1][1]["n_batch"] == 64
    assert last_reply(session).status.value == "complete"


def test_user_presets_save_rename_export_import_and_delete(open_session, tmp_path: Path,
                                                           monkeypatch) -> None:
    session = open_session()
    panel, presets = session.window.settings_panel, session.controller.presets
    panel.rows["temperature"].editor.widget.setValue(1.3)
    panel.save_preset("Warm")
    assert presets.find("Warm").values["temperature"] == 1.3
    panel.preset_box.setCurrentIndex(panel.preset_box.findData("Warm"))
    panel.rename_preset("Hot")
    exported = tmp_path / "mine.json"
    panel.export_presets(exported)
    assert json.loads(exported.read_text())["data"][0]["name"] == "Hot"
    panel.preset_box.setCurrentIndex(panel.preset_box.findData("Hot"))
    panel.delete_preset(confirmed=True)
    monkeypatch.setattr(dialogs, "ask_open_file", lambda *_: exported)
    panel.import_presets(None)
    assert presets.find("Hot").values["temperature"] == 1.3
    assert panel.preset_box.findData("Hot") >= 0


def test_a_bad_preset_import_is_explained(open_session, tmp_path: Path, monkeypatch) -> None:
    session = open_session()
    errors: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, _title, text: errors.append(text))
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "Bad", "values": {"top_p": 7}}]', encoding="utf-8")
    session.window.settings_panel.import_presets(bad)
    assert errors and "top_p cannot be 7; use a number from 0 to 1" in errors[0]


def test_an_invalid_settings_file_is_reported_and_kept(open_session, paths) -> None:
    paths.create()
    paths.settings_file.write_text(json.dumps({"top_p": 7, "temperature": 0.5}), encoding="utf-8")
    session = open_session()
    assert "top_p" in session.window.error_banner.text()
    assert session.controller.scopes.defaults["temperature"] == 0.5
    kept = list(paths.config_dir.glob("settings.json.invalid-*"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["top_p"] == 7
    assert option("top_p").default == session.controller.scopes.defaults["top_p"]

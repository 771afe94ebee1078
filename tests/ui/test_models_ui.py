"""The model library in the window: picker, per-chat models, load progress and cancel, the
crash marker, the Models dialog (facts, warnings, add, remove, drop) and downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent

from app.core.generation import LoadRequest, ModelInfo
from app.core.load_marker import LoadMarker
from app.core.scopes import Scope
from app.ui import dialogs, models_dialog
from tests.fakes import FakeEngine, fake_engine_factory
from tests.gguf_files import gguf_bytes, write_gguf
from tests.http_server import serve_files


def tiny_model(folder: Path, name: str) -> Path:
    """A small well-formed GGUF (the fake engine never reads it; the header reader does)."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_gguf(folder / name, {"general.architecture": "llama", "general.name": name,
                                      "llama.context_length": 2048, "llama.block_count": 2})


def engine_of(session) -> FakeEngine:
    return session.controller._worker._engine


def wait_loaded(qtbot, session, path: Path) -> None:
    qtbot.waitUntil(lambda: session.controller.model_info is not None
                    and session.controller.model_info.path == str(path), timeout=10_000)


def choose_in_picker(session, path: Path) -> None:
    picker = session.window.model_picker
    index = picker.findData(str(path))
    assert index >= 0, f"{path.name} is not offered"
    picker.setCurrentIndex(index)
    picker.activated.emit(index)


def test_each_chat_remembers_its_model_and_switching_is_one_choice(open_session, qtbot, paths) -> None:
    first = tiny_model(paths.models_dir, "first.gguf")
    second = tiny_model(paths.models_dir, "second.gguf")
    session = open_session()
    controller = session.controller
    names = [session.window.model_picker.itemText(i) for i in range(session.window.model_picker.count())]
    assert names[:1] == ["SmolLM2-135M-Instruct.Q4_1.gguf"] and "first.gguf" in names

    choose_in_picker(session, first)
    wait_loaded(qtbot, session, first)
    controller.send("Hello first")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    chat_one = controller.current_conversation_id

    controller.new_conversation()
    choose_in_picker(session, second)
    wait_loaded(qtbot, session, second)
    controller.send("Hello second")
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)

    controller.open_conversation(chat_one)
    wait_loaded(qtbot, session, first)  # opening the chat switched back to its model
    assert session.window.model_picker.currentData() == str(first)
    assert [path for path, _ in engine_of(session).loads][-3:] == [first, second, first]


def test_loading_shows_progress_can_be_cancelled_and_the_window_keeps_working(
        open_session, qtbot, paths) -> None:
    session = open_session(fake_engine_factory(load_delay=3.0, load_steps=30), wait_for_model=False)
    status = session.window.model_status
    qtbot.waitUntil(lambda: status.loading and status.progress.value() > 0, timeout=5_000)
    ticks: list[int] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(200)
    assert len(ticks) > 5  # the event loop runs while the model loads
    session.window.composer.setPlainText("typing while it loads")
    qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not status.loading, timeout=5_000)
    timer.stop()
    assert "loading was cancelled" in status.label.text()
    assert session.controller.model_info is None

    session.controller.load_model()  # choosing it again loads it
    qtbot.waitUntil(lambda: session.controller.model_info is not None, timeout=10_000)


def test_the_status_says_where_the_model_runs(open_session, qtbot) -> None:
    class GpuEngine(FakeEngine):
        def load(self, request: LoadRequest, on_progress) -> ModelInfo:
            super().load(request, on_progress)
            return ModelInfo(str(request.path), "big.gguf", 4096, 33, True, None, 33)

    session = open_session(GpuEngine)
    assert session.window.model_status.label.text() == "big.gguf · GPU 33/33 layers · context 4,096"


def test_after_a_crash_while_loading_the_model_waits_to_be_chosen(open_session, qtbot, paths) -> None:
    paths.create()
    marker = LoadMarker(paths.load_marker_file)
    dying_load = marker.loading(Path("fake.gguf"))
    dying_load.__enter__()  # the app "died" inside the load: its cleanup never runs
    session = open_session(wait_for_model=False)
    qtbot.waitUntil(session.window.error_banner.isVisible, timeout=5_000)
    assert "closed unexpectedly while loading fake.gguf" in session.window.error_banner.text()
    session.controller.new_conversation()  # a settings check must not load it either
    session.controller.loader.check_now()
    qtbot.wait(100)
    assert session.controller._worker._engine is None or not engine_of(session).loads
    assert paths.load_marker_file.exists()  # still says so on the next start

    session.controller.load_model()
    qtbot.waitUntil(lambda: session.controller.model_info is not None, timeout=10_000)
    assert not paths.load_marker_file.exists()
    del dying_load


def test_the_dialog_shows_facts_and_warns_when_a_model_will_not_fit(
        open_session, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    session = open_session()
    dialog = session.window.models_dialog
    dialog.open_library()
    dialog.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: "Architecture: llama" in dialog.details.text(), timeout=10_000)
    text = dialog.details.text()
    assert "Quantization: Q4_1" in text and "Trained context: 8,192 tokens" in text
    assert "Chat template: included" in text and "License: apache-2.0" in text
    assert dialog.warning.isHidden()

    monkeypatch.setattr(models_dialog, "available_ram", lambda: 10_000_000)
    session.controller.set_settings(Scope.DEFAULTS, {"n_ctx": 8192})
    qtbot.waitUntil(dialog.warning.isVisible, timeout=10_000)
    assert "will not fit" in dialog.warning.text() and "10.0 MB" in dialog.warning.text()
    dialog.hide()


def test_remove_keeps_or_deletes_the_file_as_chosen(open_session, qtbot, paths,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    keep = tiny_model(paths.models_dir, "keep.gguf")
    delete = tiny_model(paths.models_dir, "delete.gguf")
    session = open_session()
    dialog = session.window.models_dialog
    dialog.open_library()
    for path, answer in ((keep, 0), (delete, 1)):
        dialog._select_path(path)
        monkeypatch.setattr(dialogs, "choose", lambda *a, answer=answer: answer)
        dialog.remove_button.click()
    names = [model.name for model in session.controller.library.models()]
    assert "keep.gguf" not in names and "delete.gguf" not in names
    assert keep.exists() and not delete.exists()
    dialog.hide()


def test_a_dropped_file_is_linked_in_place_and_a_bad_one_is_refused(
        open_session, qtbot, tmp_path: Path) -> None:
    elsewhere = tiny_model(tmp_path / "elsewhere", "dropped.gguf")
    not_a_model = tmp_path / "notes.gguf"
    not_a_model.write_text("just text")
    session = open_session()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(elsewhere)), QUrl.fromLocalFile(str(not_a_model)),
                  QUrl.fromLocalFile(str(tmp_path / "picture.png"))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    session.window.dropEvent(drop)  # (Qt ignores a synthetic drop without a drag in progress)
    library = session.controller.library
    qtbot.waitUntil(lambda: any(m.path == elsewhere for m in library.models()), timeout=10_000)
    qtbot.waitUntil(session.window.error_banner.isVisible, timeout=10_000)
    assert "notes.gguf is not a GGUF model file" in session.window.error_banner.text()
    assert not any(path.name == "dropped.gguf" for path in library.library.models_dir.iterdir())
    assert session.window.model_picker.findData(str(elsewhere)) >= 0


def test_download_with_progress_then_cancel_and_resume(open_session, qtbot, paths) -> None:
    session = open_session()
    panel = session.window.models_dialog.downloads
    body = gguf_bytes({"general.architecture": "llama", "general.name": "x" * 200_000})
    with serve_files() as server:
        server.add("/m/slow.gguf", body, delay_s=0.01, chunk=4096)
        panel.source.setText(server.url("/m/slow.gguf"))
        panel.start_button.click()
        qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=10_000)
        panel.cancel_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=10_000)
        assert "cancelled" in panel.status.text()
        assert panel.unfinished.count() == 1 and "slow.gguf" in panel.unfinished.itemText(0)
        assert not (paths.models_dir / "slow.gguf").exists()

        panel.resume_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert "Downloaded slow.gguf" in panel.status.text()
        assert (paths.models_dir / "slow.gguf").read_bytes() == body
        assert server.requests[-1].headers.get("Range", "").startswith("bytes=")
    assert panel.unfinished.count() == 0
    assert session.window.model_picker.findData(str(paths.models_dir / "slow.gguf")) >= 0

"""Every user-visible string is translated into Simplified Chinese, and Chinese works throughout."""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.core.gguf_header import read_header
from app.core.load_errors import LoadFailure, ModelLoadError
from app.core.offload import AUTO, fallback_note
from app.core.settings import Settings, save_settings
from app.paths import AppPaths
from app.resources import resource_path
from app.ui import models_dialog
from app.ui.i18n import ENGLISH, SIMPLIFIED_CHINESE, resolve_language, translate, use_language
from app.ui.main_window import MainWindow
from app.ui.theme import cjk_families
from tests.fakes import FakeEngine
from tests.helpers import open_every_panel

APP_DIR = Path(__file__).resolve().parents[2] / "app"
TOOLS = Path(sys.executable).parent
SOURCE = resource_path("i18n", "parley_zh_CN.ts")
COMPILED = resource_path("i18n", "parley_zh_CN.qm")

# ASCII words allowed in the Chinese UI: names, units and formats that are not translated.
ALLOWED = {"Parley", "GGUF", "GPU", "CPU", "RAM", "KV", "MB", "GB", "KB", "JSON", "Markdown", "SmolLM2",
           "Instruct", "Mirostat", "tau", "eta", "Top", "Min", "Typical", "tok", "llama", "cpp", "Jinja",
           "Hugging", "Face", "English", "ChatGPT", "Qt", "PySide6", "Python", "Ctrl", "Shift", "Esc",
           "Return", "Enter", "Up", "Del", "Delete", "Alt", "Tab", "http", "https", "URL", "API", "ms",
           "Linux", "macOS", "Windows", "token", "tokens", "OpenAI", "localhost"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")
_FILE_NAME = re.compile(r"\S+\.gguf\b")  # model file names are names, not English
_PATH = re.compile(r"(?<![\w:/])/[^\s，。；）)]+")  # nor are absolute paths (where a key file is kept)


def _run(tool: str, *args: str) -> None:
    subprocess.run([str(TOOLS / tool), *args], check=True, capture_output=True, text=True)


def _unfinished(ts_file: Path) -> list[str]:
    """Source texts in ``ts_file`` with no finished translation (every plural form filled)."""
    missing = []
    for message in ET.parse(ts_file).getroot().iter("message"):
        translation = message.find("translation")
        assert translation is not None
        forms = [f.text for f in translation.findall("numerusform")] or [translation.text]
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not all(forms):
            missing.append(message.findtext("source") or "")
    return missing


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    """lupdate collects every translatable string from app/ into a copy of the shipped .ts: any
    string the translation lacks (new or changed) shows up unfinished."""
    copy = tmp_path / "parley_zh_CN.ts"
    shutil.copy(SOURCE, copy)
    sources = sorted(str(p) for p in APP_DIR.rglob("*.py"))
    _run("pyside6-lupdate", "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy))
    missing = _unfinished(copy)
    assert not missing, f"{len(missing)} strings lack a zh_CN translation (run make translations):\n" + \
        "\n".join(missing[:40])
    assert len(list(ET.parse(copy).getroot().iter("message"))) > 300  # really collected the app's


def test_the_compiled_translation_matches_its_source(tmp_path: Path) -> None:
    compiled = tmp_path / "parley_zh_CN.qm"
    _run("pyside6-lrelease", "-nounfinished", str(SOURCE), "-qm", str(compiled))
    assert compiled.read_bytes() == COMPILED.read_bytes(), "run make translations"


@pytest.fixture
def chinese(paths: AppPaths) -> Iterator[None]:
    """Parley in Chinese: the language setting says so (as the settings panel would save it), and
    the translation is installed (start_session installs it again from the setting)."""
    save_settings(paths.settings_file, Settings({"language": SIMPLIFIED_CHINESE}))
    app = QCoreApplication.instance()
    use_language(app, SIMPLIFIED_CHINESE)
    yield
    use_language(app, ENGLISH)


def _shown_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text a user sees or hears in ``root``: labels, buttons, fields'
    placeholders, tooltips, accessible names, menus and actions."""
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        name = type(widget).__name__
        yield name + " tooltip", widget.toolTip()
        yield name + " accessible name", widget.accessibleName()
        yield name + " title", widget.windowTitle()
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield name, widget.text()
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            yield name + " placeholder", widget.placeholderText()
        for action in QWidget.actions(widget):  # (MessageWidget has its own ``actions``)
            yield name + " action", action.text()
            yield name + " action tip", action.toolTip() if action.toolTip() != action.text() else ""


def _english(texts: Iterator[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in texts:
        text = _PATH.sub("", _FILE_NAME.sub("", text))
        words = [w for w in _WORD.findall(text) if w not in ALLOWED]
        if words:
            found.append(f"{where}: {text!r}")
    return sorted(set(found))


def test_the_chinese_window_shows_no_english(chinese, open_session, qtbot) -> None:
    """With the zh_CN translation loaded, nothing in the window, its menus, the settings panel
    or the dialogs is left in English (a string not passed through translate would be)."""
    session = open_session()
    session.window.composer.setPlainText("你好")  # as an input method commits it
    qtbot.keyClick(session.window.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    window = session.window
    roots = open_every_panel(window)
    english = []
    for root in roots:
        texts = list(_shown_texts(root))
        # Texts that are not the UI's own: model output, the user's words, versions, licences.
        texts = [(w, t) for w, t in texts if "word" not in t and "你好" not in t]
        english += _english(iter(texts))
    for menu_action in window.menuBar().actions():
        english += _english(iter([("menu", menu_action.text())]))
        for action in menu_action.menu().actions():
            english += _english(iter([("menu item", action.text())]))
    assert not english, "English left in the Chinese UI:\n" + "\n".join(english)


def test_plural_forms_are_translated(chinese) -> None:
    text = translate("TranscriptView", "Show earlier messages (%n more)", None, 3)
    assert "3" in text and "more" not in text


def test_the_language_follows_the_system_or_the_setting() -> None:
    assert resolve_language("system", "zh_CN") == SIMPLIFIED_CHINESE
    assert resolve_language("system", "zh_SG") == SIMPLIFIED_CHINESE
    assert resolve_language("system", "zh_TW") == ENGLISH  # no Traditional Chinese yet
    assert resolve_language("system", "de_DE") == ENGLISH
    assert resolve_language("zh_CN", "en_US") == SIMPLIFIED_CHINESE
    assert resolve_language("en", "zh_CN") == ENGLISH
    assert resolve_language("klingon", "zh_CN") == ENGLISH


def test_a_cjk_font_is_added_when_one_is_installed() -> None:
    assert cjk_families("DejaVu Sans", []) == ["DejaVu Sans"]
    assert cjk_families("DejaVu Sans", ["AR PL Mingti", "Noto Sans CJK SC"]) == [
        "DejaVu Sans", "Noto Sans CJK SC"]
    assert cjk_families("Noto Sans CJK SC", ["Noto Sans CJK SC"]) == ["Noto Sans CJK SC"]
    families = QApplication.font().families()
    assert families and families[0] == QApplication.font().family()


def test_chinese_in_the_composer_and_in_search(open_session, qtbot) -> None:
    session = open_session()
    composer = session.window.composer
    composer.setPlainText("今天天气很好，我们去公园吧")  # as an input method commits it
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    messages = session.profile.store.messages(session.controller.current_conversation_id)
    assert messages[0].content == "今天天气很好，我们去公园吧"
    search = session.window.search_dialog
    search.open_search()
    search.query.setText("天气")
    search.run_search()
    assert search.results.count() >= 1
    assert "天气" in search.results.item(0).text() or search.results.itemWidget(search.results.item(0))
    search.hide()


def test_an_error_from_core_reaches_the_chinese_window_in_chinese(chinese, open_session, qtbot) -> None:
    """A message too long for the context window: core's ContextOverflowError, raised in the
    engine's worker thread, arrives in the window translated (the log keeps the English)."""
    session = open_session()
    session.window.composer.setPlainText("词 " * 10_000)  # far beyond the fake model's 4096 tokens
    qtbot.keyClick(session.window.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.window.error_banner.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=10_000)
    shown = session.window.error_banner.text()
    assert shown.startswith("消息太长，超出了模型的上下文窗口（") and "在设置中提高上下文长度" in shown, shown
    assert not _english(iter([("error banner", shown)])), shown
    reply = session.profile.store.messages(session.controller.current_conversation_id)[-1]
    assert reply.error == shown  # the failed reply says the same


def test_the_models_dialog_shows_the_facts_of_a_model_in_chinese(
        chinese, open_session, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The facts core builds for the selected model, the free memory and the warning that it will
    not fit are translated; only the model's own names and values (and its path) stay as they are."""
    monkeypatch.setattr(models_dialog, "available_ram", lambda: 10_000_000)
    session = open_session()
    dialog = session.window.models_dialog
    dialog.open_library()
    dialog.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: "架构：" in dialog.details.text(), timeout=10_000)
    qtbot.waitUntil(dialog.warning.isVisible, timeout=10_000)
    model = dialog.selected()
    assert model is not None
    header = read_header(model.path)
    details, warning = dialog.details.text(), dialog.warning.text()
    assert details.startswith(f"名称：{header.name} · 许可证：{header.license}\n"
                              f"架构：{header.architecture} · ")
    assert f"量化：{header.quantization}" in details
    assert "训练上下文：8,192 个 token · 对话模板：已包含" in details
    assert "文件大小：" in details and "当前可用：RAM 10.0 MB · 未使用 GPU" in details
    assert "放不下" in warning and "10.0 MB" in warning
    names = [str(model.path), header.name, header.license, header.architecture, header.quantization]
    texts = []
    for where, text in [("details", details), ("warning", warning), ("title", dialog.title.text())]:
        for name in names:
            text = text.replace(name or "\0", "")
        texts.append((where, text))
    english = _english(iter(texts))
    assert not english, "English left in the Models dialog:\n" + "\n".join(english)
    dialog.hide()


def test_start_up_warnings_and_load_notes_reach_the_chinese_window_in_chinese(
        chinese, open_session, qtbot, paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    """A presets file that cannot be used, where the model runs and why it fell back to fewer GPU
    layers: sentences core builds, shown translated (the log and the command line keep English)."""
    paths.presets_file.write_text('{"format": "something-else", "version": 1, "data": []}', encoding="utf-8")
    shown: list[str] = []
    show = MainWindow.show_error

    def recording(window: MainWindow, text: str) -> None:
        shown.append(text)
        show(window, text)

    monkeypatch.setattr(MainWindow, "show_error", recording)

    class FallbackEngine(FakeEngine):
        def load(self, request, on_progress):
            info = super().load(request, on_progress)
            failure = ModelLoadError("cudaMalloc failed: out of memory", LoadFailure.MEMORY)
            return replace(info, gpu_layers=16, total_layers=33, note=fallback_note(16, AUTO, 33, failure))

    session = open_session(FallbackEngine)
    qtbot.waitUntil(lambda: len(shown) >= 2, timeout=10_000)
    assert shown[0].startswith("预设文件无法使用，因为它不是此类 Parley 文件；已改用默认值，旧文件已保留为 ")
    assert shown[1] == "已将 16 层放在 GPU 上加载：全部层放在 GPU 上时显存不足。"
    status = session.window.model_status.label.text()
    assert "· GPU 16/33 层 · 上下文 " in status
    kept_file = re.compile(re.escape(str(paths.config_dir)) + r"/[\w.-]+")  # a name, not English
    texts = [(f"shown {i}", kept_file.sub("", text)) for i, text in enumerate(shown)]
    english = _english(iter([*texts, ("status", status)]))
    assert not english, "English left in the Chinese window:\n" + "\n".join(english)


def test_every_translation_keeps_the_placeholders_of_its_source() -> None:
    """A translation with a misspelt or missing {field} could not be filled in."""
    def fields(text: str) -> list[str]:
        return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)

    wrong = []
    for message in ET.parse(SOURCE).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        for text in [f.text or "" for f in translation.findall("numerusform")] or [translation.text or ""]:
            try:
                same = fields(source) == fields(text)
            except ValueError:  # not a format template (shown as it is): the text must match
                same = ("{" in source) == ("{" in text)
            if not same:
                wrong.append(f"{source!r} -> {text!r}")
    assert not wrong, "\n".join(wrong)

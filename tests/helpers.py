"""Small helpers shared by several test modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.core.generation import LoadRequest
from app.core.option import Option
from app.core.settings import Settings


def send(qtbot: Any, session: Any, text: str) -> None:
    """Type ``text`` into the composer and press Enter, as a user would."""
    qtbot.keyClicks(session.window.composer, text)
    qtbot.keyClick(session.window.composer, Qt.Key.Key_Return)


def changed_value(o: Option) -> Any:
    """A valid value for ``o`` that is not its default (proves a round trip really happened)."""
    if o.choices:
        return next(value for value, _ in o.choices if value != o.default)
    if o.type is bool:
        return not o.default
    if o.type is tuple:
        return ("\n\nUser:", "###")
    if o.type is str:
        return "{% for m in messages %}{{ m['content'] }}{% endfor %}" if o.check else "changed 改变"
    assert o.maximum is not None
    assert o.minimum is not None
    end = o.maximum if o.default < o.maximum else o.minimum
    value = o.type((o.default + end) / 2)  # halfway to an end of the range
    return round(value, 2) if o.type is float else value  # as a two-decimal spin box shows it


def load_model(path: Path, settings: Settings | None = None) -> Any:
    """A real LlamaEngine with ``path`` loaded (llama.cpp is imported only when called)."""
    from app.engine.llama_engine import LlamaEngine

    engine = LlamaEngine()
    engine.load(LoadRequest(path, settings or Settings()), lambda _progress: None)
    return engine


def open_every_panel(window: Any) -> list[Any]:
    """Show the settings panel and every dialog of ``window`` (About, shortcuts, search, models,
    connections); the top-level widgets to inspect, the window first."""
    window.settings_dock.show()
    window.show_about()
    window.show_shortcuts()
    window.search_dialog.open_search()
    window.models_dialog.open_library()
    window.connections_dialog.open_dialog()
    return [window, window.search_dialog, window.models_dialog, window.connections_dialog,
            *window._dialogs.values()]

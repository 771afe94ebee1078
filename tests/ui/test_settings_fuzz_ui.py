"""Hostile values typed into the settings panel: refused under the row with a sentence naming the
setting, never saved; numbers cannot even be typed out of range, and choices offer only the
declared values. (Every other way in is fuzzed in ``tests/core/test_settings_fuzz.py``.)"""

from __future__ import annotations

import math
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit, QPlainTextEdit

from app.core.option import Option
from app.core.settings import load_settings
from app.core.settings_schema import OPTIONS, option
from app.ui.option_editors import TEXT_PAUSE_MS
from tests import reliability
from tests.helpers import changed_value

ESCAPE = "\x1b[2J"
TYPED_TEXTS = {  # what a user could paste into each text box that its setting refuses
    "model_path": ["model\x00.gguf", f"{ESCAPE}.gguf", "two\nlines.gguf"],
    "connection": ["name\x00", ESCAPE, "tab\there"],
    "system_prompt": ["a NUL \x00 inside"],
    "custom_template": ["{{ x", "{% for m in messages %}", "no messages here"],
    "stop": ["###\nstop\x00"],
    "api_origins": ["http://localhost:3000\nhttp://evil\x00.example"],
}
TYPED_NUMBERS = ["abc", "-99999999", "99999999999", "1e999", "nan", "inf", "--1", "0x10", "1,5.5"]


def _type_text(qtbot: Any, widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    """Paste ``text`` into a text box and let it commit, as the panel would."""
    if isinstance(widget, QLineEdit):
        widget.setText(text)
        widget.editingFinished.emit()
    else:
        widget.setPlainText(text)
        qtbot.wait(TEXT_PAUSE_MS + 100)


@pytest.mark.parametrize("name", TYPED_TEXTS)
def test_refused_text_is_explained_under_its_row_and_never_saved(open_session, qtbot, paths,
                                                                 name: str) -> None:
    session = open_session()
    row = session.window.settings_panel.rows[name]
    before = session.controller.scopes.defaults[name]
    for text in TYPED_TEXTS[name]:
        _type_text(qtbot, row.editor.widget, text)
        assert not row.error.isHidden(), text
        message = row.error.text()
        assert name in message or "custom chat template" in message, message
        assert "\x00" not in message and "\x1b" not in message and "\n" not in message
        assert session.controller.scopes.defaults[name] == before
        saved, warning = load_settings(paths.settings_file)
        assert warning is None and saved[name] == before
    reliability.record("hostile_inputs", len(TYPED_TEXTS[name]))


@pytest.mark.parametrize("name", ["system_prompt", "custom_template", "stop", "api_origins"])
def test_a_valid_neighbour_clears_the_error_and_is_saved(open_session, qtbot, paths, name: str) -> None:
    session = open_session()
    row = session.window.settings_panel.rows[name]
    _type_text(qtbot, row.editor.widget, TYPED_TEXTS[name][0])
    assert not row.error.isHidden()
    value = changed_value(option(name))
    typed = "\n".join(v.replace("\n", "\\n") for v in value) if option(name).type is tuple else value
    _type_text(qtbot, row.editor.widget, typed)  # one item a line, new lines written as \n
    assert row.error.isHidden()
    assert load_settings(paths.settings_file)[0][name] == option(name).coerce(value)


NUMBERS = [o for o in OPTIONS if o.type in (int, float) and not o.choices]


@pytest.mark.parametrize("o", NUMBERS, ids=lambda o: o.name)
def test_numbers_typed_out_of_range_or_garbled_never_leave_the_range(open_session, qtbot, paths,
                                                                      o: Option) -> None:
    session = open_session()
    box = session.window.settings_panel.rows[o.name].editor.widget
    assert isinstance(box, QAbstractSpinBox)
    for text in TYPED_NUMBERS:
        box.setFocus()
        box.selectAll()
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key.Key_Return)
        value = session.controller.scopes.defaults[o.name]
        assert math.isfinite(value) and o.minimum <= value <= o.maximum, (text, value)
    saved, warning = load_settings(paths.settings_file)
    assert warning is None and o.minimum <= saved[o.name] <= o.maximum
    assert session.window.settings_panel.rows[o.name].error.isHidden()
    reliability.record("hostile_inputs", len(TYPED_NUMBERS))


def test_choices_and_switches_offer_nothing_but_the_declared_values(open_session) -> None:
    session = open_session()
    for o in OPTIONS:
        widget = session.window.settings_panel.rows[o.name].editor.widget
        if o.choices:
            assert isinstance(widget, QComboBox) and not widget.isEditable()
            assert [widget.itemData(i) for i in range(widget.count())] == [value for value, _ in o.choices]
        elif o.type is bool:
            assert isinstance(widget, QCheckBox) and not widget.isTristate()

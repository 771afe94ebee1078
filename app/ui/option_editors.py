"""Editor widgets generated from option declarations: no hand-written widget per setting.

``editor_for(option)`` picks the widget from the declaration alone: a combo box for choices,
a check box for booleans, spin boxes with the declared range for numbers (which clamp what
is typed), a text box for text, and a one-per-line text box for lists. Every editor has the
same small interface: ``value()``, ``set_value()`` and an ``edited`` signal.

Labels, help, choice labels and special values are declared as English source texts marked in
the "Settings" context (``settings_schema``) and translated here, where they are shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.core.option import Option
from app.ui.i18n import translate

TEXT_PAUSE_MS = 600  # typed text is committed after this pause


class OptionEditor(QObject):
    """One option's widget: shows a value and says when the user edited it."""

    edited = Signal(object)  # the new value

    def __init__(self, option: Option, widget: QWidget) -> None:
        super().__init__(widget)
        self.option = option
        self.widget = widget
        widget.setObjectName(f"option-{option.name}")
        help_text = translate("Settings", option.help)
        widget.setToolTip(help_text)
        widget.setAccessibleName(translate("Settings", option.label))
        widget.setAccessibleDescription(help_text)

    def value(self) -> Any:
        """The value the widget shows."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show ``value`` without announcing it as an edit."""
        blocked = self.widget.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.widget.blockSignals(blocked)

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _announce(self, *_: object) -> None:
        self.edited.emit(self.value())


class ChoiceEditor(OptionEditor):
    """A combo box of the declared choices."""

    def __init__(self, option: Option) -> None:
        box = QComboBox()
        for value, label in option.choices:
            box.addItem(translate("Settings", label), value)
        super().__init__(option, box)
        box.currentIndexChanged.connect(self._announce)

    def value(self) -> Any:
        return self.widget.currentData()

    def _show(self, value: Any) -> None:
        self.widget.setCurrentIndex(max(0, self.widget.findData(value)))


class BoolEditor(OptionEditor):
    """A check box."""

    def __init__(self, option: Option) -> None:
        super().__init__(option, QCheckBox())
        self.widget.toggled.connect(self._announce)

    def value(self) -> bool:
        return self.widget.isChecked()

    def _show(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class NumberEditor(OptionEditor):
    """A spin box limited to the declared range; the minimum may have a name ("random")."""

    def __init__(self, option: Option) -> None:
        box: QSpinBox | QDoubleSpinBox
        if option.type is int:
            box = QSpinBox()
            box.setRange(int(option.minimum or 0), int(option.maximum or 0))
        else:
            box = QDoubleSpinBox()
            box.setDecimals(2)
            box.setSingleStep(0.05)
            box.setRange(float(option.minimum or 0), float(option.maximum or 0))
        if option.special:
            box.setSpecialValueText(translate("Settings", option.special))
        box.setKeyboardTracking(False)  # typed digits commit on Enter or focus loss
        box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        super().__init__(option, box)
        box.valueChanged.connect(self._announce)

    def value(self) -> Any:
        return self.option.type(self.widget.value())

    def _show(self, value: Any) -> None:
        self.widget.setValue(value)


class LineEditor(OptionEditor):
    """A one-line text box, committed when editing ends."""

    def __init__(self, option: Option) -> None:
        super().__init__(option, QLineEdit())
        self.widget.setClearButtonEnabled(True)
        self.widget.editingFinished.connect(self._announce_if_changed)
        self._shown = ""

    def value(self) -> str:
        return self.widget.text()

    def _show(self, value: Any) -> None:
        self._shown = str(value)
        self.widget.setText(self._shown)

    def _announce_if_changed(self) -> None:
        if self.value() != self._shown:
            self._shown = self.value()
            self._announce()


class TextEditor(OptionEditor):
    """A multi-line text box, committed after a pause in typing.

    For a list option each line is one item, with ``\\n`` and ``\\t`` written as escapes.
    """

    def __init__(self, option: Option) -> None:
        box = QPlainTextEdit()
        box.setTabChangesFocus(True)
        box.setFixedHeight(90)
        super().__init__(option, box)
        self._pause = QTimer(self, singleShot=True, interval=TEXT_PAUSE_MS)
        self._pause.timeout.connect(self._announce)
        box.textChanged.connect(self._pause.start)
        box.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Commit typing when the box loses focus (before a click elsewhere acts)."""
        if event.type() == QEvent.Type.FocusOut:
            self.commit_now()
        return False

    def value(self) -> Any:
        text = self.widget.toPlainText()
        if self.option.type is tuple:
            return [_unescape(line) for line in text.splitlines() if line]
        return text

    def _show(self, value: Any) -> None:
        self._pause.stop()
        shown = self.value()
        if (list(shown) if self.option.type is tuple else shown) == (
                list(value) if self.option.type is tuple else value):
            return  # already shown; keep the cursor and any blank lines being typed
        text = "\n".join(_escape(item) for item in value) if self.option.type is tuple else value
        self.widget.setPlainText(text)

    def commit_now(self) -> None:
        """Announce pending typing at once (used before the panel switches scope)."""
        if self._pause.isActive():
            self._pause.stop()
            self._announce()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def _unescape(text: str) -> str:
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


def editor_for(option: Option) -> OptionEditor:
    """The editor the declaration calls for."""
    if option.choices:
        return ChoiceEditor(option)
    if option.type is bool:
        return BoolEditor(option)
    if option.type in (int, float):
        return NumberEditor(option)
    if option.multiline or option.type is tuple:
        return TextEditor(option)
    return LineEditor(option)

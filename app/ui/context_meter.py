"""The live context meter: how much of the model's context window the open chat takes.

``ContextTracker`` asks the engine worker to count the shown branch with the model's own
tokenizer and chat template (never on the GUI thread), at most once per ``MEASURE_DELAY_MS``,
and keeps only the newest answer. ``ContextMeter`` is the status-bar gauge that shows it;
the transcript marks the messages the answer says are outside the window.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QWidget

from app.core.generation import ContextUsage
from app.engine.worker import EngineWorker, MeasureRequest
from app.ui.i18n import translate

MEASURE_DELAY_MS = 150  # changes closer together than this are measured once
OVERFLOW_STYLE = "QProgressBar::chunk { background-color: #d9822b; }"  # amber: messages left out


class ContextTracker(QObject):
    """Requests context measurements from the worker and reports the newest one."""

    usageChanged = Signal(object)  # ContextUsage, or None when there is nothing to measure

    _measureRequested = Signal(int, object)  # measure id, MeasureRequest (to the worker's thread)

    def __init__(self, worker: EngineWorker) -> None:
        super().__init__()
        self.usage: ContextUsage | None = None
        self._ids = itertools.count(1)
        self._latest = 0
        self._pending: MeasureRequest | None = None
        self._measureRequested.connect(worker.measure)
        worker.contextMeasured.connect(self._on_measured)
        self._timer = QTimer(self, singleShot=True, interval=MEASURE_DELAY_MS)
        self._timer.timeout.connect(self._send)

    def measure(self, request: MeasureRequest) -> None:
        """Measure ``request`` soon (a newer request replaces one not sent yet)."""
        self._pending = request
        self._timer.start()

    def _send(self) -> None:
        if self._pending is not None:
            self._latest = next(self._ids)
            self._measureRequested.emit(self._latest, self._pending)
            self._pending = None

    def _on_measured(self, measure_id: int, usage: ContextUsage) -> None:
        if measure_id == self._latest:
            self.usage = usage
            self.usageChanged.emit(usage)


def usage_text(usage: ContextUsage) -> str:
    """The meter's one line, e.g. "Context 1,234 / 4,096" or "Context full: 6 messages left out"
    (the oldest; the tooltip says so)."""
    if usage.outside_ids:
        count = len(usage.outside_ids)
        return translate("ContextMeter", "Context full: %n message(s) left out", None, count)
    return translate("ContextMeter", "Context {used} / {total}").format(
        used=f"{usage.used_tokens:,}", total=f"{usage.n_ctx:,}")


def usage_tip(usage: ContextUsage) -> str:
    """The meter's tooltip: what the numbers mean and what happens next."""
    tip = translate("ContextMeter", "The conversation takes {used} of the model's {total} context tokens "
                                    "({budget} can hold history; the rest is kept for the reply), counted "
                                    "with the model's own tokenizer.").format(
        used=f"{usage.used_tokens:,}", total=f"{usage.n_ctx:,}", budget=f"{usage.budget:,}")
    if usage.outside_ids:
        tip += " " + translate("ContextMeter", "The dimmed messages are outside the window: the model no "
                                               "longer sees them. The system prompt and your first message "
                                               "always stay.")
    return tip


class ContextMeter(QProgressBar):
    """The status-bar gauge of the context window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        widest = self.fontMetrics().horizontalAdvance(
            translate("ContextMeter", "Context full: %n message(s) left out", None, 888))
        self.setFixedWidth(widest + 24)  # the text never wraps or changes the status bar's layout
        self.setTextVisible(True)
        self.setAccessibleName(translate("ContextMeter", "Context window used"))
        self.show_usage(None)

    def show_usage(self, usage: ContextUsage | None) -> None:
        """Show ``usage`` (None: no model or nothing measured yet)."""
        if usage is None:
            self.setRange(0, 1)
            self.setValue(0)
            self.setFormat(translate("ContextMeter", "Context —"))
            self.setToolTip(translate("ContextMeter",
                                      "How much of the model's context window this chat takes."))
            return
        self.setRange(0, max(1, usage.n_ctx))
        self.setValue(min(usage.used_tokens, usage.n_ctx))
        self.setFormat(usage_text(usage))
        self.setToolTip(usage_tip(usage))
        self.setStyleSheet(OVERFLOW_STYLE if usage.outside_ids else "")

"""Marking translatable strings in code that has no Qt.

``QT_TRANSLATE_NOOP("Context", "Text")`` returns the text unchanged; ``pyside6-lupdate`` finds
the call by name and records the string, and the UI translates it where it is shown with
``translate("Context", text)`` (see ``app.ui.i18n``).
"""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """``text``, marked for translation in ``context``."""
    return text

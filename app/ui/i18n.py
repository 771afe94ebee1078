"""Translation: every user-visible string goes through Qt's ``translate``.

Convention (so ``pyside6-lupdate`` finds every string with the context it is looked up in):

- UI code calls ``translate("Context", "Text")`` with a literal context, usually the class name,
  and ``translate("Context", "%n chat(s)", None, n)`` for plural forms. (``self.tr`` is not used:
  in PySide6 it looks strings up under the *runtime* class name, which differs from the one
  lupdate records when a class is subclassed.)
- Core code, which has no Qt, marks strings with ``app.core.i18n.QT_TRANSLATE_NOOP`` and the UI
  translates them where they are shown.

The translations live in ``resources/i18n/parley_<locale>.ts`` (source) and ``.qm`` (compiled),
built by ``make translations``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate

__all__ = ["translate"]

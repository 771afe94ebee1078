"""Translation: every user-visible string goes through Qt's ``translate``.

Convention (so ``pyside6-lupdate`` finds every string with the context it is looked up in):

- UI code calls ``translate("Context", "Text")`` with a literal context, usually the class name,
  and ``translate("Context", "%n chat(s)", None, n)`` for plural forms, where ``n`` is a plain
  name (lupdate's Python parser silently skips a call whose count is an expression or keyword).
  ``self.tr`` is not used: in PySide6 it looks strings up under the *runtime* class name, which
  differs from the one lupdate records when a class is subclassed.
- Core code, which has no Qt, marks strings with ``app.core.i18n.QT_TRANSLATE_NOOP`` and the UI
  translates them where they are shown.
- Errors (``app.core.errors.ParleyError``) are raised with a template marked in the context
  "Errors" plus named values; ``str(exc)`` stays English (command line, log) and the GUI shows
  ``exc.shown(translate)`` or ``user_message(exc, translate)``. Other sentences core builds for
  the GUI (load notes, start-up warnings, a model's facts, download progress) are
  ``app.core.errors.Phrase`` objects in the same context, shown with ``phrase.shown(translate)``.

The translations live in ``resources/i18n/parley_<locale>.ts`` (source) and ``.qm`` (compiled),
built by ``make translations``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.core.settings_schema import option
from app.resources import resource_path

log = logging.getLogger(__name__)

translate = QCoreApplication.translate


SYSTEM = "system"
ENGLISH = "en"
SIMPLIFIED_CHINESE = "zh_CN"


def resolve_language(setting: str, system_locale: str | None = None) -> str:
    """The language to show: the setting, or for "system" the system locale's, when Parley has a
    translation for it (any Chinese locale but Traditional gets Simplified Chinese), else English."""
    if setting != SYSTEM:
        # The languages Parley is translated into are the choices of the "language" setting.
        return setting if setting in dict(option("language").choices) else ENGLISH
    locale = system_locale if system_locale is not None else QLocale.system().name()
    traditional = locale.startswith(("zh_TW", "zh_HK", "zh_MO", "zh_Hant"))
    return SIMPLIFIED_CHINESE if locale.startswith("zh") and not traditional else ENGLISH


def translation_file(language: str) -> Path:
    """Parley's compiled translation for ``language`` (it may not exist: English needs none)."""
    return resource_path("i18n", f"parley_{language}.qm")


_installed: list[QTranslator] = []  # Parley's translators in the application now


def use_language(app: QCoreApplication, language: str) -> None:
    """Show Parley (and Qt's own dialogs) in ``language`` from now on: widgets made afterwards are
    translated; those made before keep their text (the setting takes effect at the next start).
    English, or a missing file, installs none."""
    while _installed:
        app.removeTranslator(_installed.pop())
    if language == ENGLISH:  # dates and numbers stay in the system's format
        QLocale.setDefault(QLocale.system())
        return
    QLocale.setDefault(QLocale(language))
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for file in (translation_file(language), Path(qt_dir) / f"qtbase_{language}.qm"):
        translator = QTranslator(app)
        if file.is_file() and translator.load(str(file)):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            log.warning("no translation loaded from %s", file)

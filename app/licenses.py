"""What Parley ships and under which licences: shown in the About dialog, one place to update.

Each licence text is a file in ``resources/licenses`` (found through ``app.resources``, so it is
there in a frozen package too). Components under the same licence text share its file. A packaged
build adds ``THIRD-PARTY-NOTICES.txt`` there (``packaging/notices.py``): the notices of everything
else it bundles, shown as one more entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import QT_TRANSLATE_NOOP
from app.resources import resource_path


@dataclass(frozen=True)
class Component:
    """One thing Parley includes, and its licence."""

    name: str
    what: str  # what it is for, in a few words (English; translated where shown)
    licence: str  # SPDX expression
    homepage: str
    file: str  # the licence text's file name in resources/licenses

    def text(self) -> str:
        """The licence text (or a sentence saying where it is, if the file is missing)."""
        path = resource_path("licenses", self.file)
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            return f"{self.licence}: see {self.homepage}"


COMPONENTS: tuple[Component, ...] = (
    Component("Parley", QT_TRANSLATE_NOOP("AboutDialog", "this app"), "Apache-2.0", "", "Apache-2.0.txt"),
    Component("SmolLM2-135M-Instruct",
              QT_TRANSLATE_NOOP("AboutDialog", "the bundled model (by Hugging Face)"), "Apache-2.0",
              "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct", "Apache-2.0.txt"),
    Component("llama.cpp", QT_TRANSLATE_NOOP("AboutDialog", "runs the model"), "MIT",
              "https://github.com/ggml-org/llama.cpp", "llama.cpp.txt"),
    Component("llama-cpp-python", QT_TRANSLATE_NOOP("AboutDialog", "Python bindings for llama.cpp"),
              "MIT", "https://github.com/abetlen/llama-cpp-python", "llama-cpp-python.txt"),
    Component("Qt 6 and PySide6", QT_TRANSLATE_NOOP("AboutDialog", "the user interface"),
              "LGPL-3.0-only", "https://www.qt.io/licensing/open-source-lgpl-obligations",
              "LGPL-3.0.txt"),
    Component("GNU GPL 3.0", QT_TRANSLATE_NOOP("AboutDialog", "the licence text the LGPL refers to"),
              "GPL-3.0-only", "https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0.txt"),
    Component("Python", QT_TRANSLATE_NOOP("AboutDialog", "the language Parley is written in"),
              "PSF-2.0", "https://www.python.org", "Python.txt"),
    Component("Pygments", QT_TRANSLATE_NOOP("AboutDialog", "code highlighting"), "BSD-2-Clause",
              "https://pygments.org", "Pygments.txt"),
    Component("platformdirs", QT_TRANSLATE_NOOP("AboutDialog", "where user data is kept"), "MIT",
              "https://github.com/tox-dev/platformdirs", "platformdirs.txt"),
    Component("Jinja2", QT_TRANSLATE_NOOP("AboutDialog", "chat templates"), "BSD-3-Clause",
              "https://palletsprojects.com/p/jinja/", "Jinja2.txt"),
    Component("MarkupSafe", QT_TRANSLATE_NOOP("AboutDialog", "used by Jinja2"), "BSD-3-Clause",
              "https://palletsprojects.com/p/markupsafe/", "MarkupSafe.txt"),
    Component("keyring", QT_TRANSLATE_NOOP("AboutDialog", "keeps API keys in the system keyring"), "MIT",
              "https://github.com/jaraco/keyring", "keyring.txt"),
    Component("NumPy", QT_TRANSLATE_NOOP("AboutDialog", "used by llama-cpp-python"),
              "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", "https://numpy.org", "numpy.txt"),
    Component("diskcache", QT_TRANSLATE_NOOP("AboutDialog", "used by llama-cpp-python"), "Apache-2.0",
              "https://github.com/grantjenks/python-diskcache", "Apache-2.0.txt"),
    Component("typing_extensions", QT_TRANSLATE_NOOP("AboutDialog", "used by llama-cpp-python"),
              "PSF-2.0", "https://github.com/python/typing_extensions", "typing_extensions.txt"),
)

BUNDLED_NOTICES = Component(
    QT_TRANSLATE_NOOP("AboutDialog", "Everything else in this package"),
    QT_TRANSLATE_NOOP("AboutDialog", "the libraries the packaged app carries, with their notices"),
    QT_TRANSLATE_NOOP("AboutDialog", "each as stated"), "", "THIRD-PARTY-NOTICES.txt")


def components() -> tuple[Component, ...]:
    """What to list in the About dialog: ``COMPONENTS``, and the bundled notices in a package."""
    if resource_path("licenses", BUNDLED_NOTICES.file).is_file():
        return (*COMPONENTS, BUNDLED_NOTICES)
    return COMPONENTS

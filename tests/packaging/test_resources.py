"""One resource lookup, from source and frozen (a fake PyInstaller bundle)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.core.bundled_model import bundled_model_path
from app.core.errors import ParleyError
from app.licenses import BUNDLED_NOTICES, COMPONENTS, components
from app.resources import BUNDLED_MODEL, FROM_DISTRIBUTIONS, is_frozen, resource_path, resources_root
from app.ui.about_dialog import AboutDialog
from app.ui.i18n import translation_file

CHECKOUT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make this process look frozen, its bundle a folder with the resources a package has."""
    root = tmp_path / "_internal"
    for parts, text in [(("i18n", "parley_zh_CN.qm"), "qm"), (("licenses", "Apache-2.0.txt"), "bundled text"),
                        (BUNDLED_MODEL, "GGUF")]:
        path = root.joinpath("resources", *parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(root), raising=False)
    return root


def test_from_source_resources_are_in_the_checkout() -> None:
    assert not is_frozen()
    assert resources_root() == CHECKOUT / "resources"
    assert translation_file("zh_CN") == CHECKOUT / "resources" / "i18n" / "parley_zh_CN.qm"
    assert translation_file("zh_CN").is_file()


def test_from_source_the_bundled_model_comes_from_its_distribution() -> None:
    path = resource_path(*BUNDLED_MODEL)
    assert path.is_file() and "site-packages" in path.parts
    for parts, (_, file) in FROM_DISTRIBUTIONS.items():  # the spec copies each file keeping its name
        assert file.rsplit("/", 1)[-1] == parts[-1]
    assert bundled_model_path() == path


def test_frozen_everything_is_in_the_bundle(bundle: Path) -> None:
    assert is_frozen()
    assert resources_root() == bundle / "resources"
    assert translation_file("zh_CN") == bundle / "resources" / "i18n" / "parley_zh_CN.qm"
    assert bundled_model_path() == bundle.joinpath("resources", *BUNDLED_MODEL)
    apache = next(c for c in COMPONENTS if c.file == "Apache-2.0.txt")
    assert apache.text() == "bundled text"


def test_frozen_without_the_model_says_so(bundle: Path) -> None:
    bundle.joinpath("resources", *BUNDLED_MODEL).unlink()
    with pytest.raises(ParleyError, match=r"The bundled model is missing .*install Parley again"):
        bundled_model_path()


def test_only_a_pyinstaller_bundle_counts_as_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # set by other freezers too
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert not is_frozen()
    assert resources_root() == CHECKOUT / "resources"


def test_a_missing_distribution_falls_back_to_the_resources_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FROM_DISTRIBUTIONS, ("models", "x.gguf"), ("no-such-distribution", "x.gguf"))
    assert resource_path("models", "x.gguf") == CHECKOUT / "resources" / "models" / "x.gguf"


def test_about_lists_the_bundled_notices_only_in_a_package(bundle: Path, qtbot) -> None:
    assert components() == COMPONENTS
    notices = bundle / "resources" / "licenses" / BUNDLED_NOTICES.file
    notices.write_text("Third-party software in this package\nlibfoo: MIT")
    assert components()[-1] == BUNDLED_NOTICES
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert dialog.components.count() == len(COMPONENTS) + 1
    dialog.components.setCurrentRow(len(COMPONENTS))
    assert "libfoo: MIT" in dialog.licence_text.toPlainText()

"""Shared test set-up: offscreen Qt, isolated data directories, the bundled model, a fake engine."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from app.core.bundled_model import bundled_model_path  # noqa: E402
from app.paths import AppPaths  # noqa: E402


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh --data-dir for one test."""
    return tmp_path / "data"


@pytest.fixture
def paths(data_dir: Path) -> AppPaths:
    """AppPaths rooted in the test's own data directory."""
    return AppPaths.from_data_dir(data_dir)


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF (installed by `make test`)."""
    return bundled_model_path()


@pytest.fixture(autouse=True)
def _no_real_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Never open a real browser from a test; record what would have been opened."""
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True)
    yield opened

"""Shared test set-up: offscreen Qt, isolated data directories, the bundled model, a fake engine."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import
os.environ["LC_ALL"] = "C.UTF-8"  # the tests expect English whatever language the machine speaks
# API keys never reach the machine's real keyring: without one, they go to the profile's file.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.application import GuiSession, create_application, start_session
from app.core.bundled_model import bundled_model_path
from app.paths import AppPaths
from tests import reliability
from tests.fakes import FakeEngine, FakeRemoteEngine
from tests.llama_server import llama_server

# The packaged app's smoke test needs a build to test: `make package-test` builds one and names it.
collect_ignore = [] if os.environ.get("PARLEY_PACKAGE_REPORT") else ["package"]


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


@pytest.fixture(scope="session")
def llama_server_url(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real OpenAI-compatible server (llama-cpp-python's) with the bundled
    model, started once for every test that needs it."""
    with llama_server(model_path, tmp_path_factory.mktemp("llama-server")) as url:
        yield url


@pytest.fixture(autouse=True)
def _no_real_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Never open a real browser from a test; record what would have been opened."""
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True)
    yield opened


SessionFactory = Callable[..., GuiSession]


@pytest.fixture
def open_session(qtbot, paths: AppPaths) -> Iterator[SessionFactory]:
    """Open windows over ``paths`` (several in a row, like restarting the app); all closed after."""
    create_application()
    sessions: list[GuiSession] = []

    def factory(engine_factory: Callable[[], object] = FakeEngine, wait_for_model: bool = True,
                model: Path | None = Path("fake.gguf"),
                remote_factory: Callable[..., object] = FakeRemoteEngine) -> GuiSession:
        session = start_session(paths, model, engine_factory, remote_factory)  # type: ignore[arg-type]
        sessions.append(session)
        session.window.show()
        if wait_for_model:
            qtbot.waitUntil(lambda: session.controller.model_info is not None, timeout=60_000)
        return session

    yield factory
    for session in sessions:
        session.close()


def pytest_terminal_summary(terminalreporter) -> None:
    """The reliability report: kill runs, integrity failures, fuzz cases, signals, canaries."""
    lines = reliability.summary()
    if lines:
        terminalreporter.section("reliability")
        for line in lines:
            terminalreporter.write_line(line)


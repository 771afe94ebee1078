"""GUI fixtures: a full window over a fresh data directory, driven by the fake engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.application import GuiSession, create_application, start_session
from app.paths import AppPaths
from tests.fakes import FakeEngine

SessionFactory = Callable[..., GuiSession]


@pytest.fixture
def open_session(qtbot, paths: AppPaths) -> Iterator[SessionFactory]:
    """Open windows over ``paths`` (several in a row, like restarting the app); all closed after."""
    create_application()
    sessions: list[GuiSession] = []

    def factory(engine_factory: Callable[[], object] = FakeEngine, wait_for_model: bool = True,
                model: Path | None = Path("fake.gguf")) -> GuiSession:
        session = start_session(paths, model, engine_factory)  # type: ignore[arg-type]
        sessions.append(session)
        session.window.show()
        if wait_for_model:
            qtbot.waitUntil(lambda: session.controller.model_info is not None, timeout=60_000)
        return session

    yield factory
    for session in sessions:
        session.close()

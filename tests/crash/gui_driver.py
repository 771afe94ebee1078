"""The ``gui`` scenario: the real window offscreen, driven by seeded random user actions.

Replies stream from a fake engine (fast, so many writes happen before the kill) through the
real controller, reply recorder and store. Between actions the event loop runs for a random
moment, so renames, settings saves and trashing also happen while a reply streams. Any error the
window would show ends the driver (the harness reports it): the scenario must only do what a
user can.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from PySide6.QtWidgets import QApplication

from app.application import GuiSession, create_application, start_session
from app.core.scopes import Scope
from app.paths import AppPaths
from app.ui.background import BackgroundJob
from tests.crash.driver import random_settings
from tests.crash.workdir import Workdir
from tests.fakes import FakeEngine, FakeRemoteEngine


class StreamingEngine(FakeEngine):
    """Replies of 40 words, about 0.6 s each: several flushes of the streaming row per reply."""

    reply_words = 40
    delay = 0.015


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the event loop until ``condition`` holds."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {condition}")
        app.processEvents()
        time.sleep(0.002)


def run_events(seconds: float) -> None:
    """Let the window work (replies stream) for ``seconds``."""
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() >= end)


class Actions:
    """What a user does, chosen at random with ``WEIGHTS``."""

    WEIGHTS: ClassVar[dict[str, int]] = {
        "send": 5, "continue_reply": 2, "open": 1, "rename": 2, "save_defaults": 2, "save_chat_settings": 1,
        "trash": 1, "restore": 1, "delete": 1, "import_file": 1}
    NEEDS_IDLE: ClassVar[set[str]] = {"send", "continue_reply", "import_file"}

    def __init__(self, session: GuiSession, work: Workdir, rng: random.Random) -> None:
        self.session = session
        self.controller = session.controller
        self.work = work
        self.rng = rng

    def step(self) -> None:
        """One random action, then a random moment of event processing."""
        name = self.rng.choices(list(self.WEIGHTS), weights=list(self.WEIGHTS.values()))[0]
        if name in self.NEEDS_IDLE:
            wait_until(lambda: not self.controller.busy and not BackgroundJob._running)
        getattr(self, name)()
        run_events(self.rng.uniform(0.0, 0.3))

    def _pick(self, trashed: bool = False) -> int | None:
        store = self.controller.store
        choices = store.trashed_conversations() if trashed else store.list_conversations()
        return self.rng.choice(choices).id if choices else None

    def send(self) -> None:
        if self.controller.current_conversation_id is None or self.rng.random() < 0.25:
            self.controller.new_conversation()
        words = "tell me more " * self.rng.randint(1, 20)
        self.controller.send(f"question {self.rng.randrange(10**6)}: {words}")

    def continue_reply(self) -> None:
        """Open a chat whose last reply was cut short (stopped, or interrupted by a kill) and
        continue it."""
        store = self.controller.store
        ends = [(c.id, branch[-1].message) for c in store.list_conversations()
                if (branch := store.branch(c.id))]
        stopped = [(cid, message.id) for cid, message in ends if message.can_continue]
        if stopped:
            cid, message_id = self.rng.choice(stopped)
            self.controller.open_conversation(cid)
            self.controller.continue_reply(message_id)

    def open(self) -> None:
        chosen = self._pick()
        if chosen is not None:
            self.controller.open_conversation(chosen)

    def rename(self) -> None:
        chosen = self._pick()
        if chosen is not None:
            self.controller.rename_conversation(chosen, f"renamed {self.rng.randrange(10**6)}")

    def save_defaults(self) -> None:
        self.controller.set_settings(Scope.DEFAULTS, random_settings(self.rng))

    def save_chat_settings(self) -> None:
        if self.controller.saved_conversation_id is not None:
            self.controller.set_settings(Scope.CONVERSATION, {"top_k": self.rng.randint(1, 200)})

    def trash(self) -> None:
        chosen = self._pick()
        if chosen is not None:
            self.controller.move_to_trash(chosen)

    def restore(self) -> None:
        chosen = self._pick(trashed=True)
        if chosen is not None:
            self.controller.restore(chosen)

    def delete(self) -> None:
        chosen = self._pick(trashed=True)
        if chosen is not None:
            self.controller.delete_for_good(chosen)

    def import_file(self) -> None:
        self.session.window.transfers.import_file(self.work.import_file)
        wait_until(lambda: not BackgroundJob._running)


def fail_on_error(message: str) -> None:
    """An error the window would show: the scenario did something a user could not."""
    print(f"the window showed an error: {message}", file=sys.stderr, flush=True)
    os._exit(4)  # SystemExit would not leave a Qt slot


def run_window(work: Workdir, rng: random.Random) -> None:
    """Open the window over the chain's data directory and act until killed."""
    create_application()
    session = start_session(AppPaths.from_data_dir(work.data), Path("fake.gguf"),
                            StreamingEngine, FakeRemoteEngine)  # type: ignore[arg-type]
    session.controller.errorOccurred.connect(fail_on_error)
    session.window.show()
    wait_until(lambda: session.controller.model_info is not None)
    actions = Actions(session, work, rng)
    while True:
        actions.step()

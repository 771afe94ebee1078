"""Capture the README screenshots: the real app, offscreen, answering with the bundled model.

Run with ``make screenshot``; writes into the folder given (``resources/screenshots``):
``main-light.png`` and ``main-dark.png`` (a conversation whose reply holds code), and
``settings-light.png`` and ``settings-dark.png`` (the same window with the settings panel).
The replies are the bundled model's own; seeds are tried in order until one writes a fenced
code block. Waits use an event loop and timers (never a busy loop), so the engine worker runs
at full speed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer

from app.application import create_application, start_session
from app.core.models import Role
from app.core.scopes import Scope
from app.paths import AppPaths

CODE_QUESTION = "Write a short Python function that checks whether a number is prime."
SEEDS = range(1, 40)


def wait_until(condition: Callable[[], object], timeout_s: float = 120) -> None:
    loop = QEventLoop()
    poll = QTimer(interval=50)
    poll.timeout.connect(lambda: condition() and loop.quit())
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    poll.start()
    loop.exec()
    poll.stop()


def main(target: Path) -> int:
    create_application()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data_dir:
        session = start_session(AppPaths.from_data_dir(data_dir))
        window, controller = session.window, session.controller
        window.resize(1280, 820)
        window.show()
        wait_until(lambda: controller.model_info is not None)

        def chat(text: str) -> str:
            controller.send(text)
            wait_until(lambda: not controller.busy and not controller.titles.busy)
            replies = [item.message for item in controller.branch() if item.message.role is Role.ASSISTANT]
            return replies[-1].content

        controller.set_settings(Scope.DEFAULTS, {"seed": 7, "temperature": 0.3, "max_tokens": 200})
        chat("Give me one tip for learning Chinese characters.")
        controller.set_pinned(controller.current_conversation_id, True)
        for seed in SEEDS:  # the first seed whose reply holds a code block
            controller.new_conversation()
            controller.set_settings(Scope.DEFAULTS, {"seed": seed, "max_tokens": 320})
            if "```" in chat(CODE_QUESTION):
                break
        for theme in ("light", "dark"):
            controller.set_settings(Scope.DEFAULTS, {"theme": theme})
            window.settings_dock.hide()
            wait_until(lambda: False, timeout_s=0.8)  # let the new palette and layout settle
            window.grab().save(str(target / f"main-{theme}.png"))
            window.settings_dock.show()
            wait_until(lambda: False, timeout_s=0.8)
            window.grab().save(str(target / f"settings-{theme}.png"))
        controller.set_settings(Scope.DEFAULTS, {"theme": "system"})
        session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots")))

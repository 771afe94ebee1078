"""Capture resources/screenshot.png: the real app, offscreen, answering with the bundled model.

Run with ``make screenshot``. Waits use an event loop and timers (never a busy loop), so the
engine worker runs at full speed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer

from app.application import create_application, start_session
from app.core.scopes import Scope
from app.paths import AppPaths


def wait_until(condition, timeout_s: float = 120) -> None:
    loop = QEventLoop()
    poll = QTimer(interval=50)
    poll.timeout.connect(lambda: condition() and loop.quit())
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    poll.start()
    loop.exec()
    poll.stop()


def main(target: Path) -> int:
    create_application()
    with tempfile.TemporaryDirectory() as data_dir:
        session = start_session(AppPaths.from_data_dir(data_dir))
        window, controller = session.window, session.controller
        window.resize(1280, 800)
        window.show()
        wait_until(lambda: controller.model_info is not None)
        controller.set_settings(Scope.DEFAULTS, {"seed": 7, "temperature": 0.3, "max_tokens": 200})

        def chat(text: str) -> None:
            controller.send(text)
            wait_until(lambda: not controller.busy and not controller.titles.busy)

        chat("Give me one tip for learning Chinese characters.")
        controller.set_pinned(controller.current_conversation_id, True)
        controller.new_conversation()
        controller.set_settings(Scope.DEFAULTS, {"alternatives": 2})
        chat("What are three good habits for learning a new language?")
        wait_until(lambda: False, timeout_s=0.5)  # let the last frame render
        window.grab().save(str(target))
        session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshot.png")))

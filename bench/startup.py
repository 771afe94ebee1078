"""Start-up time: from just before the process is started to the moment its main window is exposed.

The child (``python -m bench.startup --launch DATA_DIR``) starts the app exactly as
``parley --data-dir DATA_DIR`` does (``app.cli.main``), with one addition: an application-wide
event filter that prints a line the first time the ``MainWindow`` is exposed (drawn on
screen; offscreen here). The model keeps loading in the background meanwhile, as it does for
a user, and is not part of the time; once it has loaded the child closes the window, so the
app quits as a user would. (Closing the window while the model still loads is a different
story: see ``LOADED_TIMEOUT_S``.) The line goes to a copy of stdout taken first thing,
because llama-cpp-python points file descriptors 1 and 2 at /dev/null for the whole process
while it loads a model.

The first start creates the profile and warms the file cache; it is reported, not counted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import child_env, median

SHOWN = "PARLEY-WINDOW-SHOWN"
# Quit once the model has loaded (or after this long): closing sooner made the app abort on exit
# ("QThread: Destroyed while thread is still running") and leave its crash marker behind.
LOADED_TIMEOUT_S = 120


def launch(data_dir: Path) -> int:
    """Run the app over ``data_dir``; print ``SHOWN`` when its window is exposed, then quit."""
    import os

    shown_out = os.fdopen(os.dup(sys.stdout.fileno()), "w")  # before llama.cpp can redirect fd 1
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.application import create_application
    from app.cli import main
    from app.ui.main_window import MainWindow

    app = create_application()

    class ShownWatcher(QObject):
        """Prints once, at the first Expose event after which a MainWindow is exposed; then
        closes the window once the model has loaded."""

        window: MainWindow | None = None
        deadline = 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if self.window is None and event.type() == QEvent.Type.Expose:
                self.window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                                    and w.windowHandle() is not None and w.windowHandle().isExposed()), None)
                if self.window is not None:
                    print(SHOWN, file=shown_out, flush=True)
                    self.deadline = time.monotonic() + LOADED_TIMEOUT_S
                    QTimer.singleShot(0, self.close_when_loaded)
            return False

        def close_when_loaded(self) -> None:
            assert self.window is not None
            loader = self.window.controller.loader
            if loader.loading and time.monotonic() < self.deadline:
                QTimer.singleShot(50, self.close_when_loaded)
            else:
                app.closeAllWindows()

    watcher = ShownWatcher()
    app.installEventFilter(watcher)
    return main(["--data-dir", str(data_dir)])


def start_once(data_dir: Path, timeout_s: float = LOADED_TIMEOUT_S + 60) -> float:
    """Milliseconds from just before ``Popen`` to the child's line saying the window is shown."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "bench.startup", "--launch", str(data_dir)],
                                 stdout=subprocess.PIPE, stderr=errors, text=True, env=child_env())
        shown_ms = None
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == SHOWN:
                shown_ms = (time.perf_counter() - started) * 1000
                break
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if shown_ms is None:
            errors.seek(0)
            tail = "\n".join(errors.read().splitlines()[-10:])
            raise RuntimeError(f"the app never showed its window (exit status {child.returncode}):\n{tail}")
        return shown_ms


def measure_startup(runs: int = 3) -> dict[str, Any]:
    """``startup.window_ms``: the median of ``runs`` starts over one profile (after a first one)."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-start-") as temp:
        data_dir = Path(temp) / "data"
        first = start_once(data_dir)
        samples = [start_once(data_dir) for _ in range(runs)]
    return {"window_ms": median(samples), "first_start_ms": round(first, 1),
            "runs_ms": [round(x, 1) for x in samples]}


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.startup --launch DATA_DIR`` (the child), or measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup")
    parser.add_argument("--launch", type=Path, metavar="DATA_DIR", help="be the child: start the app")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.launch:
        return launch(args.launch)
    print(measure_startup(args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

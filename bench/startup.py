"""Start-up time: from just before the process is started to the moment its main window is exposed.

The child is ``parley gui --self-test`` (``app.ui.startup_check``): the app started as a user
starts it, printing a line the first time its main window is exposed (drawn; offscreen here).
The model keeps loading in the background meanwhile, as it does for a user, and is not part of
the time; once it has loaded the child closes the window and quits, as a user would.

The same measurement times the packaged app (``tests/package``), given its command.
The first start creates the profile and warms the file cache; it is reported, not counted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.ui.startup_check import LOAD_TIMEOUT_S, WINDOW_SHOWN
from bench.common import child_env, median


def source_command(data_dir: Path) -> list[str]:
    """Parley from this checkout, over ``data_dir``, checking its own start-up."""
    return [sys.executable, "-m", "app", "gui", "--self-test", "--data-dir", str(data_dir)]


def start_once(command: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None,
               timeout_s: float = 2 * LOAD_TIMEOUT_S + 60) -> float:
    """Milliseconds from just before starting ``command`` (a ``--self-test`` start) to its line
    saying the window is shown. RuntimeError if it never says so, its check fails, or it runs
    past ``timeout_s`` (then it is killed)."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                 env=dict(env) if env is not None else child_env(), cwd=cwd)
        shown_ms: list[float] = []

        def read_lines() -> None:  # in a thread, so a child that hangs cannot hold this one
            assert child.stdout is not None
            for line in child.stdout:
                if not shown_ms and line.strip() == WINDOW_SHOWN:
                    shown_ms.append((time.perf_counter() - started) * 1000)

        reader = threading.Thread(target=read_lines, daemon=True)
        reader.start()
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        reader.join(timeout=10)
        if not shown_ms or child.returncode != 0:
            errors.seek(0)
            tail = "\n".join(errors.read().splitlines()[-10:])
            raise RuntimeError(f"the app's start-up check failed (window shown: {bool(shown_ms)}, "
                               f"exit status {child.returncode}):\n{tail}")
        return shown_ms[0]


def measure_startup(runs: int = 3, command: Callable[[Path], list[str]] = source_command,
                    env: Mapping[str, str] | None = None, cwd: Path | None = None) -> dict[str, Any]:
    """``startup.window_ms``: the median of ``runs`` starts over one profile (after a first one)."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-start-") as temp:
        data_dir = Path(temp) / "data"
        first = start_once(command(data_dir), env, cwd)
        samples = [start_once(command(data_dir), env, cwd) for _ in range(runs)]
    return {"window_ms": median(samples), "first_start_ms": round(first, 1),
            "runs_ms": [round(x, 1) for x in samples]}


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.startup [--runs N]``: measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(measure_startup(args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Memory: what the app costs on top of the model it holds.

Two fresh processes, each measured by its own resident memory (VmRSS in /proc/self/status):
the app (``--app-child``: the real window shown, the bundled model loaded by
``LlamaEngine`` on its worker thread) and a plain script holding the same model with the
same ``Llama(...)`` arguments, the same context length included (``raw_llama.RawProcess``).
``app_overhead_mb`` is the first minus the second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.core.settings import Settings
from bench.common import median, print_child_result, rss_mb, run_child
from bench.raw_llama import RawProcess, llama_params


def app_child(data_dir: Path, model_path: Path) -> dict[str, Any]:
    """In a fresh process: open the app with the model loaded and the window shown; its memory."""
    from app.engine.llama_engine import LlamaEngine
    from bench.qt_session import BenchSession, pause, wait_until

    session = BenchSession(data_dir, model_path, LlamaEngine)
    try:
        handle = session.window.windowHandle()
        wait_until(lambda: handle is not None and handle.isExposed(), 30, "the window to be shown")
        pause(0.5)  # let the first paint and any deferred work happen
        info = session.controller.model_info
        return {"rss_mb": round(rss_mb(), 1), "gpu_layers": info.gpu_layers if info else 0,
                "n_ctx": info.n_ctx if info else None}
    finally:
        session.close()


def measure_memory(model_path: Path, runs: int = 1) -> dict[str, Any]:
    """``memory.app_overhead_mb``: the app's resident memory minus the plain script's (medians)."""
    apps, plains = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="parley-bench-mem-") as temp:
            apps.append(run_child("bench.memory", ["--app-child", str(Path(temp) / "data"), str(model_path)]))
        plain = RawProcess(llama_params(Settings(), model_path, int(apps[-1]["gpu_layers"])))
        plains.append(float(plain.loaded["rss_mb"]))
        plain.close()
    app_mb = median([a["rss_mb"] for a in apps])
    plain_mb = median(plains)
    return {"app_overhead_mb": round(app_mb - plain_mb, 1), "app_rss_mb": app_mb, "plain_rss_mb": plain_mb,
            "n_ctx": apps[-1]["n_ctx"], "runs": runs}


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.memory --app-child DATA_DIR MODEL`` (used by ``measure_memory``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--app-child", nargs=2, metavar=("DATA_DIR", "MODEL"), required=True)
    data_dir, model = parser.parse_args(argv).app_child
    from bench.qt_session import quiet_offscreen_warnings

    quiet_offscreen_warnings()
    print_child_result(app_child(Path(data_dir), Path(model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

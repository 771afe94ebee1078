"""Small helpers every benchmark part shares: timing, summaries, the machine, child processes.

No Qt and no llama.cpp here, so the report and the target checks import nothing heavy.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

CHILD_RESULT = "BENCH-RESULT "  # a child process prints its result as this prefix and one JSON line


def progress(text: str) -> None:
    """Tell the person running the benchmark what is happening (stderr, so stdout stays clean)."""
    print(text, file=sys.stderr, flush=True)


def times_ms(action: Callable[[], object], runs: int) -> list[float]:
    """How long ``action`` took, ``runs`` times, in milliseconds."""
    result = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        result.append((time.perf_counter() - start) * 1000)
    return result


def summary_ms(samples: Sequence[float]) -> dict[str, Any]:
    """Median, extremes and count of timings in milliseconds."""
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2),
            "min_ms": round(min(samples), 2), "runs": len(samples)}


def median(samples: Sequence[float], digits: int = 1) -> float:
    """The median of ``samples``, rounded."""
    return round(statistics.median(samples), digits)


def rss_mb() -> float:
    """This process's resident memory (VmRSS from /proc/self/status) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS is not in /proc/self/status (this needs Linux)")


def cpu_busy_percent(seconds: float = 1.0) -> float:
    """How busy every CPU together was over the next ``seconds`` (from /proc/stat), in percent."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total_before, idle_before = sample()
        time.sleep(seconds)
        total_after, idle_after = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    total = total_after - total_before
    return round(100.0 * (1 - (idle_after - idle_before) / total), 1) if total > 0 else 0.0


def wait_for_quiet(max_wait_s: float, busy_below: float = 20.0) -> float:
    """Sample the CPU until it is less than ``busy_below`` percent busy or ``max_wait_s`` have
    passed (other work on the machine skews every timing); the last sample."""
    deadline = time.monotonic() + max_wait_s
    busy = cpu_busy_percent(1.0)
    while busy >= busy_below and time.monotonic() < deadline:
        busy = cpu_busy_percent(2.0)
    return busy


def _first_line_with(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
    except OSError:
        return None
    return None


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    memory = _first_line_with("/proc/meminfo", "MemTotal")
    os_name = _first_line_with("/etc/os-release", "PRETTY_NAME=")
    return {
        "cpu": _first_line_with("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gb": round(int(memory.split()[0]) / 2**20, 1) if memory else None,
        "os": (os_name or "").strip('"') or platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "llama_cpp_python": _version("llama_cpp_python"),
        "pyside6": _version("PySide6"),
        "sqlite": sqlite3.sqlite_version,
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", ""),
    }


def child_env() -> dict[str, str]:
    """The environment for a child process: offscreen Qt, this checkout importable."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    root = str(Path(__file__).absolute().parent.parent)  # not resolved: a linked checkout stays itself
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def run_child(module: str, args: Sequence[str], timeout_s: float = 600,
              show_progress: bool = False) -> dict[str, Any]:
    """Run ``python -m module args`` and return the JSON it printed after ``CHILD_RESULT``
    (with ``show_progress``, what it writes to stderr goes to this process's stderr)."""
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None if show_progress else subprocess.PIPE,
                          text=True, timeout=timeout_s, env=child_env(), check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(CHILD_RESULT):
            return json.loads(line[len(CHILD_RESULT):])
    tail = "\n".join((done.stderr or done.stdout or "").splitlines()[-15:])
    raise RuntimeError(f"{' '.join(command[1:])} exited {done.returncode} without a result:\n{tail}")


def print_child_result(result: dict[str, Any]) -> None:
    """Hand ``result`` to the parent process (see ``run_child``)."""
    print(CHILD_RESULT + json.dumps(result), flush=True)

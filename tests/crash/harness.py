"""Start a driver, kill it with SIGKILL at a seeded random moment, check what it left.

A run waits for the driver's first committed write of this run (so startup is over and the
scenario is working), sleeps a random time within the scenario's kill window, and kills the
process. Runs are grouped in chains that share a data directory, like one user's profile
surviving crash after crash; each driver start then opens the data the last kill left.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests import reliability
from tests.crash.checker import check_after_kill
from tests.crash.journal import read_entries
from tests.crash.workdir import Workdir, write_import_file

ROOT = Path(__file__).resolve().parents[2]
STARTUP_WRITES = {"mark_interrupted"}  # what opening a profile writes: not yet the scenario's work
FIRST_WRITE_TIMEOUT_S = 120.0  # the model loads first; the machine may be busy


@dataclass(frozen=True)
class Scenario:
    """A driver scenario, how late after its first write the kill may come, and for a control
    run, the unsafe writer it uses."""

    name: str
    kill_window_s: float
    unsafe: str | None = None


@dataclass(frozen=True)
class RunReport:
    """One kill and what the checks found."""

    scenario: str
    seed: int
    delay_s: float | None  # None: the driver failed before the kill
    problems: list[str]
    interrupted: int = 0  # replies that were streaming at the kill
    in_flight: tuple[str, ...] = ()  # the writes the kill interrupted

    def describe(self, work: Workdir) -> str:
        """The run, for a failure message (enough to repeat it)."""
        when = "" if self.delay_s is None else f"killed {self.delay_s:.3f} s after its first write, "
        return (f"{self.scenario} seed {self.seed} ({when}files in {work.root}):\n  "
                + "\n  ".join(self.problems))


def _start_driver(scenario: Scenario, work: Workdir, seed: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.crash.driver", scenario.name, str(work.root), str(seed)]
    if scenario.unsafe:
        command += ["--unsafe", scenario.unsafe]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with work.driver_output.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=output)


def _first_write(process: subprocess.Popen[bytes], journal: Path, offset: int) -> bool:
    """Wait until the driver commits its first write after ``offset``; False if it ended first."""
    deadline = time.monotonic() + FIRST_WRITE_TIMEOUT_S
    while process.poll() is None and time.monotonic() < deadline:
        if any(entry["phase"] == "done" and entry["call"] not in STARTUP_WRITES
               for entry in read_entries(journal, offset)):
            return True
        time.sleep(0.01)
    return False


def _driver_failure(work: Workdir, what: str) -> list[str]:
    tail = work.driver_output.read_text(errors="replace")[-2000:] if work.driver_output.exists() else ""
    return [f"the driver {what}; its output ends:\n{tail}"]


def kill_once(scenario: Scenario, work: Workdir, seed: int) -> RunReport:
    """One run: start, kill at a random moment, check. Counted in the reliability report
    unless it is a control run (whose corruption is deliberate)."""
    offset = work.journal.stat().st_size if work.journal.exists() else 0
    delay = random.Random(seed).uniform(0.0, scenario.kill_window_s)
    process = _start_driver(scenario, work, seed)
    try:
        if not _first_write(process, work.journal, offset):
            return RunReport(scenario.name, seed, None, _driver_failure(work, "made no write"))
        time.sleep(delay)
        if process.poll() is not None:
            return RunReport(scenario.name, seed, None, _driver_failure(work, "ended before the kill"))
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    check = check_after_kill(work)
    if scenario.unsafe is None:
        reliability.record("kill_runs")
        if check.problems:
            reliability.record("integrity_failures")
    return RunReport(scenario.name, seed, delay, check.problems, check.interrupted, tuple(check.in_flight))


def run_chain(scenario: Scenario, work: Workdir, seed: int, runs: int) -> list[RunReport]:
    """``runs`` kills over one data directory; stops at the first run with problems (its files
    are kept for a look), and removes the directory when every run passed."""
    work.root.mkdir(parents=True, exist_ok=True)
    if not work.import_file.exists():
        write_import_file(work.import_file)
    reports: list[RunReport] = []
    for number in range(runs):
        reports.append(kill_once(scenario, work, seed * 1000 + number))
        if reports[-1].problems:
            return reports
    if scenario.unsafe is None:
        shutil.rmtree(work.root, ignore_errors=True)
    return reports


def summary(reports: list[RunReport]) -> str:
    """One line about a scenario's runs: how many, how many hit a streaming reply, and which
    writes the kills interrupted."""
    if not reports:
        return "no runs"
    caught = Counter(name for report in reports for name in report.in_flight)
    writes = ", ".join(f"{name} {count}" for name, count in caught.most_common()) or "none"
    return (f"{reports[0].scenario}: {len(reports)} kills, {sum(1 for r in reports if r.interrupted)} "
            f"while a reply streamed; writes in flight at the kill: {writes}")

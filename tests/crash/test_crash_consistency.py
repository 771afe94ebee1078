"""kill -9 at random moments loses nothing committed, tears nothing, and the harness can tell.

``make test`` runs 30 kills across the scenarios; ``make stress`` sets PARLEY_STRESS_RUNS=1000,
shared out in the same proportions. PARLEY_CRASH_SEED changes the seeded kill moments (a failure
names its seed and keeps its files).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from tests.crash.harness import RunReport, Scenario, run_chain, summary
from tests.crash.instrument import UNSAFE_WRITERS
from tests.crash.workdir import Workdir

STRESS_RUNS = int(os.environ.get("PARLEY_STRESS_RUNS", "0"))
SEED = int(os.environ.get("PARLEY_CRASH_SEED", "9"))
CHAIN_LENGTH = 4  # kills on one data directory before a fresh one
CONTROL_RUNS = 4

# Scenario (its kill window: the kill comes up to this long after the first write) and its
# share of make test's kills.
SCENARIOS = {
    "cli-chat": (Scenario("cli-chat", 2.0), 4),
    "cli-import": (Scenario("cli-import", 0.3), 6),
    "settings": (Scenario("settings", 0.4), 8),
    "gui": (Scenario("gui", 3.0), 12),
}
STREAMING = {"cli-chat", "gui"}


def planned_runs(share: int) -> int:
    """This scenario's kills: its share in make test, or its part of PARLEY_STRESS_RUNS."""
    total = sum(runs for _, runs in SCENARIOS.values())
    return max(share, math.ceil(STRESS_RUNS * share / total))


def run_scenario(scenario: Scenario, runs: int, root: Path) -> list[RunReport]:
    """``runs`` kills in chains of CHAIN_LENGTH; fails at the first run that finds a problem."""
    reports: list[RunReport] = []
    for chain in range(math.ceil(runs / CHAIN_LENGTH)):
        work = Workdir(root / f"chain-{chain}")
        reports += run_chain(scenario, work, SEED * 10_000 + chain,
                             min(CHAIN_LENGTH, runs - chain * CHAIN_LENGTH))
        failed = [report for report in reports if report.problems]
        assert not failed, "\n".join(report.describe(work) for report in failed)
    return reports


@pytest.mark.parametrize("name", [pytest.param("cli-chat", marks=pytest.mark.model),
                                  "cli-import", "settings", "gui"])
def test_kill_9_keeps_every_committed_write(name: str, tmp_path: Path) -> None:
    scenario, share = SCENARIOS[name]
    reports = run_scenario(scenario, planned_runs(share), tmp_path)
    print(summary(reports))
    if name in STREAMING:
        assert any(report.interrupted for report in reports), "no kill landed while a reply streamed"


@pytest.mark.parametrize("unsafe", UNSAFE_WRITERS)
def test_the_harness_catches_an_unsafe_writer(unsafe: str, tmp_path: Path) -> None:
    """The control: the same harness, with settings rewritten in place or commits deferred,
    must find the damage (a torn settings file, committed overrides lost)."""
    reports = run_chain(Scenario("settings", 0.4, unsafe), Workdir(tmp_path), SEED, CONTROL_RUNS)
    found = [problem for report in reports for problem in report.problems]
    assert found, f"{len(reports)} kills of an unsafe writer ({unsafe}) went unnoticed"
    expected = "settings file" if unsafe == "settings-in-place" else "committed"
    assert any(expected in problem for problem in found), found

"""Runs fuzz cases in a few long-lived child processes, with a watchdog.

Each child (``tests.fuzz_child``) imports llama.cpp once and loads many mutated files in turn,
reporting each outcome on a pipe. The parent never loads a mutated file itself. A child that dies
(a signal from native code, or an exit) or stays on one case longer than ``case_timeout_s`` (then
it is killed) has that case recorded as such, and a new child carries on from the next case.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_S = 60.0  # a child's first case includes importing llama.cpp, on a busy machine


@dataclass(frozen=True)
class Outcome:
    """How one case ended: ``loaded``, a ParleyError's class name, ``unexpected``, ``timeout``,
    ``signal SIGSEGV`` (or another) or ``exit N``; and the sentence or the child's last words."""

    case: int
    outcome: str
    sentence: str = ""

    @property
    def crashed(self) -> bool:
        return self.outcome.startswith("signal ")


class _Child:
    """One child process working through ``range(start, stop, step)``."""

    def __init__(self, seed: int, start: int, stop: int, step: int, folder: Path) -> None:
        self.next, self.stop, self.step = start, stop, step
        self.log = folder / f"child-{start}.log"
        read, write = os.pipe()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.fuzz_child", str(seed), str(start), str(stop), str(step),
                 str(write), str(folder)],
                cwd=ROOT, pass_fds=(write,), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        os.close(write)
        self.reader, self.pending = read, b""
        self.deadline = time.monotonic() + STARTUP_S

    def read(self, case_timeout_s: float) -> list[Outcome] | None:
        """The outcomes reported since the last read; None at the end of the pipe."""
        chunk = os.read(self.reader, 1 << 16)
        if not chunk:
            return None
        lines = (self.pending + chunk).split(b"\n")
        self.pending = lines.pop()
        outcomes = [Outcome(**json.loads(line)) for line in lines]
        if outcomes:
            self.next = outcomes[-1].case + self.step
            self.deadline = time.monotonic() + case_timeout_s
        return outcomes

    def last_words(self) -> str:
        return self.log.read_text(errors="replace")[-400:].strip()

    def close(self) -> None:
        os.close(self.reader)


def run_cases(count: int, seed: int, children: int, folder: Path, case_timeout_s: float = 10.0,
              ) -> dict[int, Outcome]:
    """Cases ``0..count-1`` of fuzz run ``seed``, in ``children`` processes; every case's outcome."""
    outcomes: dict[int, Outcome] = {}
    running = [_Child(seed, first, count, children, folder) for first in range(min(children, count))]
    while running:
        ready, _, _ = select.select([child.reader for child in running], [], [], 0.5)
        for child in list(running):
            ended: Outcome | None = None
            if child.reader in ready:
                reported = child.read(case_timeout_s)
                if reported is not None:
                    outcomes.update((o.case, o) for o in reported)
                    continue
                code = child.process.wait()
                if child.next < child.stop:  # it died on the case it was working on
                    died = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
                    ended = Outcome(child.next, died, child.last_words())
            elif time.monotonic() > child.deadline:
                child.process.kill()
                child.process.wait()
                ended = Outcome(child.next, "timeout", child.last_words())
            else:
                continue
            child.close()
            running.remove(child)
            if ended is not None:
                outcomes[ended.case] = ended
                if ended.case + child.step < child.stop:
                    running.append(_Child(seed, ended.case + child.step, child.stop, child.step, folder))
    return outcomes

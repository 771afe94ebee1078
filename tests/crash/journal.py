"""The driver's record of what it is writing and what it has committed, and its reading.

Each instrumented write adds two lines: ``{"phase": "intent", ...}`` with the call's arguments
before the app writes, and ``{"phase": "done", ...}`` with its result once the write has
returned (so it is committed), or ``{"phase": "failed"}`` if it raised (and was rolled back).
A line goes to the kernel in one ``os.write`` on an ``O_APPEND`` file: a SIGKILL cannot lose a
line that was written (the page cache outlives the process; no fsync is needed because the
harness kills processes, not the power), and a line cut short by the kill has no newline and
is ignored. An intent without its done is a write that may or may not have happened: the
checker accepts the state before it and the state after it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class Journal:
    """Appends JSON lines to the journal file (safe from several threads)."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, **entry: Any) -> None:
        """Append one entry, tagged with the calling process and thread."""
        entry["thread"] = [os.getpid(), threading.get_ident()]
        os.write(self._fd, (json.dumps(entry) + "\n").encode("ascii"))

    def intent(self, call: str, args: dict[str, Any]) -> None:
        """A write is about to start."""
        self.write(phase="intent", call=call, args=args)

    def done(self, call: str, result: Any) -> None:
        """The write started by the thread's last ``intent`` has returned: it is committed."""
        self.write(phase="done", call=call, result=result)

    def failed(self, call: str) -> None:
        """The write started by the thread's last ``intent`` raised: it was rolled back."""
        self.write(phase="failed", call=call)


@dataclass(frozen=True)
class Call:
    """One journaled write: its arguments and, when it is committed, its result."""

    name: str
    args: dict[str, Any]
    result: Any = None


@dataclass(frozen=True)
class Replay:
    """A journal read back: the committed writes in commit order, and those still in flight."""

    committed: list[Call]
    pending: list[Call]  # at most one per thread: each thread writes one thing at a time


def read_entries(path: Path, offset: int = 0) -> list[dict[str, Any]]:
    """The complete lines of the journal from byte ``offset`` on (a torn last line is left out)."""
    try:
        with path.open("rb") as file:
            file.seek(offset)
            data = file.read()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")[:-1]  # the last piece has no newline: empty, or cut by the kill
    return [json.loads(line) for line in lines]


def replay(path: Path, offset: int = 0) -> Replay:
    """Pair each intent from byte ``offset`` on with its done, thread by thread."""
    open_calls: dict[tuple[int, int], list[dict[str, Any]]] = {}
    committed: list[Call] = []
    for entry in read_entries(path, offset):
        stack = open_calls.setdefault(tuple(entry["thread"]), [])
        if entry["phase"] == "intent":
            stack.append(entry)
        else:
            intent = stack.pop()
            assert intent["call"] == entry["call"], f"journal out of order at {entry}"
            if entry["phase"] == "done":
                committed.append(Call(entry["call"], intent["args"], entry["result"]))
    pending = [Call(intent["call"], intent["args"]) for stack in open_calls.values() for intent in stack]
    return Replay(committed, pending)


def seal(path: Path) -> int:
    """Cut a line the kill left unfinished, so the next process's lines start clean; return the
    journal's length."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        os.truncate(path, end)
    return end

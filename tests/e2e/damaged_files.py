"""Helpers for the damaged-files tests: running Parley as a process with a read-only folder or a
full disk, a history to damage, ways to damage a database, and checks that nothing was lost."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.models import Role
from app.core.store import Store
from app.core.store_files import decoded

REPO = Path(__file__).resolve().parents[2]
CONVERSATIONS = 12
History = dict[int, tuple[str, list[str]]]  # conversation id -> (title, message texts)


# -- running Parley ----------------------------------------------------------------------------


def _file_size_limit(limit: int) -> Callable[[], None]:
    """For a child process: writes past ``limit`` bytes fail with EFBIG, as on a full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _can_mount() -> bool:
    """Whether this (root) process can give a child a private read-only bind mount."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind -o ro / / 2>/dev/null"], check=False)
    return probe.returncode == 0


CAN_MOUNT = _can_mount()


def _read_only_command(folder: Path, command: list[str]) -> list[str]:
    """``command`` run with ``folder`` read-only: a private read-only bind mount when root (whom
    file modes do not stop), else the folder's write permission removed (see ``read_only``)."""
    if os.geteuid() != 0:
        return command
    if not CAN_MOUNT:
        pytest.skip("running as root without a private mount namespace: no way to make a folder read-only")
    return ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder), *command]


def run(args: list[str | Path], *, read_only: Path | None = None, file_limit: int | None = None,
        script: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m app ARGS`` (or ``python -c SCRIPT ARGS``) as a real process, optionally with
    ``read_only`` a read-only folder or writes limited to ``file_limit`` bytes a file."""
    command = [sys.executable, *(["-c", script] if script else ["-m", "app"]), *map(str, args)]
    if read_only is not None:
        command = _read_only_command(read_only, command)
        if os.geteuid() != 0:
            _set_writable(read_only, False)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
                              preexec_fn=_file_size_limit(file_limit) if file_limit is not None else None)
    finally:
        if read_only is not None and os.geteuid() != 0:
            _set_writable(read_only, True)


def _set_writable(folder: Path, writable: bool) -> None:
    for directory in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        directory.chmod(0o755 if writable else 0o555)


def parley(data_dir: Path, *args: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    """``parley ARGS --data-dir DATA_DIR``."""
    return run([*args, "--data-dir", data_dir], **options)  # type: ignore[arg-type]


def listed(result: subprocess.CompletedProcess[str]) -> dict[int, int]:
    """``conversations --json`` output: message count by conversation id."""
    assert result.returncode == 0, result.stderr
    return {row["id"]: row["message_count"] for row in json.loads(result.stdout)}


def warnings_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Every stderr line, each a one-line warning; never a traceback."""
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("parley: warning: ") for line in lines), result.stderr
    return lines


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a process that could not run printed, after checking it exited 1."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parley: error: "), result.stderr
    return lines[0]


# -- the user's files --------------------------------------------------------------------------


def make_history(data_dir: Path, count: int = CONVERSATIONS) -> History:
    """A closed database of ``count`` conversations whose messages span many pages."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "parley.db")
    for number in range(count):
        conversation = store.create_conversation(f"Conversation {number}")
        question = store.add_message(conversation, Role.USER, f"question {number} " + "lorem ipsum " * 150)
        store.add_message(conversation, Role.ASSISTANT, f"answer {number} " + "dolor sit amet " * 150,
                          parent_id=question.id)
    store.close()
    return read_history(data_dir / "parley.db")


def read_history(path: Path) -> History:
    """What ``path`` holds, read without writing to it."""
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    db.text_factory = decoded  # a flipped bit may have left bytes that are not UTF-8
    try:
        history = {cid: (title, []) for cid, title in db.execute("SELECT id, title FROM conversations")}
        for cid, content in db.execute("SELECT conversation_id, content FROM messages ORDER BY id"):
            history[cid][1].append(content)
        return history
    finally:
        db.close()


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def user_files(data_dir: Path) -> dict[str, bytes]:
    """The files in the data folder, by name: not the log's index, which SQLite rebuilds, nor an
    empty log (a read-only reader leaves one)."""
    files = {p.name: p.read_bytes() for p in data_dir.iterdir()
             if p.is_file() and not p.name.endswith("-shm")}
    return {name: content for name, content in files.items() if content or not name.endswith("-wal")}


def assert_nothing_deleted(before: dict[str, bytes], data_dir: Path) -> None:
    """Every file that was there still is, or was set aside under a longer name, byte for byte."""
    after = {p.name: p for p in data_dir.iterdir() if p.is_file()}
    for name, content in before.items():
        if name in after:
            continue
        copies = [p for other, p in after.items() if other.startswith(name + ".")]
        assert any(p.read_bytes() == content for p in copies), f"{name} is gone"


def kept_copy(data_dir: Path, pattern: str) -> Path:
    (kept,) = data_dir.glob(pattern)
    return kept


def assert_salvaged(data_dir: Path, original: History, shown: dict[int, int], exact: bool = True) -> None:
    """What the new database holds came from the old one (unchanged when ``exact``: a random bit
    flip may have changed a letter of what was saved), and it is healthy."""
    now = read_history(data_dir / "parley.db")
    assert set(now) == set(shown) <= set(original)
    for cid, (title, messages) in now.items():
        assert len(messages) <= len(original[cid][1])
        if exact:
            assert title == original[cid][0] and messages == original[cid][1][:len(messages)]
    assert integrity(data_dir / "parley.db") == "ok"


# -- damaging a database -----------------------------------------------------------------------


def _pages(path: Path) -> tuple[bytearray, int]:
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    return data, 65536 if size == 1 else size


def leaf_pages(path: Path) -> list[int]:
    """Offsets of the table leaf pages (b-tree pages holding rows), page 1 left out."""
    data, size = _pages(path)
    return [offset for offset in range(size, len(data), size) if data[offset] == 0x0D]


def flip_bits(path: Path, seed: int, flips: int = 40) -> None:
    """Flip ``flips`` random bits anywhere past the first page."""
    data, size = _pages(path)
    rng = random.Random(seed)
    for _ in range(flips):
        where = rng.randrange(size, len(data))
        data[where] ^= 1 << rng.randrange(8)
    path.write_bytes(data)


def misreport_fragmentation(path: Path) -> None:
    """Readable, but inconsistent: a leaf page's count of fragmented bytes is wrong."""
    data, _ = _pages(path)
    data[leaf_pages(path)[-1] + 7] ^= 0x40
    path.write_bytes(data)


def scramble_cell_pointers(path: Path) -> None:
    """Unreadable in part: a leaf page's cell pointers point outside the page."""
    data, _ = _pages(path)
    offset = leaf_pages(path)[len(leaf_pages(path)) // 2]
    data[offset + 8:offset + 16] = b"\xff" * 8
    path.write_bytes(data)


def check(path: Path) -> str:
    """``PRAGMA integrity_check`` on a copy of ``path`` (a read-only connection skips the CHECK
    constraints, where a flipped letter in a status shows)."""
    copy = path.with_name(path.name + ".check")
    shutil.copyfile(path, copy)
    db = sqlite3.connect(copy)
    db.text_factory = decoded
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # a damaged schema's names may not be text
        return str(exc)
    finally:
        db.close()
        for leftover in copy.parent.glob(copy.name + "*"):
            leftover.unlink()

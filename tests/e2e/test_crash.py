"""kill -9 in the middle of a reply: committed text survives and the database stays intact."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.models import MessageStatus, Role
from app.paths import AppPaths
from app.profile import open_profile

pytestmark = pytest.mark.model


def reply_text(database: Path) -> str | None:
    """Read the newest assistant row through a separate read-only connection."""
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        row = db.execute("SELECT content FROM messages WHERE role = 'assistant' "
                         "ORDER BY id DESC LIMIT 1").fetchone()
        db.close()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


@pytest.mark.parametrize("run", range(3))
def test_kill_during_streaming_keeps_committed_text(data_dir: Path, run: int) -> None:
    database = data_dir / "parley.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "chat", "--data-dir", str(data_dir), "--set",
         "max_tokens=3000", "--set", "seed=1", "Write a very long story about the sea."],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = ""
    deadline = time.monotonic() + 120
    while len(seen) < 40 and time.monotonic() < deadline and process.poll() is None:
        seen = reply_text(database) or ""
        time.sleep(0.05)
    assert len(seen) >= 40, "the reply never appeared in the database while streaming"
    time.sleep(random.uniform(0.0, 1.0))
    seen = reply_text(database) or seen
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    profile = open_profile(AppPaths.from_data_dir(data_dir))  # as the next start would
    try:
        assert profile.store.integrity_check() == "ok"
        conversation = profile.store.list_conversations()[0]
        user, reply = profile.store.messages(conversation.id)
        assert (user.role, user.content) == (Role.USER, "Write a very long story about the sea.")
        assert reply.content.startswith(seen)  # nothing committed was lost
        assert reply.status is MessageStatus.INTERRUPTED
        assert reply.stats.seed == 1 and reply.stats.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    finally:
        profile.close()


def test_kill_while_loading_a_model_is_remembered_at_the_next_start(
        data_dir: Path, model_path: Path, open_session, qtbot) -> None:
    """The process dies mid-load; the next start does not load that model, and says why."""
    marker = AppPaths.from_data_dir(data_dir).load_marker_file
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "chat", "--data-dir", str(data_dir), "--model", str(model_path),
         "--set", "n_ctx=131072", "--set", "use_mmap=false", "hello"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert marker.exists(), "the load ended before the process could be killed"

    session = open_session(wait_for_model=False, model=model_path)
    qtbot.waitUntil(session.window.error_banner.isVisible, timeout=10_000)
    assert (f"closed unexpectedly while loading {model_path.name}"
            in session.window.error_banner.text())
    assert session.controller.model_info is None and not session.controller.loader.loading

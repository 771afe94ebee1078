"""kill -9 while a model loads: the next start remembers it and does not load that model again.

Killing the app while it writes (replies, settings, renames, trash, imports) is the crash
harness's job: see ``tests/crash``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.paths import AppPaths

pytestmark = pytest.mark.model


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

"""``parley gui --self-test``: the check a build runs on a machine with nobody watching."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from app.ui.startup_check import (
    CANNOT_START,
    MODEL_FAILED,
    MODEL_LOADED,
    NEVER_SHOWN,
    WINDOW_SHOWN,
    StartupCheck,
)
from bench.common import child_env
from bench.startup import start_once

pytestmark = pytest.mark.model


def self_test(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *argv], capture_output=True, text=True, timeout=180,
                          env=child_env(), check=False)


def test_it_reports_the_window_and_the_model_then_quits(tmp_path: Path) -> None:
    done = self_test("gui", "--self-test", "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == WINDOW_SHOWN
    assert lines[1] == f"{MODEL_LOADED}: SmolLM2-135M-Instruct.Q4_1.gguf"
    assert not (tmp_path / "data" / "parley.db-wal").exists()  # closed as a user closes it


def test_a_model_that_fails_fails_the_check_with_its_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    done = self_test("--model", str(broken), "gui", "--self-test", "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        WINDOW_SHOWN, f"{MODEL_FAILED}: The model file broken.gguf is not a GGUF model file; "
                      "Parley runs models in llama.cpp's GGUF format."]


def test_the_start_up_benchmark_times_it_and_refuses_a_failed_check(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "app", "gui", "--self-test", "--data-dir", str(tmp_path / "d")]
    assert start_once(command) > 0
    (tmp_path / "bad.gguf").write_bytes(b"x")
    with pytest.raises(RuntimeError, match="start-up check failed"):
        start_once([*command[:3], "--model", str(tmp_path / "bad.gguf"), *command[3:]])


def test_a_start_that_fails_is_reported_without_a_dialog_nobody_can_close(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = self_test("gui", "--self-test", "--data-dir", str(blocker / "data"))
    assert done.returncode == 1
    assert done.stdout.startswith(f"{CANNOT_START}: ")


def test_a_model_name_that_is_not_found_gives_its_reason(tmp_path: Path) -> None:
    done = self_test("gui", "--model", "no-such-model", "--self-test", "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 1
    reason = done.stdout.splitlines()[1].removeprefix(f"{MODEL_FAILED}: ")
    assert "no-such-model" in reason and reason != "no reason given"


def test_a_window_that_is_never_shown_ends_the_check(open_session) -> None:
    session = open_session()
    session.window.hide()
    out = io.StringIO()
    check = StartupCheck(session.window, out, timeout_s=0.05)
    QTest.qWait(300)
    assert out.getvalue() == f"{NEVER_SHOWN}\n" and not check.passed
    assert not session.window.isVisible()

"""A real OpenAI-compatible server for tests: llama-cpp-python's own (``python -m llama_cpp.server``,
from its ``server`` extra) serving the bundled model on 127.0.0.1, its log in a file."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.http_server import closed_port

START_TIMEOUT_S = 120


@contextmanager
def llama_server(model: Path, log_dir: Path, n_ctx: int = 2048) -> Iterator[str]:
    """Run the server until the block ends; yields its base URL (``http://127.0.0.1:PORT/v1``)."""
    port = closed_port()
    log_path = log_dir / "llama-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", str(n_ctx)],
            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n"
                        f"{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"llama_cpp.server did not answer within {START_TIMEOUT_S} s:\n"
                f"{log_path.read_text()[-3000:]}")

"""``parley serve`` end to end: a real process with the real bundled model, called with the
official ``openai`` client, then stopped with SIGTERM."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openai
import pytest

pytestmark = pytest.mark.model

URL_LINE = "Parley API server: "
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(*args: str | Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str | None]]]:
    """``parley serve ARGS`` running, with its stdout lines arriving in a queue; killed if still up."""
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # the process closed its output

    threading.Thread(target=pump, daemon=True).start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def wait_for_line(lines: queue.Queue[str | None], prefix: str, timeout: float = 120) -> str:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            raise AssertionError(f"no line starting {prefix!r}; saw {seen}")
        seen.append(line)
        if line.startswith(prefix):
            return line[len(prefix):]


def test_serve_answers_the_openai_client_and_stops_on_sigterm(data_dir: Path) -> None:
    port = free_port()
    with serve("--data-dir", data_dir, "--port", str(port)) as (process, lines):
        url = wait_for_line(lines, URL_LINE)
        assert url == f"http://127.0.0.1:{port}/v1"
        token_file = data_dir / "api-token"
        assert wait_for_line(lines, "Bearer token: ") == f"in {token_file}"
        token = token_file.read_text().strip()
        assert oct(token_file.stat().st_mode & 0o777) == "0o600" or os.name == "nt"

        client = openai.OpenAI(base_url=url, api_key=token, max_retries=0, timeout=120)
        assert [m.id for m in client.models.list().data] == [MODEL_NAME]
        reply = client.chat.completions.create(
            model=MODEL_NAME, messages=[{"role": "user", "content": "Say hello."}], max_tokens=8)
        assert reply.choices[0].message.content.strip()
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()

        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert process.stderr is not None and "Traceback" not in process.stderr.read()


def test_serve_shows_the_token_only_when_asked(data_dir: Path) -> None:
    with serve("--data-dir", data_dir, "--port", str(free_port()), "--show-token") as (process, lines):
        shown = wait_for_line(lines, "Bearer token value: ")
        assert shown == (data_dir / "api-token").read_text().strip()
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0


@pytest.mark.parametrize("args, message", [
    (["--model", "/no/such/model.gguf"], "does not exist"),
    (["--port", "80"], "api_port cannot be 80"),
])
def test_serve_fails_with_one_line(data_dir: Path, args: list[str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "app", "serve", "--data-dir", str(data_dir), *args],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode in (1, 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parley: error: ") and message in lines[0]


def test_serve_refuses_a_taken_port(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "app", "serve", "--data-dir", str(data_dir),
                                 "--port", str(port)],
                                capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"parley: error: Port {port} is in use; choose another port in "
                                     "Settings → Local API server.")

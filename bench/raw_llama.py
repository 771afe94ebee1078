"""Plain llama-cpp-python, set up the way the app sets up its model: the baseline it is held to.

``llama_params`` gives the ``Llama(...)`` arguments ``LlamaEngine.load`` uses for the same
settings (threads, batch threads, context, batch, flash attention, mmap, mlock).
``stream_chat`` is the simplest streaming loop over ``create_chat_completion`` with the
app's sampling settings.

The baseline runs in a child process of its own (``RawProcess``, which talks to
``python -m bench.raw_llama`` through JSON lines), importing nothing but llama-cpp-python,
so its memory is the model's alone. It must not share the benchmark's process either:
llama.cpp's CPU backend uses OpenMP, and libgomp stops spin-waiting once a process holds
more OpenMP threads than there are cores, so a second model computing on another thread of
one process made *both* three times slower on a 2-core machine. The parent only tokenizes,
with a vocabulary-only model (``vocabulary``), which computes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import llama_cpp

from bench.common import child_env, rss_mb

SAMPLING = ("temperature", "top_k", "top_p", "min_p", "typical_p", "repeat_penalty", "presence_penalty",
            "frequency_penalty", "mirostat_mode", "mirostat_tau", "mirostat_eta", "max_tokens")


def llama_params(settings: Mapping[str, Any], model_path: Path, gpu_layers: int = 0) -> dict[str, Any]:
    """``Llama(...)`` keyword arguments matching what ``LlamaEngine.load`` passes for ``settings``."""
    import os

    from app.engine.llama_engine import default_thread_count

    threads = int(settings["n_threads"]) or default_thread_count()
    return {
        "model_path": str(model_path), "n_ctx": int(settings["n_ctx"]), "n_threads": threads,
        "n_threads_batch": int(settings["n_threads_batch"]) or os.cpu_count() or threads,
        "n_batch": int(settings["n_batch"]), "flash_attn": bool(settings["flash_attn"]),
        "use_mmap": bool(settings["use_mmap"]), "use_mlock": bool(settings["use_mlock"]),
        "n_gpu_layers": gpu_layers, "last_n_tokens_size": int(settings["repeat_last_n"]),
        "verbose": False,
    }


def sampling_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The sampling arguments of ``create_chat_completion`` from ``settings``."""
    values = {name: settings[name] for name in SAMPLING}
    values["stop"] = list(settings["stop"]) or None
    return values


def vocabulary(model_path: Path) -> llama_cpp.Llama:
    """The model's tokenizer alone (no weights, no computing), for counting tokens."""
    return llama_cpp.Llama(str(model_path), vocab_only=True, n_ctx=64, verbose=False)


def count_tokens(llama: llama_cpp.Llama, text: str) -> int:
    """Tokens in ``text`` by the model's tokenizer (as the app counts a reply's tokens)."""
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)) if text else 0


@dataclass
class StreamRun:
    """One streamed reply: its text and when its first and last pieces arrived."""

    text: str
    tokens: int
    first_text: str
    first_at: float
    last_at: float
    tokens_per_s: float


def stream_chat(llama: llama_cpp.Llama, messages: list[dict[str, str]], sampling: Mapping[str, Any],
                seed: int) -> StreamRun:
    """Stream a chat reply; tokens after the first piece over the time from the first to the last."""
    stream = llama.create_chat_completion(messages=messages, stream=True, seed=seed, **sampling)
    pieces: list[str] = []
    first_at = last_at = 0.0
    for chunk in stream:
        piece = chunk["choices"][0]["delta"].get("content")  # type: ignore[index]
        if piece:
            last_at = time.perf_counter()
            first_at = first_at or last_at
            pieces.append(piece)
    text = "".join(pieces)
    tokens = count_tokens(llama, text)
    counted = tokens - count_tokens(llama, pieces[0]) if pieces else 0
    rate = counted / (last_at - first_at) if last_at > first_at else 0.0
    return StreamRun(text, tokens, pieces[0] if pieces else "", first_at, last_at, rate)


class RawProcess:
    """A child process holding a plain ``Llama(**params)``; ask it to stream replies, one at a time."""

    def __init__(self, params: dict[str, Any], sampling: dict[str, Any] | None = None) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "bench.raw_llama"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=child_env())
        self.loaded = self._ask({"params": params, "sampling": sampling or {}})

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._child.stdin is not None and self._child.stdout is not None
        self._child.stdin.write(json.dumps(request) + "\n")
        self._child.stdin.flush()
        for line in self._child.stdout:
            if line.startswith("{"):
                answer = json.loads(line)
                if "error" in answer:
                    raise RuntimeError(f"the plain llama-cpp-python process failed: {answer['error']}")
                return answer
        raise RuntimeError(f"the plain llama-cpp-python process ended (status {self._child.wait()})")

    def stream(self, messages: list[dict[str, str]], seed: int) -> StreamRun:
        """One streamed reply to ``messages`` with the sampling values the process was given."""
        return StreamRun(**self._ask({"messages": messages, "seed": seed}))

    def close(self) -> None:
        """End the child process."""
        if self._child.stdin is not None:
            self._child.stdin.close()
        try:
            self._child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()


def serve() -> None:
    """The child's side of ``RawProcess``: the first line loads, each later line streams a reply."""
    llama = None
    sampling: dict[str, Any] = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if llama is None:
                llama, sampling = llama_cpp.Llama(**request["params"]), request["sampling"]
                answer: dict[str, Any] = {"rss_mb": round(rss_mb(), 1)}
            else:
                answer = asdict(stream_chat(llama, request["messages"], sampling, int(request["seed"])))
        except Exception as exc:  # the parent reports it; this process only answers
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    if llama is not None:
        llama.close()


if __name__ == "__main__":
    serve()

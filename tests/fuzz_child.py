"""A fuzz-test child process: loads mutated copies of the tiny model through Parley's own loading
path (``LlamaEngine.load``: the header check, then llama.cpp) and reports each outcome on a pipe.

    python -m tests.fuzz_child SEED START STOP STEP FD FOLDER

It runs cases ``range(START, STOP, STEP)`` of fuzz run ``SEED`` (see ``tests.gguf_mutations``),
writing one JSON line per case to file descriptor ``FD``: the case, its outcome (``loaded``, the
ParleyError's class name, or ``unexpected`` for any other exception) and the sentence. A case that
kills the process (a signal from native code) or hangs reports nothing: the parent
(``tests.fuzz_pool``) notices, records it and starts a new child from the next case.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from app.core.chat_templates import MODEL_TEMPLATE
from app.core.errors import ParleyError
from app.core.generation import ChatMessage, LoadRequest
from app.core.settings import Settings
from app.engine.llama_engine import LlamaEngine
from tests.gguf_mutations import fuzz_case

# One thread each: the parent runs a child per core. No GPU: the same cases everywhere.
SETTINGS = Settings({"n_ctx": 256, "n_batch": 64, "n_threads": 1, "n_threads_batch": 1, "n_gpu_layers": 0})


def load_one(engine: LlamaEngine, path: Path) -> tuple[str, str]:
    """Load ``path`` and count a short prompt's tokens with it (the model's own template and
    vocabulary); the outcome and the sentence, if it failed."""
    try:
        engine.load(LoadRequest(path, SETTINGS), lambda _progress: None)
        engine.count_tokens([ChatMessage("user", "Hello, world")], MODEL_TEMPLATE)
        return "loaded", ""
    except ParleyError as exc:
        return type(exc).__name__, str(exc)
    except Exception as exc:  # not a sentence: the test reports it as a bug
        return "unexpected", f"{type(exc).__name__}: {exc}"
    finally:
        engine.unload()


def main(argv: list[str]) -> None:
    seed, start, stop, step, fd = map(int, argv[:5])
    path = Path(argv[5]) / f"case-{os.getpid()}.gguf"
    engine = LlamaEngine()
    with os.fdopen(fd, "w", buffering=1) as report:
        for case in range(start, stop, step):
            path.write_bytes(fuzz_case(case, seed)[0])
            outcome, sentence = load_one(engine, path)
            report.write(json.dumps({"case": case, "outcome": outcome, "sentence": sentence}) + "\n")
    path.unlink(missing_ok=True)


if __name__ == "__main__":
    main(sys.argv[1:])

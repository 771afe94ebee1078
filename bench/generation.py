"""Generation speed: plain llama-cpp-python against the whole app, side by side.

Both use the bundled model with the app's default settings (the same threads, context, batch
and sampling values), the same prompt and the same fixed seed, so they write the same reply.
Runs alternate (raw, app, app, raw, ...) so that a drift in the machine's speed touches both.

- raw: ``Llama.create_chat_completion(stream=True)`` in a child process (see ``raw_llama``
  for why it cannot share this process); tokens after the first piece divided by the time
  from the first piece to the last.
- app: ``controller.send`` in a new chat of the real window, the model on the app's
  ``EngineWorker`` thread; tokens shown after the first streamed update divided by the time
  from the first to the last streamed update, both seen on the GUI thread.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from app.core.settings import Settings
from app.engine.llama_engine import LlamaEngine
from bench.common import median, progress, wait_for_quiet
from bench.qt_session import BenchSession, ReplyTiming, pause
from bench.raw_llama import RawProcess, StreamRun, count_tokens, llama_params, sampling_values, vocabulary

PROMPT = ("Write a very long, detailed story about a dragon, a knight and a village, "
          "with many chapters and dialogue.")
SEED = 1234


def app_rate(llama: Any, timing: ReplyTiming) -> dict[str, Any]:
    """Tokens per second of one app reply as the GUI thread saw it (tokenized like the app does)."""
    message = timing.message
    stats = message.stats if message else None
    shown = count_tokens(llama, timing.last_text) - count_tokens(llama, timing.first_text)
    span = (timing.last_at or 0.0) - (timing.first_at or 0.0)
    return {"tokens": stats.completion_tokens if stats else None, "tokens_after_first_update": shown,
            "tokens_per_s": round(shown / span, 1) if span > 0 else 0.0,
            "engine_tokens_per_s": round(stats.tokens_per_s or 0.0, 1) if stats else None,
            "gui_updates": timing.updates, "text": message.content if message else "",
            "background_s": timing.extra.get("background_s")}


def measure_generation(model_path: Path, repetitions: int = 3, max_tokens: int = 1000,
                       wait_quiet_s: float = 0) -> dict[str, Any]:
    """``generation.*``: raw and app tokens per second (medians) and their ratio; before each
    pair of runs, wait up to ``wait_quiet_s`` for the machine to be quiet."""
    settings = Settings().with_changes([("max_tokens", max_tokens), ("seed", SEED)])
    messages = [{"role": "system", "content": settings["system_prompt"]}, {"role": "user", "content": PROMPT}]
    raw_runs: list[StreamRun] = []
    busy: list[float] = []  # percent of the CPU other processes used before each pair
    app_runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="parley-bench-gen-") as temp:
        session = BenchSession(Path(temp) / "data", model_path, LlamaEngine)
        info = session.controller.model_info
        params = llama_params(settings, model_path, info.gpu_layers if info else 0)
        raw_process: RawProcess | None = None
        vocab: Any = None
        try:
            vocab = vocabulary(model_path)
            raw_process = RawProcess(params, sampling_values(settings))
            session.set_defaults(max_tokens=max_tokens, seed=SEED)
            for repetition in range(repetitions + 1):  # the first pair warms both up
                busy.append(wait_for_quiet(wait_quiet_s))
                for kind in ("raw", "app") if repetition % 2 == 0 else ("app", "raw"):
                    if kind == "raw":
                        raw_runs.append(raw_process.stream(messages, SEED))
                    else:
                        session.controller.new_conversation()
                        pause(0.2)
                        app_runs.append(app_rate(vocab, session.send(PROMPT)))
                last_raw, last_app = raw_runs[-1], app_runs[-1]
                progress(f"  generation {repetition}/{repetitions}: raw {last_raw.tokens_per_s:.1f} tok/s "
                         f"({last_raw.tokens} tokens), app {last_app['tokens_per_s']:.1f} tok/s "
                         f"({last_app['tokens']} tokens)")
        finally:
            for resource in (raw_process, vocab):
                if resource is not None:
                    resource.close()
            session.close()
    raw = [run.tokens_per_s for run in raw_runs[1:]]
    app = [run["tokens_per_s"] for run in app_runs[1:]]
    return {
        "raw_tokens_per_s": median(raw), "app_tokens_per_s": median(app),
        "ratio": round(median(app, 4) / median(raw, 4), 3) if median(raw, 4) else None,
        "pair_ratios": [round(a / r, 3) if r else None for a, r in zip(app, raw, strict=True)],
        "app_engine_tokens_per_s": median([r["engine_tokens_per_s"] or 0.0 for r in app_runs[1:]]),
        "raw_tokens": [run.tokens for run in raw_runs[1:]], "app_tokens": [r["tokens"] for r in app_runs[1:]],
        "raw_runs_tokens_per_s": [round(x, 1) for x in raw], "app_runs_tokens_per_s": app,
        "app_gui_updates": [r["gui_updates"] for r in app_runs[1:]], "cpu_busy_before_pairs": busy[1:],
        "app_busy_after_reply_s": [r["background_s"] for r in app_runs[1:]],
        "same_text": all(r["text"].strip() == run.text.strip()
                         for r, run in zip(app_runs, raw_runs, strict=True)),
        "repetitions": repetitions, "max_tokens": max_tokens, "seed": SEED, "prompt": PROMPT,
        "llama_params": {k: v for k, v in params.items() if k != "model_path"},
    }

"""Time to first text: from ``controller.send`` to the first streamed text on the GUI thread.

With the bundled model through the real window and ``LlamaEngine``:

- ``empty_ms``: the first message of a new chat;
- ``followup_ms``: a short follow-up in a chat holding at least 1,500 tokens of history
  (imported, then one message sent to warm up before the follow-ups are timed);
- ``after_switch_ms``: the same after opening another chat and chatting there (so the
  model's KV cache holds something else), then opening the long chat again;
- ``after_restart_ms``: the same in a fresh process (``--restart-child``) over the same
  ``--data-dir``, which reopens the long chat as the last one open.

Before each timed message the benchmark waits ``THINK_S``, as a user reads and types, so
work the app does in the background after opening a chat or loading the model is not
counted against it. Replies are kept short (only their first text is timed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core.models import ConversationRecord
from app.engine.llama_engine import LlamaEngine
from bench.common import median, print_child_result, progress, run_child, wait_for_quiet
from bench.history_data import HistoryGenerator
from bench.qt_session import BenchSession, pause, quiet_offscreen_warnings
from bench.raw_llama import count_tokens, vocabulary

# Each new chat starts with a different question: sending the same one again would find the
# whole prompt in the KV cache, which is not what starting a new chat costs.
FIRST_QUESTIONS = ("What is the capital of France?", "How do plants make food from light?",
                   "Why is the sky blue during the day?", "What does a compiler do?",
                   "How far away is the Moon from Earth?", "Who wrote the play Hamlet?")
WARM_UP = "Please summarise what we have talked about in two sentences."
FOLLOW_UPS = ("Thanks! Can you say a bit more?", "Why is that?", "Give me one example.", "And then?")
OTHER_QUESTION = "Tell me a short joke."
THINK_S = 1.0
MAX_TOKENS = 24
SEED = 77
TEMPLATE_TOKENS = 5  # what the chat template adds around each message


def long_history(vocab: Any, min_tokens: int, seed: int = 1) -> tuple[ConversationRecord, int]:
    """A generated conversation holding at least ``min_tokens`` tokens, ending with a reply."""
    record = HistoryGenerator(seed).conversation(0, 400, branch_chance=0.0)
    total = 0
    for count, message in enumerate(record.messages, start=1):
        total += count_tokens(vocab, message.content) + TEMPLATE_TOKENS
        if total >= min_tokens and count % 2 == 0:
            return replace(record, overrides={}, messages=record.messages[:count]), total
    raise ValueError(f"the generated conversation holds only {total} tokens")


def other_chat() -> ConversationRecord:
    """A short conversation to switch to."""
    return replace(HistoryGenerator(2).conversation(1, 6, branch_chance=0.0), overrides={})


def timed_send(session: BenchSession, text: str, wait_quiet_s: float = 0) -> float:
    """Wait as a user would, send ``text``, and return its time to first text in ms (first waiting
    up to ``wait_quiet_s`` for the machine to be quiet)."""
    wait_for_quiet(wait_quiet_s)
    pause(THINK_S)
    ttft = session.send(text).ttft_ms
    if ttft is None:
        raise RuntimeError(f"no text was streamed for {text!r}")
    return ttft


def measure_ttft(model_path: Path, repetitions: int = 3, history_tokens: int = 1600,
                 wait_quiet_s: float = 0) -> dict[str, Any]:
    """``ttft.*`` medians over ``repetitions``, each scenario as described above."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-ttft-") as temp:
        data_dir = Path(temp) / "data"
        session = BenchSession(data_dir, model_path, LlamaEngine)
        try:
            session.set_defaults(max_tokens=MAX_TOKENS, seed=SEED)
            vocab = vocabulary(model_path)
            record, tokens = long_history(vocab, history_tokens)
            vocab.close()
            empty = []
            for _ in range(repetitions + 1):  # the first warms the app up and is not counted
                session.controller.new_conversation()
                question = FIRST_QUESTIONS[len(empty) % len(FIRST_QUESTIONS)]
                empty.append(timed_send(session, question, wait_quiet_s))
            progress(f"  new chat: {median(empty[1:]):.0f} ms")
            long_id = session.import_conversation(record)
            other_id = session.import_conversation(other_chat())
            session.open(long_id)
            pause(THINK_S)
            warm = session.send(WARM_UP)
            followup = [timed_send(session, FOLLOW_UPS[i % len(FOLLOW_UPS)], wait_quiet_s)
                        for i in range(repetitions)]
            progress(f"  follow-up: {median(followup):.0f} ms")
            switch = []
            for i in range(repetitions):
                session.open(other_id)
                timed_send(session, OTHER_QUESTION)
                session.open(long_id)
                switch.append(timed_send(session, FOLLOW_UPS[i % len(FOLLOW_UPS)], wait_quiet_s))
            progress(f"  after a switch: {median(switch):.0f} ms")
        finally:
            session.close()  # the long chat is open: the next start reopens it
        restarts = [run_child("bench.ttft", ["--restart-child", str(data_dir), str(long_id), str(model_path),
                                             str(wait_quiet_s)]) for _ in range(repetitions)]
        progress(f"  after a restart: {median([r['ttft_ms'] for r in restarts]):.0f} ms")
    stats = warm.message.stats if warm.message else None
    return {
        "empty_ms": median(empty[1:]), "followup_ms": median(followup), "after_switch_ms": median(switch),
        "after_restart_ms": median([r["ttft_ms"] for r in restarts]),
        "history_tokens": tokens, "history_messages": len(record.messages),
        "history_prompt_tokens": stats.prompt_tokens if stats else None,
        "warm_up_ms": round(warm.ttft_ms or 0.0, 1), "busy_after_warm_up_s": warm.extra.get("background_s"),
        "runs_ms": {"empty": [round(x, 1) for x in empty[1:]], "followup": [round(x, 1) for x in followup],
                    "after_switch": [round(x, 1) for x in switch],
                    "after_restart": [round(r["ttft_ms"], 1) for r in restarts]},
        "restart_model_load_s": [r["load_s"] for r in restarts],
        "repetitions": repetitions, "think_s": THINK_S, "max_tokens": MAX_TOKENS,
    }


def restart_child(data_dir: Path, conversation_id: int, model_path: Path,
                  wait_quiet_s: float = 0) -> dict[str, Any]:
    """In a fresh process: open the app over ``data_dir`` and time a follow-up in the chat it reopens."""
    import time

    started = time.perf_counter()
    session = BenchSession(data_dir, model_path, LlamaEngine)
    try:
        loaded_s = time.perf_counter() - started
        if session.controller.current_conversation_id != conversation_id:
            raise RuntimeError(f"the app reopened chat {session.controller.current_conversation_id}, "
                               f"not {conversation_id}")
        ttft = timed_send(session, FOLLOW_UPS[0], wait_quiet_s)
    finally:
        session.close()
    return {"ttft_ms": ttft, "load_s": round(loaded_s, 2)}


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.ttft --restart-child DATA_DIR CONVERSATION_ID MODEL WAIT_QUIET_S``
    (the fresh process ``measure_ttft`` starts)."""
    parser = argparse.ArgumentParser(prog="python -m bench.ttft")
    parser.add_argument("--restart-child", nargs=4, required=True,
                        metavar=("DATA_DIR", "CONVERSATION_ID", "MODEL", "WAIT_QUIET_S"))
    data_dir, conversation_id, model, wait_quiet_s = parser.parse_args(argv).restart_child
    quiet_offscreen_warnings()
    print_child_result(restart_child(Path(data_dir), int(conversation_id), Path(model), float(wait_quiet_s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

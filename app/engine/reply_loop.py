"""The token loop of one reply: sample, stream the text, stop at end of turn, a stop text,
the length limit or the cancel flag.

Parley runs this loop itself instead of ``create_completion`` for three reasons: it keeps the
exact tokens the model wrote (recorded with the reply, so the next prompt matches the KV
cache), its cost per token is constant (``create_completion`` decodes the whole reply again on
every token), and the cancel flag is checked between every two tokens.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import llama_cpp

from app.core.generation import FinishReason


@dataclass
class LoopResult:
    """What the loop produced. ``tokens`` is exactly ``text`` when ``exact``."""

    text: str = ""
    tokens: list[int] = field(default_factory=list)
    exact: bool = True
    finish: FinishReason = FinishReason.STOP
    first_text_at: float | None = None
    generated: int = 0  # tokens sampled (including any cut off by a stop text)


def held_back(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters of ``text`` might be the start of a stop text."""
    longest = 0
    for stop in stops:
        for length in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:length]):
                longest = length
                break
    return longest


def run_reply_loop(llama: llama_cpp.Llama, prompt: list[int], *, sampling: dict[str, Any],
                   seed: int, max_tokens: int, stops: Sequence[str], stopping_criteria: Any,
                   cancel: threading.Event, on_text: Callable[[str], None],
                   grammar: llama_cpp.LlamaGrammar | None = None) -> LoopResult:
    """Generate after ``prompt`` (already evaluated up to its last token) and stream the text."""
    llama.set_seed(seed)
    result = LoopResult()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = ""
    sent = 0
    ends = [0]  # the text length before the first and after each token
    vocab = llama._model.vocab
    tokens = llama.generate(
        prompt, top_k=sampling["top_k"], top_p=sampling["top_p"], min_p=sampling["min_p"],
        typical_p=sampling["typical_p"], temp=sampling["temperature"],
        repeat_penalty=sampling["repeat_penalty"], presence_penalty=sampling["presence_penalty"],
        frequency_penalty=sampling["frequency_penalty"], mirostat_mode=sampling["mirostat_mode"],
        mirostat_tau=sampling["mirostat_tau"], mirostat_eta=sampling["mirostat_eta"],
        stopping_criteria=stopping_criteria, grammar=grammar)
    try:
        for token in tokens:
            if cancel.is_set():
                result.finish = FinishReason.CANCELLED
                break
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            result.generated += 1
            result.tokens.append(token)
            before = len(text)
            text += decoder.decode(llama.detokenize([token]))
            ends.append(len(text))
            cut = _find_stop(text, stops, before)
            if cut is not None:
                text = text[:cut]
                result.exact = cut in ends
                result.tokens = result.tokens[:ends.index(cut)] if result.exact else []
                break
            if len(result.tokens) >= max_tokens:
                result.finish = FinishReason.LENGTH
                break
            shown = len(text) - held_back(text, stops)
            if shown > sent:
                result.first_text_at = result.first_text_at or time.perf_counter()
                on_text(text[sent:shown])
                sent = shown
    finally:
        tokens.close()
    tail = decoder.decode(b"", final=True)
    if tail:
        text += tail
        result.exact = False  # the reply ended inside a multi-byte character
    if len(text) > sent:
        result.first_text_at = result.first_text_at or time.perf_counter()
        on_text(text[sent:])
    result.text = text
    return result


def _find_stop(text: str, stops: Sequence[str], before: int) -> int | None:
    """Where the earliest stop text that the newest piece completed begins, if any."""
    found = [position for stop in stops
             if (position := text.find(stop, max(0, before - len(stop) + 1))) != -1]
    return min(found, default=None)

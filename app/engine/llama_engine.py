"""One llama.cpp model behind a small, thread-agnostic interface.

``LlamaEngine`` is used from exactly one thread (the GUI's engine worker, or the CLI's main
thread): llama.cpp is not thread-safe. It builds prompts with the model's own chat template
(``prompt_tokens``), fits the history into the context window (``app.core.context``), reuses
the KV cache (the prefix it already holds, or a saved state from ``kv_state``), and streams the
reply (``reply_loop``) while honouring a cancel flag both while the prompt is processed (in
small chunks) and while tokens are generated.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import llama_cpp

from app.core.chat_templates import TemplateChoice
from app.core.context import ContextFit, fit_messages, reply_reserve
from app.core.generation import (
    ChatMessage,
    ContextUsage,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    OverflowPolicy,
    ReplyTokens,
    StateCachePolicy,
)
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.kv_cache import common_prefix, file_identity
from app.core.offload import OffloadSupport
from app.engine.gpu import probe_offload
from app.engine.grammars import check_gbnf
from app.engine.kv_state import StateKeeper, context_key, template_key
from app.engine.loading import open_model
from app.engine.prompt_tokens import GenerationError, PromptBuilder
from app.engine.reply_loop import run_reply_loop

__all__ = ["GenerationError", "LlamaEngine", "default_thread_count"]

log = logging.getLogger(__name__)

# Prompt tokens evaluated between two looks at the cancel flag (about 0.2 s on a small CPU).
PREFILL_CHUNK = 64


def batches(start: int, end: int, size: int = PREFILL_CHUNK) -> list[tuple[int, int]]:
    """[start, end) in pieces of at most ``size`` (``size`` + 1 for the last), never one token
    alone unless that is all there is: llama.cpp's CPU kernels compute a token decoded on its
    own slightly differently from one in a batch, and the KV cache must hold what evaluating
    the same tokens afresh would give (so a reply never depends on what was cached)."""
    pieces = [(low, min(low + size, end)) for low in range(start, end, size)]
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] == 1:
        pieces[-2:] = [(pieces[-2][0], end)]
    return pieces


def default_thread_count() -> int:
    """All cores on small machines; half the logical CPUs (about the physical cores) on big ones."""
    cpus = os.cpu_count() or 2
    return cpus if cpus <= 4 else cpus // 2


class LlamaEngine:
    """A loaded llama.cpp model. Not thread-safe: create, use and close it on one thread.

    ``state_dir`` is where conversations' KV states are saved between runs (None: RAM only).
    """

    def __init__(self, state_dir: Path | None = None) -> None:
        self._llama: llama_cpp.Llama | None = None
        self._prompts: PromptBuilder | None = None
        self._states = StateKeeper(state_dir)
        self._recurrent = False
        self._dropped: dict[str, int] = {}  # units each conversation's last prompt left out
        self._batched = 0  # leading KV cells computed in batches (see ``batches``)
        self._reply: _LastReply | None = None  # to settle after it is delivered
        self.info: ModelInfo | None = None

    # -- loading -----------------------------------------------------------------------------

    def load(self, request: LoadRequest, on_progress: Callable[[float], None]) -> ModelInfo:
        """Load ``request.path`` (unloading any previous model first, so two never share memory);
        ModelLoadError or LoadCancelled on failure."""
        self.unload()
        if request.path is None:
            raise GenerationError(QT_TRANSLATE_NOOP("Errors", "No model file was given to load."))
        settings = request.settings
        threads = int(settings["n_threads"]) or default_thread_count()
        params: dict[str, Any] = {
            "model_path": str(request.path), "n_ctx": int(settings["n_ctx"]),
            "n_threads": threads,
            "n_threads_batch": int(settings["n_threads_batch"]) or os.cpu_count() or threads,
            "n_batch": int(settings["n_batch"]), "flash_attn": bool(settings["flash_attn"]),
            "use_mmap": bool(settings["use_mmap"]), "use_mlock": bool(settings["use_mlock"]),
            "verbose": False,
        }
        opened = open_model(request, params, on_progress)
        llama = self._llama = opened.llama
        identity = file_identity(request.path)
        self._prompts = PromptBuilder(llama, identity)
        self._states.model_loaded(context_key(identity, llama, bool(settings["flash_attn"])))
        self._recurrent = bool(llama_cpp.llama_model_is_recurrent(llama.model)
                               or llama_cpp.llama_model_is_hybrid(llama.model))
        self.info = replace(opened.info, identity=identity)
        log.info("loaded %s (n_ctx=%d, %s)", request.path, llama.n_ctx(), self.info.placement)
        return self.info

    @staticmethod
    def offload_support() -> OffloadSupport:
        """Whether this llama.cpp build can offload, and the GPUs it sees now."""
        return probe_offload()

    def unload(self) -> None:
        """Free the model, if one is loaded."""
        if self._llama is not None:
            self._llama.close()
        self._llama = None
        self._prompts = None
        self._dropped = {}
        self._batched = 0
        self._reply = None
        self.info = None

    close = unload

    # -- prompts -----------------------------------------------------------------------------

    def _require_model(self) -> tuple[llama_cpp.Llama, PromptBuilder]:
        if self._llama is None or self._prompts is None:
            raise GenerationError(QT_TRANSLATE_NOOP(
                "Errors", "No model is loaded; choose a model and try again."))
        return self._llama, self._prompts

    def count_tokens(self, messages: Sequence[ChatMessage], template: TemplateChoice) -> int:
        """Tokens the formatted prompt for ``messages`` takes, by the model's own tokenizer."""
        return len(self._require_model()[1].build(messages, template).tokens)

    def _fit(self, messages: Sequence[ChatMessage], template: TemplateChoice, max_tokens: int,
             extra: int = 0) -> tuple[ContextFit, ContextUsage]:
        """How ``messages`` fit the window (``extra`` tokens follow them), as the next prompt
        would: dropping stays where this conversation's last prompt left it while that fits."""
        llama, _ = self._require_model()
        n_ctx = llama.n_ctx()
        budget = n_ctx - reply_reserve(n_ctx, max_tokens) - extra
        fit = fit_messages(messages, lambda kept: self.count_tokens(kept, template), budget,
                           self._dropped.get(_conversation_key(messages), 0))
        usage = ContextUsage(fit.tokens + extra, n_ctx, budget + extra, fit.full_tokens + extra,
                             fit.outside_ids)
        return fit, usage

    def measure(self, messages: Sequence[ChatMessage], template: TemplateChoice, max_tokens: int,
                state_cache: StateCachePolicy | None = None) -> ContextUsage:
        """How much of the context window ``messages`` take as the next prompt (the live meter).

        With ``state_cache``, the conversation's saved state is also restored now if the KV cache
        does not hold it (a chat was opened), so its next message starts at once."""
        fit, usage = self._fit(messages, template, max_tokens)
        if state_cache is not None:
            self._restore_for(self._require_model()[1].build(fit.messages, template).tokens,
                              template, state_cache)
        return usage

    # -- generation --------------------------------------------------------------------------

    def generate(self, request: GenerationRequest,
                 on_text: Callable[[str], None]) -> GenerationResult:
        """Stream a reply to ``request`` through ``on_text``; stop early when cancel is set."""
        llama, prompts = self._require_model()
        grammar = _grammar(request.grammar)  # before any work: a grammar llama.cpp refuses fails here
        n_ctx = llama.n_ctx()
        sampling = request.sampling
        prefix = self._prefix_tokens(request)
        fit, usage = self._fit(request.messages, request.template, int(sampling["max_tokens"]),
                               len(prefix))
        if fit.units_dropped and request.overflow is OverflowPolicy.ASK:
            return GenerationResult("", FinishReason.CONTEXT_FULL, usage.full_tokens, 0, None, None,
                                    len(fit.dropped), context=usage)
        self._dropped[_conversation_key(request.messages)] = fit.units_dropped
        built = prompts.build(fit.messages, request.template)
        prompt = built.tokens + prefix  # continuing a reply: the model picks up after its last token
        started = time.perf_counter()
        try:
            reused = self._reuse(prompt, request)
            if not self._prefill(prompt, reused, request):
                return GenerationResult("", FinishReason.CANCELLED, len(prompt), 0, None, None,
                                        len(fit.dropped), context=usage, reused_tokens=reused)
            llama.last_n_tokens_size = int(sampling["repeat_last_n"])  # read per reply
            loop = run_reply_loop(
                llama, prompt, sampling=sampling, seed=request.seed,
                max_tokens=min(int(sampling["max_tokens"]), n_ctx - len(prompt)),
                stops=_stop_texts(built.formatted.stop, request.template.stops, sampling["stop"]),
                stopping_criteria=built.formatted.stopping_criteria, cancel=request.cancel,
                on_text=on_text, grammar=grammar)
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(QT_TRANSLATE_NOOP(
                "Errors", "llama.cpp failed while generating ({problem}); try again, or lower the "
                          "context length."), problem=exc) from exc
        finished_at = time.perf_counter()
        self._reply = _LastReply(len(prompt), list(loop.tokens) if loop.exact else [], fit.messages,
                                 request.template, request.reply_prefix + loop.text)
        return GenerationResult(
            text=loop.text, finish_reason=loop.finish, prompt_tokens=len(prompt),
            completion_tokens=loop.generated,
            tokens_per_s=_rate(loop.generated, loop.first_text_at, finished_at),
            ttft_ms=(loop.first_text_at - started) * 1000 if loop.first_text_at else None,
            dropped_messages=len(fit.dropped),
            tokens=self._reply_tokens(request, prefix + loop.tokens, loop.exact, loop.text),
            context=usage, reused_tokens=reused,
        )

    def remember_state(self, request: GenerationRequest) -> None:
        """Keep the KV state left by ``request``'s reply for the conversation's next prompt (in
        RAM and, when enabled, on disk). Called after the reply has been delivered."""
        if self._llama is not None and not self._recurrent and request.purpose == "reply":
            self._settle()
            llama = self._llama
            if llama.n_tokens > self._batched:  # keep only cells a fresh evaluation would compute
                llama.n_tokens = self._batched
                llama._ctx.kv_cache_seq_rm(-1, self._batched, -1)
            self._states.remember(self._llama, template_key(request.template.source),
                                  request.state_cache)

    def _settle(self) -> None:
        """Evaluate the last reply's tokens again, in batches: generated one at a time, their
        KV cells differ slightly from what a fresh evaluation of the conversation computes, and
        the next prompt must not depend on which one it gets. The next turn's opening tokens are
        evaluated with them, ahead of time."""
        llama, prompts = self._require_model()
        reply, self._reply = self._reply, None
        if reply is None or self._batched < reply.prompt_length or not reply.tokens:
            return
        opening = prompts.next_turn_opening(reply.messages, reply.template, reply.text)
        held = llama.input_ids[:reply.prompt_length].tolist() + reply.tokens + opening
        if len(held) > llama.n_ctx():
            held = held[:llama.n_ctx()]
        start = reply.prompt_length - 1 if len(held) - reply.prompt_length == 1 else reply.prompt_length
        llama.n_tokens = start
        for low, high in batches(start, len(held)):
            llama.eval(held[low:high])
        self._batched = llama.n_tokens

    def _prefix_tokens(self, request: GenerationRequest) -> list[int]:
        """The tokens of the text a continued reply already has (its recorded ones if known)."""
        if not request.reply_prefix:
            return []
        recorded = request.reply_prefix_tokens
        if recorded is not None and self.info is not None and recorded.model == self.info.identity:
            return list(recorded.ids)
        return self._require_model()[1].tokenize(request.reply_prefix, special=False)

    def _reply_tokens(self, request: GenerationRequest, ids: list[int], exact: bool,
                      text: str) -> ReplyTokens | None:
        """The reply's tokens, if they are exactly its text (checked by decoding them)."""
        llama, _ = self._require_model()
        if not exact or self.info is None:
            return None
        try:
            decoded = llama.detokenize(ids).decode("utf-8") if ids else ""
        except UnicodeDecodeError:
            return None
        return ReplyTokens(self.info.identity, tuple(ids)) \
            if decoded == request.reply_prefix + text else None

    def _reuse(self, prompt: list[int], request: GenerationRequest) -> int:
        """Make the KV cache share as many leading tokens with ``prompt`` as it can (restoring
        a saved state when that beats what it holds); how many can be kept."""
        llama, _ = self._require_model()
        held = self._restore_for(prompt, request.template, request.state_cache)
        if held < llama.n_tokens and self._recurrent:
            held = 0  # recurrent state cannot be rolled back to a prefix
            llama.reset()
        # The last prompt token is evaluated again (in a batch of two) when everything is cached,
        # because sampling needs its logits.
        return max(0, min(held, len(prompt) - 2))

    def _restore_for(self, prompt: list[int], template: TemplateChoice,
                     policy: StateCachePolicy) -> int:
        """Restore the saved state sharing the most with ``prompt`` if it beats what the KV cache
        holds; how many leading tokens the KV cache now shares with it (batch-computed only)."""
        llama, _ = self._require_model()
        held = min(common_prefix(llama.input_ids[: llama.n_tokens].tolist(), prompt), self._batched)
        if not self._recurrent and self._states.restore_best(
                llama, prompt, template_key(template.source), held, policy):
            self._batched = llama.n_tokens  # snapshots are taken settled
            held = common_prefix(llama.input_ids[: llama.n_tokens].tolist(), prompt)
        return held

    def _prefill(self, prompt: list[int], reuse: int, request: GenerationRequest) -> bool:
        """Evaluate ``prompt`` after the ``reuse`` tokens already in the KV cache, in batches;
        False if cancelled."""
        llama, _ = self._require_model()
        log.info("prompt of %d tokens, %d reused", len(prompt), reuse)
        llama.n_tokens = reuse  # eval() drops the KV cache beyond this point
        self._batched = min(self._batched, reuse)
        for low, high in batches(reuse, len(prompt)):
            if request.cancel.is_set():
                return False
            llama.eval(prompt[low:high])
            self._batched = llama.n_tokens
        return True


@dataclass(frozen=True)
class _LastReply:
    """What settling a reply needs: its prompt's length and messages, and its exact tokens."""

    prompt_length: int
    tokens: list[int]
    messages: list[ChatMessage]
    template: TemplateChoice
    text: str


def _grammar(gbnf: str | None) -> llama_cpp.LlamaGrammar | None:
    """``gbnf`` for the sampler, checked first (GrammarError when it cannot be used):
    ``LlamaGrammar.from_string`` does not parse it, and a grammar llama.cpp refuses when the
    sampler is built would crash the process at the first token."""
    if gbnf is None:
        return None
    check_gbnf(gbnf)
    return llama_cpp.LlamaGrammar.from_string(gbnf, verbose=False)


def _conversation_key(messages: Sequence[ChatMessage]) -> str:
    """Names a conversation by its pinned beginning (system prompt and first user message)."""
    head = "\x00".join(f"{m.role}:{m.content}" for m in messages[:2])
    return hashlib.sha256(head.encode()).hexdigest()


def _rate(tokens: int, first_at: float | None, end: float) -> float | None:
    """Generation speed in tokens per second, from the first token to the last."""
    if first_at is None or tokens < 2 or end <= first_at:
        return None
    return (tokens - 1) / (end - first_at)


def _stop_texts(*groups: str | Sequence[str] | None) -> list[str]:
    """Every non-empty stop text from the formatter, the template and the user, once each."""
    texts: list[str] = []
    for group in groups:
        for text in [group] if isinstance(group, str) else group or ():
            if text and text not in texts:
                texts.append(text)
    return texts

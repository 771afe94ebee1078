"""One llama.cpp model behind a small, thread-agnostic interface.

``LlamaEngine`` is used from exactly one thread (the GUI's engine worker, or the CLI's main
thread): llama.cpp is not thread-safe. It formats prompts with the model's own chat template,
fits the history into the context window, reuses the KV cache prefix from the previous
request, and streams text through a callback while honouring a cancel flag both while the
prompt is processed (in small chunks) and while tokens are generated.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import jinja2
import llama_cpp
from llama_cpp.llama_chat_format import ChatFormatterResponse, Jinja2ChatFormatter

from app.core.chat_templates import TemplateChoice
from app.core.context import fit_messages, reply_reserve
from app.core.errors import ParleyError
from app.core.generation import (
    ChatMessage,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
)
from app.core.offload import OffloadSupport
from app.engine.gpu import probe_offload
from app.engine.loading import open_model

log = logging.getLogger(__name__)

# Prompt tokens evaluated between two looks at the cancel flag (about 0.2 s on a small CPU).
PREFILL_CHUNK = 64

# Used when a model carries no chat template of its own.
FALLBACK_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class GenerationError(ParleyError):
    """A reply could not be generated."""


def default_thread_count() -> int:
    """All cores on small machines; half the logical CPUs (about the physical cores) on big ones."""
    cpus = os.cpu_count() or 2
    return cpus if cpus <= 4 else cpus // 2


class LlamaEngine:
    """A loaded llama.cpp model. Not thread-safe: create, use and close it on one thread."""

    def __init__(self) -> None:
        self._llama: llama_cpp.Llama | None = None
        self._formatters: dict[str | None, Jinja2ChatFormatter] = {}  # by template source
        self._recurrent = False
        self.info: ModelInfo | None = None

    # -- loading -----------------------------------------------------------------------------

    def load(self, request: LoadRequest, on_progress: Callable[[float], None]) -> ModelInfo:
        """Load ``request.path`` (unloading any previous model first, so two never share memory);
        ModelLoadError or LoadCancelled on failure."""
        self.unload()
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
        self._formatters = {}
        self._recurrent = bool(llama_cpp.llama_model_is_recurrent(llama.model)
                               or llama_cpp.llama_model_is_hybrid(llama.model))
        self.info = opened.info
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
        self._formatters = {}
        self.info = None

    close = unload

    # -- prompts -----------------------------------------------------------------------------

    def _require_model(self) -> llama_cpp.Llama:
        if self._llama is None:
            raise GenerationError("No model is loaded; choose a model and try again.")
        return self._llama

    def _formatter(self, template: TemplateChoice) -> Jinja2ChatFormatter:
        """The formatter for ``template`` (compiled once per template text)."""
        llama = self._require_model()
        if template.source not in self._formatters:
            self._formatters[template.source] = _chat_formatter(llama, template.source)
        return self._formatters[template.source]

    def _format(self, messages: Sequence[ChatMessage],
                template: TemplateChoice) -> tuple[ChatFormatterResponse, list[int]]:
        llama = self._require_model()
        try:
            formatted = self._formatter(template)(
                messages=[{"role": m.role, "content": m.content} for m in messages])
        except (jinja2.TemplateError, ValueError, TypeError) as exc:
            whose = "model's" if template.source is None else "chosen"
            raise GenerationError(f"The {whose} chat template failed on this conversation "
                                  f"({exc}); choose another chat template in Settings.") from exc
        tokens = llama.tokenize(formatted.prompt.encode("utf-8"),
                                add_bos=not formatted.added_special, special=True)
        return formatted, tokens

    def count_tokens(self, messages: Sequence[ChatMessage], template: TemplateChoice) -> int:
        """Tokens the formatted prompt for ``messages`` takes, by the model's own tokenizer."""
        return len(self._format(messages, template)[1])

    # -- generation --------------------------------------------------------------------------

    def generate(self, request: GenerationRequest,
                 on_text: Callable[[str], None]) -> GenerationResult:
        """Stream a reply to ``request`` through ``on_text``; stop early when cancel is set."""
        llama = self._require_model()
        n_ctx = llama.n_ctx()
        sampling = request.sampling
        max_tokens = int(sampling["max_tokens"])
        prefix = llama.tokenize(request.reply_prefix.encode("utf-8"), add_bos=False,
                                special=False) if request.reply_prefix else []
        messages, dropped, _ = fit_messages(
            request.messages, lambda m: self.count_tokens(m, request.template),
            n_ctx - reply_reserve(n_ctx, max_tokens) - len(prefix))
        formatted, prompt = self._format(messages, request.template)
        prompt += prefix  # continuing a reply: the model picks up after its last token
        started = time.perf_counter()
        pieces: list[str] = []
        first_text_at: float | None = None
        finish = FinishReason.STOP
        try:
            if not self._prefill(prompt[:-1], request):
                return GenerationResult("", FinishReason.CANCELLED, len(prompt), 0, None, None,
                                        dropped)
            llama.last_n_tokens_size = int(sampling["repeat_last_n"])  # read per reply
            stream = llama.create_completion(
                prompt=prompt, stream=True, seed=request.seed,
                max_tokens=min(max_tokens, n_ctx - len(prompt)),
                stop=_stop_texts(formatted.stop, request.template.stops, sampling["stop"]),
                stopping_criteria=formatted.stopping_criteria,
                temperature=sampling["temperature"], top_k=sampling["top_k"],
                top_p=sampling["top_p"], min_p=sampling["min_p"], typical_p=sampling["typical_p"],
                repeat_penalty=sampling["repeat_penalty"],
                presence_penalty=sampling["presence_penalty"],
                frequency_penalty=sampling["frequency_penalty"],
                mirostat_mode=sampling["mirostat_mode"], mirostat_tau=sampling["mirostat_tau"],
                mirostat_eta=sampling["mirostat_eta"],
            )
            for chunk in stream:
                if request.cancel.is_set():
                    finish = FinishReason.CANCELLED
                    break
                choice = chunk["choices"][0]
                if choice["text"]:
                    first_text_at = first_text_at or time.perf_counter()
                    pieces.append(choice["text"])
                    on_text(choice["text"])
                if choice["finish_reason"] == "length":
                    finish = FinishReason.LENGTH
            stream.close()
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(f"llama.cpp failed while generating ({exc}); "
                                  "try again, or lower the context length.") from exc
        finished_at = time.perf_counter()
        text = "".join(pieces)
        completion_tokens = len(llama.tokenize(text.encode("utf-8"), add_bos=False,
                                               special=True)) if text else 0
        return GenerationResult(
            text=text, finish_reason=finish, prompt_tokens=len(prompt),
            completion_tokens=completion_tokens,
            tokens_per_s=_rate(completion_tokens, first_text_at, finished_at),
            ttft_ms=(first_text_at - started) * 1000 if first_text_at else None,
            dropped_messages=dropped,
        )

    def _prefill(self, tokens: list[int], request: GenerationRequest) -> bool:
        """Evaluate the prompt in chunks, reusing the cached prefix; False if cancelled."""
        llama = self._require_model()
        cached = llama.input_ids[: llama.n_tokens].tolist()
        reuse = 0
        for cached_token, token in zip(cached, tokens, strict=False):
            if cached_token != token:
                break
            reuse += 1
        if reuse < llama.n_tokens and self._recurrent:
            reuse = 0  # recurrent state cannot be rolled back to a prefix
            llama.reset()
        log.info("prompt of %d tokens, %d reused from the KV cache", len(tokens) + 1, reuse)
        llama.n_tokens = reuse  # eval() drops the KV cache beyond this point
        for start in range(reuse, len(tokens), PREFILL_CHUNK):
            if request.cancel.is_set():
                return False
            llama.eval(tokens[start:start + PREFILL_CHUNK])
        return True


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


def _chat_formatter(llama: llama_cpp.Llama, source: str | None) -> Jinja2ChatFormatter:
    """A formatter for ``source``, or for the model's own template when ``source`` is None."""
    template = source or llama.metadata.get("tokenizer.chat_template") or FALLBACK_TEMPLATE
    eos_id, bos_id = llama.token_eos(), llama.token_bos()
    eos = llama._model.token_get_text(eos_id) if eos_id != -1 else ""
    bos = llama._model.token_get_text(bos_id) if bos_id != -1 else ""
    try:
        return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos,
                                   stop_token_ids=[eos_id])
    except jinja2.TemplateError as exc:
        whose = "inside the model file" if source is None else "chosen in Settings"
        raise GenerationError(f"The chat template {whose} is broken ({exc}); "
                              "choose another chat template in Settings.") from exc


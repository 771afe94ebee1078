"""Prompts as tokens: the model's chat template, rendered and tokenized the same way every time.

A reply's text does not always tokenize back into the tokens the model wrote (BPE may split
"Hello" differently from the "Hel" + "lo" the model sampled). If a follow-up's prompt used the
re-tokenized text, it would differ from the KV cache part way through the last reply, and
everything after that point would be evaluated again. So replies carry their recorded tokens
(``ReplyTokens``), and the prompt is assembled from the template's text between messages
(tokenized) and those tokens, spliced in where the reply's text would be.

Splicing is checked, never assumed: the template is rendered once with the real texts and once
with a marker in place of each recorded reply; only if the marked rendering, with the texts put
back, is exactly the real one are the recorded tokens used. Otherwise (a template that rewrites
replies, tokens of another model) the whole prompt is tokenized as text.

Templates are compiled and rendered in Parley's sandbox (``GuardedChatFormatter``), so a hostile
one is stopped within its limits (time, size, depth) with a sentence, and the engine stays usable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import llama_cpp
from llama_cpp.llama_chat_format import ChatFormatterResponse, Jinja2ChatFormatter

from app.core.chat_templates import TemplateChoice, sandbox
from app.core.errors import ParleyError
from app.core.generation import ChatMessage
from app.core.i18n import QT_TRANSLATE_NOOP

# Used when a model carries no chat template of its own.
FALLBACK_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_MARK = "\ue000{}\ue001"  # private-use characters: never in a template's own text
_MARK_PATTERN = re.compile("\ue000(\\d+)\ue001")


class GenerationError(ParleyError):
    """A reply could not be generated."""


class GuardedChatFormatter(Jinja2ChatFormatter):
    """llama-cpp-python's chat formatter with its template compiled in Parley's sandbox (limits
    on time, size and depth while it renders) instead of in its own environment."""

    def __init__(self, template: str, eos_token: str, bos_token: str, add_generation_prompt: bool = True,
                 stop_token_ids: list[int] | None = None) -> None:
        super().__init__("", eos_token, bos_token, add_generation_prompt, stop_token_ids)  # the fields
        self.template = template
        self._environment = sandbox().from_string(template)


@dataclass(frozen=True)
class Prompt:
    """A rendered prompt and its tokens."""

    formatted: ChatFormatterResponse
    tokens: list[int]


class PromptBuilder:
    """Renders and tokenizes prompts for one loaded model (one formatter per template text)."""

    def __init__(self, llama: llama_cpp.Llama, model_identity: str) -> None:
        self._llama = llama
        self._identity = model_identity
        self._formatters: dict[str | None, GuardedChatFormatter] = {}
        self._last: tuple[tuple[ChatMessage, ...], str | None, Prompt] | None = None

    def formatter(self, template: TemplateChoice) -> GuardedChatFormatter:
        """The formatter for ``template`` (compiled once per template text)."""
        if template.source not in self._formatters:
            self._formatters[template.source] = _chat_formatter(self._llama, template.source)
        return self._formatters[template.source]

    def build(self, messages: Sequence[ChatMessage], template: TemplateChoice) -> Prompt:
        """The prompt for ``messages``, ending with the assistant's turn opened (the last one
        is remembered: fitting the window counts the very prompt that is then sent)."""
        key = tuple(messages)
        if self._last is not None and self._last[0] == key and self._last[1] == template.source:
            return self._last[2]
        prompt = self._build(messages, template)
        self._last = (key, template.source, prompt)
        return prompt

    def _build(self, messages: Sequence[ChatMessage], template: TemplateChoice) -> Prompt:
        formatted = self._render(messages, template, lambda i, m: m.content)
        first_bos = not formatted.added_special
        spliced = [i for i, m in enumerate(messages)
                   if m.tokens is not None and m.tokens.model == self._identity and m.content]
        if spliced:
            marked = self._render(messages, template,
                                  lambda i, m: _MARK.format(i) if i in spliced else m.content).prompt
            parts = _MARK_PATTERN.split(marked)
            texts, order = parts[0::2], [int(i) for i in parts[1::2]]
            rebuilt = "".join(text + (messages[order[n]].content if n < len(order) else "")
                              for n, text in enumerate(texts))
            if order == spliced and rebuilt == formatted.prompt:
                tokens: list[int] = []
                for n, text in enumerate(texts):
                    tokens += self.tokenize(text, bos=first_bos and n == 0)
                    if n < len(order):
                        tokens += messages[order[n]].tokens.ids  # type: ignore[union-attr]
                return Prompt(formatted, tokens)
        return Prompt(formatted, self.tokenize(formatted.prompt, bos=first_bos))

    def next_turn_opening(self, messages: Sequence[ChatMessage], template: TemplateChoice,
                          reply: str) -> list[int]:
        """The tokens the next prompt will almost surely have right after ``reply``: the end of
        the assistant's turn and the start of the user's (``<|im_end|>\n<|im_start|>user\n``).
        Evaluated ahead, they spare the next message a few tokens of a long context; if the next
        prompt differs after all, the KV cache simply matches less of it."""
        own, theirs = _MARK.format(0), _MARK.format(1)
        try:
            before = self._render([*messages, ChatMessage("assistant", own)], template,
                                  lambda i, m: m.content).prompt
            after = self._render([*messages, ChatMessage("assistant", reply), ChatMessage("user", theirs)],
                                 template, lambda i, m: m.content).prompt
        except GenerationError:
            return []
        head = before.split(own)[0]
        start, end = len(head) + len(reply), after.find(theirs)
        if end < start or after[:start] != head + reply:
            return []
        return self.tokenize(after[start:end])

    def tokenize(self, text: str, bos: bool = False, special: bool = True) -> list[int]:
        """``text`` as tokens (special tokens such as <|im_end|> recognized unless ``special``
        is False)."""
        if not text and not bos:
            return []
        return self._llama.tokenize(text.encode("utf-8"), add_bos=bos, special=special)

    def _render(self, messages: Sequence[ChatMessage], template: TemplateChoice,
                content: Callable[[int, ChatMessage], str]) -> ChatFormatterResponse:
        try:
            return self.formatter(template)(messages=[
                {"role": m.role, "content": content(i, m)}
                for i, m in enumerate(messages)])
        except GenerationError:
            raise
        except Exception as exc:  # the template is someone else's code: whatever it raises is its failure
            if template.source is None:
                raise GenerationError(QT_TRANSLATE_NOOP(
                    "Errors", "The model's chat template failed on this conversation ({problem}); "
                              "choose another chat template in Settings."), problem=exc) from exc
            raise GenerationError(QT_TRANSLATE_NOOP(
                "Errors", "The chosen chat template failed on this conversation ({problem}); "
                          "choose another chat template in Settings."), problem=exc) from exc


def _chat_formatter(llama: llama_cpp.Llama, source: str | None) -> GuardedChatFormatter:
    """A formatter for ``source``, or for the model's own template when ``source`` is None."""
    template = source or llama.metadata.get("tokenizer.chat_template") or FALLBACK_TEMPLATE
    eos_id, bos_id = llama.token_eos(), llama.token_bos()
    eos = llama._model.token_get_text(eos_id) if eos_id != -1 else ""
    bos = llama._model.token_get_text(bos_id) if bos_id != -1 else ""
    try:
        return GuardedChatFormatter(template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id])
    except Exception as exc:  # a syntax error, or a template too deeply nested to compile
        if source is None:
            raise GenerationError(QT_TRANSLATE_NOOP(
                "Errors", "The chat template inside the model file is broken ({problem}); "
                          "choose another chat template in Settings."), problem=exc) from exc
        raise GenerationError(QT_TRANSLATE_NOOP(
            "Errors", "The chat template chosen in Settings is broken ({problem}); "
                      "choose another chat template in Settings."), problem=exc) from exc

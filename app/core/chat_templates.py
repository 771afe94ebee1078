"""Chat templates: the model's own, a named format, or the user's custom Jinja template.

A chat template turns a list of messages into the exact prompt text a model was trained on.
``auto`` uses the template stored in the GGUF file. The named formats below cover the common
families for models whose file has none or a broken one. A custom template is compiled in
Jinja's immutable sandbox and rendered on a sample conversation before it is accepted, so a
typo is reported when it is typed, not in the middle of a chat. Every template, the model's own
included, runs under the limits of ``template_limits`` (time, size, depth).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.parser

from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.option import SettingError
from app.core.template_limits import limits
from app.core.template_sandbox import GuardedSandbox, guarded_filter

AUTO = "auto"
CUSTOM = "custom"
SAMPLE_SECONDS = 0.5  # the sample chat renders in under a millisecond with any real template


@dataclass(frozen=True)
class NamedTemplate:
    """A built-in prompt format and the texts that end a reply in it."""

    label: str
    source: str
    stops: tuple[str, ...]


# Folds a leading system message into the first user turn, for formats without a system role.
_SPLIT_SYSTEM = ("{% set system = messages[0]['content'] if messages and "
                 "messages[0]['role'] == 'system' else '' %}")

NAMED_TEMPLATES: dict[str, NamedTemplate] = {
    "chatml": NamedTemplate(
        "ChatML (Qwen, SmolLM, Hermes…)",
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
        ("<|im_end|>",)),
    "llama-3": NamedTemplate(
        "Llama 3",
        "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}"
        "<|end_header_id|>\n\n{{ m['content'] | trim }}<|eot_id|>{% endfor %}"
        "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}",
        ("<|eot_id|>",)),
    "llama-2": NamedTemplate(
        "Llama 2",
        _SPLIT_SYSTEM + "{% for m in messages if m['role'] != 'system' %}"
        "{% if m['role'] == 'user' %}{{ bos_token }}[INST] {% if loop.first and system %}"
        "<<SYS>>\n{{ system }}\n<</SYS>>\n\n{% endif %}{{ m['content'] | trim }} [/INST]"
        "{% else %} {{ m['content'] | trim }} {{ eos_token }}{% endif %}{% endfor %}",
        ("[INST]",)),
    "mistral": NamedTemplate(
        "Mistral Instruct",
        _SPLIT_SYSTEM + "{{ bos_token }}{% for m in messages if m['role'] != 'system' %}"
        "{% if m['role'] == 'user' %}[INST] {% if loop.first and system %}{{ system }}\n\n"
        "{% endif %}{{ m['content'] | trim }} [/INST]"
        "{% else %}{{ m['content'] | trim }}{{ eos_token }}{% endif %}{% endfor %}",
        ("[INST]",)),
    "gemma": NamedTemplate(
        "Gemma",
        _SPLIT_SYSTEM + "{{ bos_token }}{% for m in messages if m['role'] != 'system' %}"
        "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
        "{% if loop.first and system %}{{ system }}\n\n{% endif %}{{ m['content'] | trim }}"
        "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}",
        ("<end_of_turn>",)),
    "phi-3": NamedTemplate(
        "Phi-3",
        "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}",
        ("<|end|>",)),
    "alpaca": NamedTemplate(
        "Alpaca",
        _SPLIT_SYSTEM + "{% if system %}{{ system }}\n\n{% endif %}"
        "{% for m in messages if m['role'] != 'system' %}{% if m['role'] == 'user' %}"
        "### Instruction:\n{{ m['content'] }}\n\n{% else %}### Response:\n{{ m['content'] }}\n\n"
        "{% endif %}{% endfor %}{% if add_generation_prompt %}### Response:\n{% endif %}",
        ("### Instruction:",)),
}

TEMPLATE_CHOICES: tuple[tuple[str, str], ...] = (
    (AUTO, "Automatic (from the model file)"),
    *((name, named.label) for name, named in NAMED_TEMPLATES.items()),
    (CUSTOM, "Custom Jinja template"),
)

SAMPLE_CONVERSATION = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Hello, parley-sample"},
    {"role": "assistant", "content": "Hi!"},
    {"role": "user", "content": "Bye"},
]


@dataclass(frozen=True)
class TemplateChoice:
    """The template a reply uses: ``source`` None means the one inside the model file."""

    name: str
    source: str | None
    stops: tuple[str, ...] = ()


MODEL_TEMPLATE = TemplateChoice(AUTO, None)


def choose_template(name: str, custom_source: str) -> TemplateChoice:
    """The template named by the ``chat_template`` setting, or SettingError if it cannot be used."""
    if name == AUTO:
        return MODEL_TEMPLATE
    if name == CUSTOM:
        if not custom_source.strip():
            raise SettingError(QT_TRANSLATE_NOOP(
                "Errors", "The chat template is set to custom but no custom template is written; "
                          "write one in Settings or choose another chat template."))
        check_template(custom_source)
        return TemplateChoice(CUSTOM, custom_source)
    named = NAMED_TEMPLATES[name]
    return TemplateChoice(name, named.source, named.stops)


class _GenerationTag(jinja2.ext.Extension):
    """Hugging Face's ``{% generation %}`` block, passed through as llama-cpp-python does."""

    tags = {"generation"}  # noqa: RUF012 (Jinja's API)

    def parse(self, parser: jinja2.parser.Parser) -> list[jinja2.nodes.Node]:
        next(parser.stream)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def sandbox() -> GuardedSandbox:
    """The Jinja environment every chat template is compiled and rendered in (the engine's too):
    no file access, no mutation of inputs, limits on time, size and depth, plus the helpers model
    templates expect (``tojson`` as Hugging Face's, which does not escape HTML)."""
    environment = GuardedSandbox(
        loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True,
        extensions=[jinja2.ext.loopcontrols, _GenerationTag])
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    environment.filters["tojson"] = guarded_filter("tojson", _tojson)
    return environment


def render_sample(template: jinja2.Template, messages: list[dict[str, str]] = SAMPLE_CONVERSATION) -> str:
    """``template`` rendered on a sample conversation, as a check that it works (given
    ``SAMPLE_SECONDS``: the check may run on the GUI thread)."""
    with limits(seconds=SAMPLE_SECONDS):
        return template.render(messages=messages, add_generation_prompt=True, bos_token="<s>",
                               eos_token="</s>")


def check_template(source: str) -> None:
    """Compile ``source`` and render a sample conversation with it; SettingError if it fails."""
    if not source.strip():
        return  # an empty custom template is allowed until "custom" is chosen
    try:
        rendered = render_sample(sandbox().from_string(source))
    except Exception as exc:  # the template is someone else's code: whatever it raises is its failure
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "The custom chat template does not work ({problem}); "
                                                       "fix it or choose another chat template."),
                           problem=exc) from None
    if "parley-sample" not in rendered:
        raise SettingError(QT_TRANSLATE_NOOP(  # no values: the braces are shown as they are
            "Errors", "The custom chat template leaves out the messages; use "
                      "{{ message['content'] }} inside a loop over messages."))


def _raise_exception(message: str) -> None:
    raise ValueError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | str | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)

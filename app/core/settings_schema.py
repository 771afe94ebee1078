"""Every setting, declared once.

Each declaration carries the name, type, default, range or choices, label, one-line help,
panel group and whether a change applies to the next message or needs a model reload. The
settings panel, validation, the ``--set NAME=VALUE`` flags and the README table all come
from ``OPTIONS``; nothing else lists settings by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.chat_templates import AUTO, TEMPLATE_CHOICES, check_template
from app.core.option import Applies, Group, Option, SettingError

__all__ = ["OPTIONS", "Applies", "Group", "Option", "SettingError", "defaults", "markdown_table",
           "option", "options_in", "parse_assignment"]

_NEXT = Applies.NEXT_MESSAGE
_RELOAD = Applies.MODEL_RELOAD
_SAMPLING = Group.SAMPLING
_MODEL = Group.MODEL
_CHAT = Group.CONVERSATION
_MEMORY = Group.MEMORY

OPTIONS: tuple[Option, ...] = (
    # -- sampling: how each next token is picked ----------------------------------------------
    Option("temperature", float, 0.7, "Temperature",
           "Randomness: 0 always picks the likeliest token, higher values give more varied text.",
           _NEXT, _SAMPLING, 0.0, 2.0),
    Option("top_k", int, 40, "Top-k",
           "Sample only from the k likeliest tokens; 0 turns the limit off.",
           _NEXT, _SAMPLING, 0, 1000, special="off"),
    Option("top_p", float, 0.95, "Top-p",
           "Sample from the smallest set of tokens whose probabilities add up to p; 1 turns it off.",
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("min_p", float, 0.05, "Min-p",
           "Drop tokens less likely than this fraction of the likeliest one; 0 turns it off.",
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("typical_p", float, 1.0, "Typical-p",
           "Locally typical sampling: keep tokens close to the expected surprise; 1 turns it off.",
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("repeat_penalty", float, 1.1, "Repeat penalty",
           "Make recently used tokens less likely; 1 means no penalty.",
           _NEXT, _SAMPLING, 0.0, 2.0),
    Option("repeat_last_n", int, 64, "Repeat window",
           "How many recent tokens the repeat, presence and frequency penalties look at.",
           _NEXT, _SAMPLING, 0, 4096, special="off"),
    Option("presence_penalty", float, 0.0, "Presence penalty",
           "Make any token already in the window less likely, once; encourages new topics.",
           _NEXT, _SAMPLING, -2.0, 2.0),
    Option("frequency_penalty", float, 0.0, "Frequency penalty",
           "Make tokens less likely the more often they appear in the window.",
           _NEXT, _SAMPLING, -2.0, 2.0),
    Option("mirostat_mode", int, 0, "Mirostat",
           "Adaptive sampling that targets a steady surprise; replaces top-k, top-p and min-p.",
           _NEXT, _SAMPLING, choices=((0, "Off"), (1, "Mirostat 1"), (2, "Mirostat 2"))),
    Option("mirostat_tau", float, 5.0, "Mirostat target (tau)",
           "The surprise Mirostat aims for: lower is more focused, higher more varied.",
           _NEXT, _SAMPLING, 0.0, 10.0),
    Option("mirostat_eta", float, 0.1, "Mirostat learning rate (eta)",
           "How fast Mirostat adjusts towards its target.", _NEXT, _SAMPLING, 0.0, 1.0),
    Option("max_tokens", int, 1024, "Maximum reply length",
           "Stop the reply after this many tokens.", _NEXT, _SAMPLING, 1, 32768),
    Option("seed", int, -1, "Seed",
           "A fixed seed makes replies reproducible; random picks and records a new seed each time.",
           _NEXT, _SAMPLING, -1, 2**31 - 1, special="random"),
    Option("stop", tuple, (), "Stop sequences",
           "The reply ends when it produces any of these texts (one per line in the panel).",
           _NEXT, _SAMPLING, multiline=True),
    # -- model loading: changing these reloads the model -------------------------------------
    Option("model_path", str, "", "Model file",
           "Path to a GGUF model (pick one above the chat); empty means the bundled "
           "SmolLM2-135M-Instruct.", _RELOAD, _MODEL),
    Option("n_ctx", int, 4096, "Context length",
           "How many tokens of conversation the model can see at once; more needs more memory.",
           _RELOAD, _MODEL, 256, 131072),
    Option("n_gpu_layers", int, -1, "GPU layers",
           "Layers offloaded to the GPU: auto fits as many as free video memory holds; 0 keeps "
           "the model on the CPU.", _RELOAD, _MODEL, -1, 1000, special="auto"),
    Option("n_threads", int, 0, "Threads",
           "CPU threads used while generating; automatic uses the physical cores.",
           _RELOAD, _MODEL, 0, 256, special="automatic"),
    Option("n_threads_batch", int, 0, "Threads for prompt processing",
           "CPU threads used while reading the prompt; automatic uses every core.",
           _RELOAD, _MODEL, 0, 256, special="automatic"),
    Option("n_batch", int, 512, "Batch size",
           "Prompt tokens processed per step: larger is faster on a GPU but uses more memory.",
           _RELOAD, _MODEL, 8, 8192),
    Option("flash_attn", bool, False, "Flash attention",
           "A faster, leaner attention kernel; helps most on GPUs.", _RELOAD, _MODEL),
    Option("use_mmap", bool, True, "Memory-map the model",
           "Read the weights on demand from the file instead of copying them into memory first.",
           _RELOAD, _MODEL),
    Option("use_mlock", bool, False, "Lock the model in memory",
           "Keep the weights in RAM so the system never swaps them out; needs enough free RAM.",
           _RELOAD, _MODEL),
    # -- conversation ----------------------------------------------------------------------
    Option("system_prompt", str, "You are a helpful assistant.", "System prompt",
           "Instructions the model sees before every conversation.", _NEXT, _CHAT, multiline=True),
    Option("chat_template", str, AUTO, "Chat template",
           "How messages are laid out for the model: from the model file, a named format, or custom.",
           _NEXT, _CHAT, choices=TEMPLATE_CHOICES),
    Option("custom_template", str, "", "Custom template",
           "A Jinja chat template, used when the chat template is custom; checked as you type.",
           _NEXT, _CHAT, multiline=True, check=check_template),
    Option("context_overflow", str, "drop_oldest", "When the chat outgrows the context",
           "Drop the oldest turns (the system prompt and first message always stay), or stop and ask.",
           _NEXT, _CHAT, choices=(("drop_oldest", "Drop the oldest turns"), ("ask", "Stop and ask"))),
    Option("alternatives", int, 1, "Alternatives per reply",
           "How many replies to write, one after another, for each message; pick one with ‹ ›.",
           _NEXT, _CHAT, 1, 5),
    Option("auto_title", bool, True, "Automatic titles",
           "Let the model name a new chat after its first reply, in the background.", _NEXT, _CHAT),
    # -- conversation memory: saved KV state, so long chats answer at once -------------------
    Option("kv_cache_ram_mb", int, 1024, "Conversation memory cache (MB)",
           "RAM for the KV state of recent conversations, so switching back answers at once; "
           "0 turns it off.", _NEXT, _MEMORY, 0, 1_048_576, special="off"),
    Option("kv_cache_disk", bool, True, "Keep conversation state on disk",
           "Save each conversation's KV state, so a long chat reopened after a restart answers at once.",
           _NEXT, _MEMORY),
    Option("kv_cache_disk_mb", int, 4096, "Disk cache size (MB)",
           "Most disk space the saved conversation states may take; the least recently used go first.",
           _NEXT, _MEMORY, 16, 1_048_576),
)

_BY_NAME: Mapping[str, Option] = {o.name: o for o in OPTIONS}


def option(name: str) -> Option:
    """The declaration for ``name``, or SettingError naming the valid ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise SettingError(f"There is no setting called {name!r}; known settings: {known}.") from None


def options_in(group: Group) -> tuple[Option, ...]:
    """The options shown in ``group``, in declaration order."""
    return tuple(o for o in OPTIONS if o.group is group)


def defaults() -> dict[str, Any]:
    """A fresh dictionary of every default value."""
    return {o.name: o.default for o in OPTIONS}


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``NAME=VALUE`` from the command line into a validated pair."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise SettingError(f"Expected NAME=VALUE, got {text!r}.")
    opt = option(name.strip())
    return opt.name, opt.coerce(raw)


def markdown_table() -> str:
    """The README settings table, generated from the declarations."""
    rows = ["| Setting | Group | Default | Accepts | Takes effect | What it does |",
            "|---|---|---|---|---|---|"]
    for o in OPTIONS:
        rows.append(f"| `{o.name}` | {o.group.value} | `{_shown_default(o)}` | {o.accepts_text()} "
                    f"| {o.applies.value} | {o.help} |")
    return "\n".join(rows) + "\n"


def _shown_default(o: Option) -> str:
    if o.type is str:
        return repr(o.default)
    if o.type is tuple:
        return "[]"
    return str(o.default).lower() if o.type is bool else str(o.default)

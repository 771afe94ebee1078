"""Every setting, declared once.

Each declaration carries the name, type, default, range or choices, label, one-line help,
panel group and whether a change applies to the next message or needs a model reload. The
settings panel, validation, the ``--set NAME=VALUE`` flags and the README table all come
from ``OPTIONS``; nothing else lists settings by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.chat_templates import AUTO, CUSTOM, TEMPLATE_CHOICES, check_template
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.option import Applies, Group, Option, SettingError

__all__ = ["OPTIONS", "Applies", "Group", "Option", "SettingError", "defaults", "markdown_table",
           "option", "options_in", "parse_assignment"]

_NEXT = Applies.NEXT_MESSAGE
_RELOAD = Applies.MODEL_RELOAD
_SAMPLING = Group.SAMPLING
_MODEL = Group.MODEL
_CHAT = Group.CONVERSATION
_MEMORY = Group.MEMORY

# The chat template choices that are words rather than format names, marked for translation
# here (``chat_templates`` has no Qt markers); the named formats (ChatML, Llama 3…) stay as named.
_TEMPLATE_LABELS = {
    AUTO: QT_TRANSLATE_NOOP("Settings", "Automatic (from the model file)"),
    CUSTOM: QT_TRANSLATE_NOOP("Settings", "Custom Jinja template"),
}

OPTIONS: tuple[Option, ...] = (
    # -- sampling: how each next token is picked ----------------------------------------------
    Option("temperature", float, 0.7, QT_TRANSLATE_NOOP("Settings", "Temperature"),
           QT_TRANSLATE_NOOP("Settings", "Randomness: 0 always picks the likeliest token, higher values "
                                         "give more varied text."),
           _NEXT, _SAMPLING, 0.0, 2.0),
    Option("top_k", int, 40, QT_TRANSLATE_NOOP("Settings", "Top-k"),
           QT_TRANSLATE_NOOP("Settings", "Sample only from the k likeliest tokens; 0 turns the limit off."),
           _NEXT, _SAMPLING, 0, 1000, special=QT_TRANSLATE_NOOP("Settings", "off")),
    Option("top_p", float, 0.95, QT_TRANSLATE_NOOP("Settings", "Top-p"),
           QT_TRANSLATE_NOOP("Settings", "Sample from the smallest set of tokens whose probabilities add up "
                                         "to p; 1 turns it off."),
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("min_p", float, 0.05, QT_TRANSLATE_NOOP("Settings", "Min-p"),
           QT_TRANSLATE_NOOP("Settings", "Drop tokens less likely than this fraction of the likeliest one; "
                                         "0 turns it off."),
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("typical_p", float, 1.0, QT_TRANSLATE_NOOP("Settings", "Typical-p"),
           QT_TRANSLATE_NOOP("Settings", "Locally typical sampling: keep tokens close to the expected "
                                         "surprise; 1 turns it off."),
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("repeat_penalty", float, 1.1, QT_TRANSLATE_NOOP("Settings", "Repeat penalty"),
           QT_TRANSLATE_NOOP("Settings", "Make recently used tokens less likely; 1 means no penalty."),
           _NEXT, _SAMPLING, 0.0, 2.0),
    Option("repeat_last_n", int, 64, QT_TRANSLATE_NOOP("Settings", "Repeat window"),
           QT_TRANSLATE_NOOP("Settings", "How many recent tokens the repeat, presence and frequency "
                                         "penalties look at."),
           _NEXT, _SAMPLING, 0, 4096, special=QT_TRANSLATE_NOOP("Settings", "off")),
    Option("presence_penalty", float, 0.0, QT_TRANSLATE_NOOP("Settings", "Presence penalty"),
           QT_TRANSLATE_NOOP("Settings", "Make any token already in the window less likely, once; "
                                         "encourages new topics."),
           _NEXT, _SAMPLING, -2.0, 2.0),
    Option("frequency_penalty", float, 0.0, QT_TRANSLATE_NOOP("Settings", "Frequency penalty"),
           QT_TRANSLATE_NOOP("Settings", "Make tokens less likely the more often they appear in the window."),
           _NEXT, _SAMPLING, -2.0, 2.0),
    Option("mirostat_mode", int, 0, QT_TRANSLATE_NOOP("Settings", "Mirostat"),
           QT_TRANSLATE_NOOP("Settings", "Adaptive sampling that targets a steady surprise; replaces top-k, "
                                         "top-p and min-p."),
           _NEXT, _SAMPLING, choices=(
               (0, QT_TRANSLATE_NOOP("Settings", "Off")),
               (1, QT_TRANSLATE_NOOP("Settings", "Mirostat 1")),
               (2, QT_TRANSLATE_NOOP("Settings", "Mirostat 2")),
           )),
    Option("mirostat_tau", float, 5.0, QT_TRANSLATE_NOOP("Settings", "Mirostat target (tau)"),
           QT_TRANSLATE_NOOP("Settings", "The surprise Mirostat aims for: lower is more focused, higher "
                                         "more varied."),
           _NEXT, _SAMPLING, 0.0, 10.0),
    Option("mirostat_eta", float, 0.1, QT_TRANSLATE_NOOP("Settings", "Mirostat learning rate (eta)"),
           QT_TRANSLATE_NOOP("Settings", "How fast Mirostat adjusts towards its target."),
           _NEXT, _SAMPLING, 0.0, 1.0),
    Option("max_tokens", int, 1024, QT_TRANSLATE_NOOP("Settings", "Maximum reply length"),
           QT_TRANSLATE_NOOP("Settings", "Stop the reply after this many tokens."),
           _NEXT, _SAMPLING, 1, 32768),
    Option("seed", int, -1, QT_TRANSLATE_NOOP("Settings", "Seed"),
           QT_TRANSLATE_NOOP("Settings", "A fixed seed makes replies reproducible; random picks and records "
                                         "a new seed each time."),
           _NEXT, _SAMPLING, -1, 2**31 - 1, special=QT_TRANSLATE_NOOP("Settings", "random")),
    Option("stop", tuple, (), QT_TRANSLATE_NOOP("Settings", "Stop sequences"),
           QT_TRANSLATE_NOOP("Settings", "The reply ends when it produces any of these texts (one per line "
                                         "in the panel)."),
           _NEXT, _SAMPLING, multiline=True),
    # -- model loading: changing these reloads the model -------------------------------------
    Option("model_path", str, "", QT_TRANSLATE_NOOP("Settings", "Model file"),
           QT_TRANSLATE_NOOP("Settings", "Path to a GGUF model (pick one above the chat); empty means the "
                                         "bundled SmolLM2-135M-Instruct."),
           _RELOAD, _MODEL),
    Option("connection", str, "", QT_TRANSLATE_NOOP("Settings", "Remote connection"),
           QT_TRANSLATE_NOOP("Settings", "An OpenAI-compatible server to chat through instead of a local "
                                         "model (pick one above the chat; add them in Models → "
                                         "Connections); empty means the local model."),
           _RELOAD, _MODEL),
    Option("n_ctx", int, 4096, QT_TRANSLATE_NOOP("Settings", "Context length"),
           QT_TRANSLATE_NOOP("Settings", "How many tokens of conversation the model can see at once; more "
                                         "needs more memory."),
           _RELOAD, _MODEL, 256, 131072),
    Option("n_gpu_layers", int, -1, QT_TRANSLATE_NOOP("Settings", "GPU layers"),
           QT_TRANSLATE_NOOP("Settings", "Layers offloaded to the GPU: auto fits as many as free video "
                                         "memory holds; 0 keeps the model on the CPU."),
           _RELOAD, _MODEL, -1, 1000, special=QT_TRANSLATE_NOOP("Settings", "auto")),
    Option("n_threads", int, 0, QT_TRANSLATE_NOOP("Settings", "Threads"),
           QT_TRANSLATE_NOOP("Settings", "CPU threads used while generating; automatic uses the physical "
                                         "cores."),
           _RELOAD, _MODEL, 0, 256, special=QT_TRANSLATE_NOOP("Settings", "automatic")),
    Option("n_threads_batch", int, 0, QT_TRANSLATE_NOOP("Settings", "Threads for prompt processing"),
           QT_TRANSLATE_NOOP("Settings", "CPU threads used while reading the prompt; automatic uses every "
                                         "core."),
           _RELOAD, _MODEL, 0, 256, special=QT_TRANSLATE_NOOP("Settings", "automatic")),
    Option("n_batch", int, 512, QT_TRANSLATE_NOOP("Settings", "Batch size"),
           QT_TRANSLATE_NOOP("Settings", "Prompt tokens processed per step: larger is faster on a GPU but "
                                         "uses more memory."),
           _RELOAD, _MODEL, 8, 8192),
    Option("flash_attn", bool, False, QT_TRANSLATE_NOOP("Settings", "Flash attention"),
           QT_TRANSLATE_NOOP("Settings", "A faster, leaner attention kernel; helps most on GPUs."),
           _RELOAD, _MODEL),
    Option("use_mmap", bool, True, QT_TRANSLATE_NOOP("Settings", "Memory-map the model"),
           QT_TRANSLATE_NOOP("Settings", "Read the weights on demand from the file instead of copying them "
                                         "into memory first."),
           _RELOAD, _MODEL),
    Option("use_mlock", bool, False, QT_TRANSLATE_NOOP("Settings", "Lock the model in memory"),
           QT_TRANSLATE_NOOP("Settings", "Keep the weights in RAM so the system never swaps them out; needs "
                                         "enough free RAM."),
           _RELOAD, _MODEL),
    # -- conversation ----------------------------------------------------------------------
    Option("system_prompt", str, "You are a helpful assistant.",
           QT_TRANSLATE_NOOP("Settings", "System prompt"),
           QT_TRANSLATE_NOOP("Settings", "Instructions the model sees before every conversation."),
           _NEXT, _CHAT, multiline=True),
    Option("chat_template", str, AUTO, QT_TRANSLATE_NOOP("Settings", "Chat template"),
           QT_TRANSLATE_NOOP("Settings", "How messages are laid out for the model: from the model file, a "
                                         "named format, or custom."),
           _NEXT, _CHAT, choices=tuple((value, _TEMPLATE_LABELS.get(value, label))
                                       for value, label in TEMPLATE_CHOICES)),
    Option("custom_template", str, "", QT_TRANSLATE_NOOP("Settings", "Custom template"),
           QT_TRANSLATE_NOOP("Settings", "A Jinja chat template, used when the chat template is custom; "
                                         "checked as you type."),
           _NEXT, _CHAT, multiline=True, check=check_template),
    Option("context_overflow", str, "drop_oldest",
           QT_TRANSLATE_NOOP("Settings", "When the chat outgrows the context"),
           QT_TRANSLATE_NOOP("Settings", "Drop the oldest turns (the system prompt and first message always "
                                         "stay), or stop and ask."),
           _NEXT, _CHAT, choices=(
               ("drop_oldest", QT_TRANSLATE_NOOP("Settings", "Drop the oldest turns")),
               ("ask", QT_TRANSLATE_NOOP("Settings", "Stop and ask")),
           )),
    Option("alternatives", int, 1, QT_TRANSLATE_NOOP("Settings", "Alternatives per reply"),
           QT_TRANSLATE_NOOP("Settings", "How many replies to write, one after another, for each message; "
                                         "pick one with ‹ ›."),
           _NEXT, _CHAT, 1, 5),
    Option("auto_title", bool, True, QT_TRANSLATE_NOOP("Settings", "Automatic titles"),
           QT_TRANSLATE_NOOP("Settings", "Let the model name a new chat after its first reply, in the "
                                         "background."),
           _NEXT, _CHAT),
    # -- conversation memory: saved KV state, so long chats answer at once -------------------
    Option("kv_cache_ram_mb", int, 1024, QT_TRANSLATE_NOOP("Settings", "Conversation memory cache (MB)"),
           QT_TRANSLATE_NOOP("Settings", "RAM for the KV state of recent conversations, so switching back "
                                         "answers at once; 0 turns it off."),
           _NEXT, _MEMORY, 0, 1_048_576, special=QT_TRANSLATE_NOOP("Settings", "off")),
    Option("kv_cache_disk", bool, True, QT_TRANSLATE_NOOP("Settings", "Keep conversation state on disk"),
           QT_TRANSLATE_NOOP("Settings", "Save each conversation's KV state, so a long chat reopened after "
                                         "a restart answers at once."),
           _NEXT, _MEMORY),
    Option("kv_cache_disk_mb", int, 4096, QT_TRANSLATE_NOOP("Settings", "Disk cache size (MB)"),
           QT_TRANSLATE_NOOP("Settings", "Most disk space the saved conversation states may take; the least "
                                         "recently used go first."),
           _NEXT, _MEMORY, 16, 1_048_576),
    # -- appearance: app-wide, never a chat's own ---------------------------------------------
    Option("theme", str, "system", QT_TRANSLATE_NOOP("Settings", "Theme"),
           QT_TRANSLATE_NOOP("Settings", "Light or dark; system follows the desktop's setting as it "
                                         "changes."),
           Applies.NOW, Group.APPEARANCE,
           choices=(("system", QT_TRANSLATE_NOOP("Settings", "System")),
                    ("light", QT_TRANSLATE_NOOP("Settings", "Light")),
                    ("dark", QT_TRANSLATE_NOOP("Settings", "Dark")))),
    Option("font_size", int, 0, QT_TRANSLATE_NOOP("Settings", "Font size"),
           QT_TRANSLATE_NOOP("Settings", "Text size in points for the whole window; system keeps the "
                                         "desktop's size."),
           Applies.NOW, Group.APPEARANCE, 0, 32, special=QT_TRANSLATE_NOOP("Settings", "system")),
    Option("language", str, "system", QT_TRANSLATE_NOOP("Settings", "Language"),
           QT_TRANSLATE_NOOP("Settings", "The language of Parley's window; system follows the desktop's "
                                         "language. Takes effect when Parley starts again."),
           Applies.RESTART, Group.APPEARANCE,
           choices=(("system", QT_TRANSLATE_NOOP("Settings", "System")), ("en", "English"),
                    ("zh_CN", "简体中文"))),
    # -- the local API server: app-wide --------------------------------------------------------
    Option("api_server", bool, False, QT_TRANSLATE_NOOP("Settings", "Local API server"),
           QT_TRANSLATE_NOOP("Settings", "Offer the loaded model to other programs over the OpenAI API on "
                                         "this computer (127.0.0.1 only, with the token shown here)."),
           Applies.NOW, Group.API_SERVER),
    Option("api_port", int, 7275, QT_TRANSLATE_NOOP("Settings", "API server port"),
           QT_TRANSLATE_NOOP("Settings", "The TCP port the local API server listens on."),
           Applies.NOW, Group.API_SERVER, 1024, 65535),
    Option("api_origins", tuple, (), QT_TRANSLATE_NOOP("Settings", "Allowed web origins"),
           QT_TRANSLATE_NOOP("Settings", "Web pages allowed to call the API server from a browser, such "
                                         "as http://localhost:3000; none by default."),
           Applies.NOW, Group.API_SERVER, multiline=True),
    Option("api_allow_grammar", bool, False, QT_TRANSLATE_NOOP("Settings", "Allow grammars"),
           QT_TRANSLATE_NOOP("Settings", "Accept grammar and JSON-schema constraints in API requests. "
                                         "llama.cpp's own parser reads them, so allow them only for "
                                         "programs you trust."),
           Applies.NOW, Group.API_SERVER),
)

_BY_NAME: Mapping[str, Option] = {o.name: o for o in OPTIONS}


def option(name: str) -> Option:
    """The declaration for ``name``, or SettingError naming the valid ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise SettingError(
            QT_TRANSLATE_NOOP("Errors", "There is no setting called {name}; known settings: {known}."),
            name=repr(name), known=known) from None


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
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "Expected NAME=VALUE, got {text}."), text=repr(text))
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

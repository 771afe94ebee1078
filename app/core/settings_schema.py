"""Every setting, declared once.

A declaration carries the name, type, default, range or choices, label, one-line help and
whether the change applies to the next message or needs a model reload. Validation, the
``--set NAME=VALUE`` flags, the README table and (later) the settings panel all come from here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core.errors import ParleyError


class Applies(enum.Enum):
    """When a changed value takes effect."""

    NEXT_MESSAGE = "next message"
    MODEL_RELOAD = "model reload"


class SettingError(ParleyError):
    """A setting value that cannot be used."""


@dataclass(frozen=True)
class Option:
    """One declared setting."""

    name: str
    type: type
    default: Any
    label: str
    help: str
    applies: Applies
    minimum: float | None = None
    maximum: float | None = None

    def range_text(self) -> str:
        """The allowed values, for help text and the README."""
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum} – {self.maximum}"
        return "any text" if self.type is str else ""

    def coerce(self, raw: Any) -> Any:
        """Convert ``raw`` (a JSON value or command-line text) to this option's type.

        Numbers outside the range are clamped; values of the wrong kind raise SettingError.
        """
        try:
            if self.type is bool:
                value = _parse_bool(raw)
            elif self.type is int:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError(raw)
                value = int(raw)
            elif self.type is float:
                if isinstance(raw, bool):
                    raise ValueError(raw)
                value = float(raw)
                if value != value:  # NaN
                    raise ValueError(raw)
            else:
                if not isinstance(raw, str):
                    raise ValueError(raw)
                value = raw
        except (TypeError, ValueError):
            raise SettingError(
                f"The setting {self.name} cannot be {raw!r}; "
                f"use a {self.type.__name__}{self._range_suffix()}."
            ) from None
        return self._clamp(value)

    def _clamp(self, value: Any) -> Any:
        if self.minimum is not None and value < self.minimum:
            return self.type(self.minimum)
        if self.maximum is not None and value > self.maximum:
            return self.type(self.maximum)
        return value

    def _range_suffix(self) -> str:
        text = self.range_text()
        return f" in {text}" if text and self.type is not str else ""


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(raw, str) and raw.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


_NEXT = Applies.NEXT_MESSAGE
_RELOAD = Applies.MODEL_RELOAD

OPTIONS: tuple[Option, ...] = (
    Option("model_path", str, "", "Model file",
           "Path to a GGUF model; empty means the bundled SmolLM2-135M-Instruct.", _RELOAD),
    Option("system_prompt", str, "You are a helpful assistant.", "System prompt",
           "Instructions the model sees before every conversation.", _NEXT),
    Option("temperature", float, 0.7, "Temperature",
           "Randomness of the reply: 0 always picks the likeliest word, higher is more varied.",
           _NEXT, 0.0, 2.0),
    Option("top_k", int, 40, "Top-k",
           "Sample only from the k likeliest tokens (0 disables the limit).", _NEXT, 0, 1000),
    Option("top_p", float, 0.95, "Top-p",
           "Sample from the smallest set of tokens whose probabilities add up to p.",
           _NEXT, 0.0, 1.0),
    Option("min_p", float, 0.05, "Min-p",
           "Drop tokens less likely than this fraction of the likeliest one.", _NEXT, 0.0, 1.0),
    Option("repeat_penalty", float, 1.1, "Repeat penalty",
           "Discourage repeating recent tokens (1 means no penalty).", _NEXT, 0.0, 2.0),
    Option("max_tokens", int, 1024, "Maximum reply length",
           "Stop the reply after this many tokens.", _NEXT, 1, 32768),
    Option("seed", int, -1, "Seed",
           "Fixed seed for reproducible replies; -1 picks a new random seed each time.",
           _NEXT, -1, 2**31 - 1),
    Option("n_ctx", int, 4096, "Context length",
           "How many tokens of conversation the model can see at once.", _RELOAD, 256, 131072),
    Option("n_threads", int, 0, "CPU threads",
           "Threads used for generation; 0 chooses automatically.", _RELOAD, 0, 256),
    Option("n_gpu_layers", int, -1, "GPU layers",
           "Layers offloaded to the GPU when this build supports one; -1 means all, 0 none.",
           _RELOAD, -1, 1000),
)

OPTIONS_BY_NAME: Mapping[str, Option] = {option.name: option for option in OPTIONS}

SAMPLING_NAMES: tuple[str, ...] = (
    "temperature", "top_k", "top_p", "min_p", "repeat_penalty", "max_tokens",
)


def option(name: str) -> Option:
    """The declaration for ``name``, or SettingError naming the valid ones."""
    try:
        return OPTIONS_BY_NAME[name]
    except KeyError:
        known = ", ".join(OPTIONS_BY_NAME)
        raise SettingError(f"There is no setting called {name!r}; known settings: {known}.") from None


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
    rows = ["| Setting | Default | Range | Applies on | What it does |", "|---|---|---|---|---|"]
    for o in OPTIONS:
        default = f"`{o.default!r}`" if o.type is str else f"`{o.default}`"
        rows.append(f"| `{o.name}` | {default} | {o.range_text()} | {o.applies.value} | {o.help} |")
    return "\n".join(rows) + "\n"

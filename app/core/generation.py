"""What the engine is asked to do and what it reports back (plain data, no llama.cpp)."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.chat_templates import MODEL_TEMPLATE, TemplateChoice
from app.core.offload import placement_text
from app.core.settings import Settings


class FinishReason(str, enum.Enum):
    """Why a reply ended."""

    STOP = "stop"            # the model ended its turn or hit a stop sequence
    LENGTH = "length"        # max_tokens or the context window was reached
    CANCELLED = "cancelled"  # the user (or shutdown) stopped it


@dataclass(frozen=True)
class ChatMessage:
    """One message as the model sees it."""

    role: str
    content: str


@dataclass
class GenerationRequest:
    """One reply to generate. ``cancel`` is the atomic stop flag, set from any thread."""

    messages: list[ChatMessage]
    sampling: dict[str, Any]
    seed: int
    template: TemplateChoice = MODEL_TEMPLATE
    reply_prefix: str = ""  # text the reply already has, when continuing it
    purpose: str = "reply"  # or "title": a background request to name the conversation
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class GenerationResult:
    """The finished (or stopped) reply and how it was produced."""

    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    tokens_per_s: float | None
    ttft_ms: float | None
    dropped_messages: int = 0


@dataclass
class LoadRequest:
    """One model to load. ``cancel`` stops the load, set from any thread."""

    path: Path
    settings: Settings
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class ModelInfo:
    """What the UI shows about the loaded model."""

    path: str
    name: str
    n_ctx: int
    gpu_layers: int            # layers llama.cpp really put on the GPU
    gpu_supported: bool
    note: str | None = None    # e.g. why GPU offload was not used
    total_layers: int | None = None

    @property
    def placement(self) -> str:
        """Where the model runs: "CPU" or "GPU 33/33 layers"."""
        return placement_text(self.gpu_layers, self.total_layers)

"""What the engine is asked to do and what it reports back (plain data, no llama.cpp)."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.chat_templates import MODEL_TEMPLATE, TemplateChoice
from app.core.connections import RemoteTarget, remote_label
from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.offload import placement_text
from app.core.settings import Settings


class FinishReason(str, enum.Enum):
    """Why a reply ended."""

    STOP = "stop"            # the model ended its turn or hit a stop sequence
    LENGTH = "length"        # max_tokens or the context window was reached
    CANCELLED = "cancelled"  # the user (or shutdown) stopped it
    CONTEXT_FULL = "context_full"  # the history does not fit and the policy says ask first


@dataclass(frozen=True)
class ReplyTokens:
    """The exact tokens a model produced for a reply's text, and which model produced them.

    A later prompt uses them instead of re-tokenizing the text (which may split it differently),
    so the prompt matches what is in the KV cache token for token.
    """

    model: str           # ModelInfo.identity of the model that wrote them
    ids: tuple[int, ...]


@dataclass(frozen=True)
class ChatMessage:
    """One message as the model sees it."""

    role: str
    content: str
    message_id: int | None = None      # the stored message it comes from, if any
    tokens: ReplyTokens | None = None  # a reply's own tokens, when recorded


class OverflowPolicy(str, enum.Enum):
    """What happens when the history no longer fits the context window."""

    DROP_OLDEST = "drop_oldest"  # drop the oldest turns, keeping the system prompt and first message
    ASK = "ask"                  # stop and ask the user first


@dataclass(frozen=True)
class StateCachePolicy:
    """How much KV state the engine may keep: in RAM (LRU) and on disk (when enabled)."""

    ram_bytes: int
    disk_bytes: int
    disk: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> StateCachePolicy:
        """The policy ``settings`` choose (the defaults when none are given)."""
        return cls(ram_bytes=int(settings["kv_cache_ram_mb"]) * 2**20,
                   disk_bytes=int(settings["kv_cache_disk_mb"]) * 2**20,
                   disk=bool(settings["kv_cache_disk"]))


@dataclass(frozen=True)
class ContextUsage:
    """How a conversation fits the context window, counted with the model's own tokenizer."""

    used_tokens: int          # the prompt that would be sent (after dropping, if any)
    n_ctx: int
    budget: int               # prompt tokens available: n_ctx minus the room kept for the reply
    full_tokens: int          # the whole history, had nothing been dropped
    outside_ids: tuple[int, ...] = ()  # stored messages dropped from the window

    @property
    def overflowing(self) -> bool:
        """Whether the whole history no longer fits."""
        return self.full_tokens > self.budget


@dataclass
class GenerationRequest:
    """One reply to generate. ``cancel`` is the atomic stop flag, set from any thread."""

    messages: list[ChatMessage]
    sampling: dict[str, Any]
    seed: int
    template: TemplateChoice = MODEL_TEMPLATE
    reply_prefix: str = ""  # text the reply already has, when continuing it
    reply_prefix_tokens: ReplyTokens | None = None  # its recorded tokens, when known
    overflow: OverflowPolicy = OverflowPolicy.DROP_OLDEST
    state_cache: StateCachePolicy = field(default_factory=lambda: StateCachePolicy.from_settings(Settings()))
    purpose: str = "reply"  # "title": naming the conversation; "api": the local API server
    grammar: str | None = None  # GBNF the reply must follow (API requests, when allowed)
    local_only: bool = False  # refused on a remote engine (API requests must not spend the user's key)
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
    tokens: ReplyTokens | None = None  # the whole reply's tokens (prefix included), when exact
    reused_tokens: int = 0             # prompt tokens taken from the KV cache or a saved state
    context: ContextUsage | None = None  # how the prompt fitted the window


@dataclass
class LoadRequest:
    """One model to load: a local file (``path``) or a remote connection's model (``remote``).
    ``cancel`` stops the load, set from any thread."""

    path: Path | None
    settings: Settings
    cancel: threading.Event = field(default_factory=threading.Event)
    remote: RemoteTarget | None = None

    @property
    def label(self) -> str:
        """The model's name for the user: the file name, or ``MODEL @ CONNECTION``."""
        if self.remote is not None:
            return self.remote.label
        return self.path.name if self.path is not None else ""


@dataclass(frozen=True)
class ModelInfo:
    """What the UI shows about the loaded model."""

    path: str
    name: str
    n_ctx: int
    gpu_layers: int            # layers llama.cpp really put on the GPU
    gpu_supported: bool
    note: Phrase | None = None  # e.g. why GPU offload was not used
    total_layers: int | None = None
    identity: str = ""         # the model file's identity (size and content digest)
    connection: str | None = None  # the remote connection it runs on (n_ctx 0: not known)
    unused: tuple[str, ...] = ()   # settings this engine does not use (shown as such, not dropped)

    @property
    def label(self) -> str:
        """How messages name the model: the file name, or ``MODEL @ CONNECTION``."""
        return remote_label(self.name, self.connection) if self.connection is not None else self.name

    @property
    def placement(self) -> Phrase:
        """Where the model runs: "CPU", "GPU 33/33 layers" or "on the server NAME"."""
        if self.connection is not None:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "on the server {name}"), name=self.connection)
        return placement_text(self.gpu_layers, self.total_layers)

"""Plain data types shared by the store, the engine and the UI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Role(str, enum.Enum):
    """Who wrote a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(str, enum.Enum):
    """The life cycle of a message; only assistant replies are ever anything but COMPLETE."""

    STREAMING = "streaming"      # being written right now
    COMPLETE = "complete"        # the model finished
    STOPPED = "stopped"          # the user stopped it; the partial text is kept
    INTERRUPTED = "interrupted"  # the app ended (crash, kill) while it was streaming
    FAILED = "failed"            # generation failed; ``error`` says why


@dataclass(frozen=True)
class GenerationStats:
    """What is recorded about how a reply was produced."""

    model: str
    settings: dict[str, Any]
    seed: int
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_per_s: float | None = None
    ttft_ms: float | None = None


@dataclass(frozen=True)
class Message:
    """One stored message."""

    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    content: str
    status: MessageStatus
    created_at: float
    stats: GenerationStats | None = None  # replies only: how they were produced
    error: str | None = None


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation as listed in the sidebar and by ``parley conversations``."""

    id: int
    title: str
    updated_at: float
    message_count: int = field(default=0)

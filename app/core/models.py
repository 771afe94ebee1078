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
    INCOMPLETE = "incomplete"    # it reached the length limit before the model finished
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
    active_at: float = 0.0  # when it was last on the shown branch (see tree.py)
    rating: int | None = None  # feedback on a reply: 1 (good), -1 (bad) or None
    feedback_note: str | None = None

    @property
    def can_continue(self) -> bool:
        """Whether this is a reply that ended early and can be continued."""
        return self.role is Role.ASSISTANT and self.status in (
            MessageStatus.STOPPED, MessageStatus.INCOMPLETE, MessageStatus.INTERRUPTED,
            MessageStatus.FAILED)


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation as listed in the sidebar and by ``parley conversations``."""

    id: int
    title: str
    updated_at: float
    message_count: int = field(default=0)
    pinned: bool = False
    deleted_at: float | None = None  # when it was moved to the trash
    created_at: float = 0.0
    title_by_user: bool = False  # renamed by the user: never replaced by an automatic title


@dataclass(frozen=True)
class ConversationRecord:
    """A whole conversation, as exported and imported: every branch, overrides and feedback.

    On import, message ids (and parent ids) only need to be consistent within the record.
    """

    summary: ConversationSummary
    overrides: dict[str, Any]
    messages: list[Message]


@dataclass(frozen=True)
class SearchHit:
    """A search result: a message (or, when ``message_id`` is None, a conversation's title)."""

    conversation_id: int
    title: str
    message_id: int | None
    snippet: str  # plain text; the matched words are wrapped in search_text.MATCH_START/END
    role: Role | None = None

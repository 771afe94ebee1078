"""Fitting a conversation into the model's context window.

Policy: keep the system prompt and the first user message; drop the oldest turns after them
until the prompt fits, leaving room for the reply. The engine supplies the token counter
(the model's own tokenizer and chat template), so counts are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.errors import ParleyError
from app.core.generation import ChatMessage


class ContextOverflowError(ParleyError):
    """Even the shortest allowed prompt does not fit."""


def reply_reserve(n_ctx: int, max_tokens: int) -> int:
    """Tokens kept free for the reply: max_tokens, but never more than half the window."""
    return max(1, min(max_tokens, n_ctx // 2))


def fit_messages(messages: Sequence[ChatMessage], count_tokens: Callable[[list[ChatMessage]], int],
                 budget: int) -> tuple[list[ChatMessage], int, int]:
    """Return (messages that fit in ``budget`` tokens, how many were dropped, their token count).

    ``messages`` is the whole conversation ending with the new user message.
    """
    kept = list(messages)
    pinned = _pinned_count(kept)
    dropped = 0
    tokens = count_tokens(kept)
    while tokens > budget and len(kept) > pinned + 1:
        del kept[pinned]
        dropped += 1
        tokens = count_tokens(kept)
    if tokens > budget:
        raise ContextOverflowError(
            f"The message is too long for the model's context window ({tokens} tokens, "
            f"{budget} available); shorten it or raise the context length in Settings."
        )
    return kept, dropped, tokens


def _pinned_count(messages: list[ChatMessage]) -> int:
    """How many leading messages are never dropped: the system prompt and first user message."""
    pinned = 0
    if messages and messages[0].role == "system":
        pinned = 1
    if len(messages) > pinned + 1 and messages[pinned].role == "user":
        pinned += 1
    return pinned

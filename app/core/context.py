"""Fitting a conversation into the model's context window.

Policy (``OverflowPolicy.DROP_OLDEST``): the system prompt and the first user message always
stay; after them, a reply and the user message that follows it are dropped together, oldest
first, until the prompt fits, leaving room for the reply. Dropping in pairs keeps user and
assistant messages alternating, which strict chat templates require.

Dropping is *sticky*: once a conversation overflows, the messages dropped for the last prompt
stay dropped while the prompt still fits, and when it no longer does, enough go to bring it
down to ``REFILL_FRACTION`` of the budget. So the prompt's beginning, and with it the KV cache,
stays the same for many follow-ups instead of shifting by one turn on every message.

The engine supplies the token counter (the model's own tokenizer and chat template), so counts
are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.errors import ParleyError, Phrase
from app.core.generation import ChatMessage, ContextUsage
from app.core.i18n import QT_TRANSLATE_NOOP

REFILL_FRACTION = 0.75  # after dropping, the prompt takes at most this much of the budget


class ContextOverflowError(ParleyError):
    """Even the shortest allowed prompt does not fit."""


@dataclass(frozen=True)
class ContextFit:
    """The messages that fit, and what was left out."""

    messages: list[ChatMessage]
    tokens: int             # prompt tokens of ``messages``
    full_tokens: int        # prompt tokens had nothing been dropped
    dropped: list[ChatMessage]
    units_dropped: int

    @property
    def outside_ids(self) -> tuple[int, ...]:
        """Stored ids of the dropped messages."""
        return tuple(m.message_id for m in self.dropped if m.message_id is not None)


def overflow_message(usage: ContextUsage | None) -> Phrase:
    """The sentence for a reply not sent because the history outgrew the window (policy: ask)."""
    size = Phrase(QT_TRANSLATE_NOOP("Errors", " ({tokens} tokens; {fit} fit with room for the reply)"),
                  tokens=f"{usage.full_tokens:,}", fit=f"{usage.budget:,}") if usage else ""
    return Phrase(QT_TRANSLATE_NOOP(
        "Errors", "Not sent: this conversation no longer fits in the context window{size}; let "
                  "Parley drop the oldest messages, start a new chat, or raise the context length "
                  "in Settings."), size=size)


def reply_reserve(n_ctx: int, max_tokens: int) -> int:
    """Tokens kept free for the reply: max_tokens, but never more than half the window."""
    return max(1, min(max_tokens, n_ctx // 2))


def fit_messages(messages: Sequence[ChatMessage], count_tokens: Callable[[list[ChatMessage]], int],
                 budget: int, units_dropped_before: int = 0) -> ContextFit:
    """Fit ``messages`` (the conversation, oldest first) into ``budget`` tokens.

    ``units_dropped_before`` is how many units (a reply and the next user message) the previous
    prompt of this conversation left out; they stay out while that still fits. Raises
    ContextOverflowError when even the pinned messages and the last message do not fit.
    """
    messages = list(messages)
    cuts = _unit_starts(messages)

    def fit(units: int) -> ContextFit:
        kept = messages[:cuts[0]] + messages[cuts[units]:]
        return ContextFit(kept, count_tokens(kept), full, messages[cuts[0]:cuts[units]], units)

    full = count_tokens(messages)
    whole = ContextFit(messages, full, full, [], 0)
    if full <= budget:
        return whole
    most = len(cuts) - 1
    sticky = min(units_dropped_before, most)
    if sticky and (kept := fit(sticky)).tokens <= budget:
        return kept
    smallest = _first_fitting(fit, max(sticky, 1), most, budget)
    if smallest is None:
        shortest = fit(most)
        raise ContextOverflowError(QT_TRANSLATE_NOOP(
            "Errors", "The message is too long for the model's context window ({tokens} tokens, "
                      "{budget} available); shorten it or raise the context length in Settings."),
            tokens=shortest.tokens, budget=budget)
    roomy = _first_fitting(fit, smallest.units_dropped, most, int(budget * REFILL_FRACTION))
    return roomy or smallest


def _first_fitting(fit: Callable[[int], ContextFit], low: int, high: int,
                   budget: int) -> ContextFit | None:
    """The fit dropping the fewest units in [low, high] that is within ``budget`` (binary search:
    dropping more never makes a prompt longer)."""
    best: ContextFit | None = None
    while low <= high:
        middle = (low + high) // 2
        candidate = fit(middle)
        if candidate.tokens <= budget:
            best, high = candidate, middle - 1
        else:
            low = middle + 1
    return best


def _unit_starts(messages: list[ChatMessage]) -> list[int]:
    """Where the droppable part begins, then where each later unit of it begins.

    Dropping ``n`` units removes ``messages[starts[0]:starts[n]]``. The system prompt and the
    first user message are pinned before ``starts[0]``; a unit is a reply and the user message
    after it, so what stays still alternates (first message, a later reply, its next message…).
    The last message is never dropped.
    """
    pinned = 1 if messages and messages[0].role == "system" else 0
    if pinned < len(messages) - 1 and messages[pinned].role == "user":
        pinned += 1
    if pinned >= len(messages):
        return [len(messages)]
    role = messages[pinned].role
    return [pinned, *[i for i in range(pinned + 1, len(messages)) if messages[i].role == role]]

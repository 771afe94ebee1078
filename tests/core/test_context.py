"""Fitting history into the context window: what is kept, what is dropped, and stickiness."""

from __future__ import annotations

import itertools

import pytest

from app.core.context import (
    REFILL_FRACTION,
    ContextOverflowError,
    fit_messages,
    overflow_message,
    reply_reserve,
)
from app.core.generation import ChatMessage, ContextUsage


def words(messages: list[ChatMessage]) -> int:
    return sum(len(m.content.split()) for m in messages)


def conversation() -> list[ChatMessage]:
    return [ChatMessage("system", "s s", None), ChatMessage("user", "first first", 1),
            ChatMessage("assistant", "a a a", 2), ChatMessage("user", "u u u", 3),
            ChatMessage("assistant", "b b b", 4), ChatMessage("user", "last", 5)]


def long_conversation(turns: int) -> list[ChatMessage]:
    messages = [ChatMessage("system", "system prompt", None), ChatMessage("user", "first words", 1)]
    for turn in range(turns):
        messages += [ChatMessage("assistant", f"reply {turn} " * 5, 2 + 2 * turn),
                     ChatMessage("user", f"question {turn} " * 5, 3 + 2 * turn)]
    return messages


def test_everything_is_kept_when_it_fits() -> None:
    fit = fit_messages(conversation(), words, 100)
    assert (len(fit.messages), fit.units_dropped, fit.tokens, fit.full_tokens) == (6, 0, 14, 14)
    assert fit.outside_ids == ()


def test_oldest_go_first_but_system_prompt_and_first_user_message_stay() -> None:
    fit = fit_messages(conversation(), words, 9)
    assert [m.content for m in fit.messages] == ["s s", "first first", "b b b", "last"]
    assert (fit.units_dropped, fit.tokens, fit.full_tokens) == (1, 8, 14)
    assert fit.outside_ids == (2, 3)  # a reply and the user message after it, together


def test_what_stays_still_alternates_between_user_and_assistant() -> None:
    fit = fit_messages(long_conversation(30), words, 200)
    roles = [m.role for m in fit.messages]
    assert roles[:2] == ["system", "user"] and fit.units_dropped > 0
    assert all(a != b for a, b in itertools.pairwise(roles[1:]))
    assert fit.messages[-1].content.startswith("question 29")


def test_dropping_refills_to_a_fraction_then_stays_put_while_it_fits() -> None:
    budget = 300
    first = fit_messages(long_conversation(40), words, budget)
    assert first.tokens <= budget * REFILL_FRACTION  # room for several more turns
    # The next turns keep exactly the same messages out, so the prompt's beginning (and the
    # KV cache) does not move...
    later = fit_messages(long_conversation(42), words, budget, first.units_dropped)
    assert later.units_dropped == first.units_dropped
    assert later.messages[:6] == first.messages[:6]
    # ...until the window is full again; then more go at once.
    much_later = fit_messages(long_conversation(60), words, budget, first.units_dropped)
    assert much_later.units_dropped > first.units_dropped
    assert much_later.tokens <= budget * REFILL_FRACTION


def test_a_larger_window_brings_everything_back() -> None:
    fit = fit_messages(long_conversation(10), words, 10_000, units_dropped_before=5)
    assert fit.units_dropped == 0 and fit.outside_ids == ()


def test_an_impossible_fit_raises_a_sentence() -> None:
    with pytest.raises(ContextOverflowError, match="too long"):
        fit_messages(conversation(), words, 3)


def test_the_overflow_sentence_says_what_to_do() -> None:
    text = str(overflow_message(ContextUsage(900, 1024, 800, 2500, (1, 2))))
    assert "2,500 tokens" in text and "new chat" in text and "context length" in text
    assert text.startswith("Not sent: this conversation no longer fits in the context window (2,500 tokens; ")
    assert str(overflow_message(None)).startswith(
        "Not sent: this conversation no longer fits in the context window; let Parley")


def test_reply_reserve_never_takes_more_than_half_the_window() -> None:
    assert reply_reserve(4096, 512) == 512
    assert reply_reserve(1024, 4000) == 512

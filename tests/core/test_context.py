"""Fitting history into the context window."""

from __future__ import annotations

import pytest

from app.core.context import ContextOverflowError, fit_messages, reply_reserve
from app.core.generation import ChatMessage


def words(messages: list[ChatMessage]) -> int:
    return sum(len(m.content.split()) for m in messages)


def conversation() -> list[ChatMessage]:
    return [ChatMessage("system", "s s"), ChatMessage("user", "first first"),
            ChatMessage("assistant", "a a a"), ChatMessage("user", "u u u"),
            ChatMessage("assistant", "b b b"), ChatMessage("user", "last")]


def test_everything_is_kept_when_it_fits() -> None:
    kept, dropped, tokens = fit_messages(conversation(), words, 100)
    assert (len(kept), dropped, tokens) == (6, 0, 14)


def test_oldest_turns_go_first_but_system_and_first_user_message_stay() -> None:
    kept, dropped, tokens = fit_messages(conversation(), words, 9)
    assert [m.content for m in kept] == ["s s", "first first", "b b b", "last"]
    assert (dropped, tokens) == (2, 8)


def test_an_impossible_fit_raises_a_sentence() -> None:
    with pytest.raises(ContextOverflowError, match="too long"):
        fit_messages(conversation(), words, 3)


def test_reply_reserve_never_takes_more_than_half_the_window() -> None:
    assert reply_reserve(4096, 512) == 512
    assert reply_reserve(1024, 4000) == 512

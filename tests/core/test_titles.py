"""Conversation titles: the immediate one and the model's, cleaned."""

from __future__ import annotations

from app.core.settings import Settings
from app.core.titles import TITLE_TOKENS, clean_title, title_from_text, title_request


def test_titles_are_first_line_and_shortened() -> None:
    assert title_from_text("\n  Hello there \nsecond") == "Hello there"
    long = title_from_text("x" * 200)
    assert len(long) <= 60 and long.endswith("…")
    assert title_from_text("   ") == "New chat"


def test_the_models_answer_is_cleaned_into_a_title() -> None:
    assert clean_title('Title: "Growing Tomatoes on a Balcony".') == "Growing Tomatoes on a Balcony"
    assert clean_title("\n**Paris in Spring**\nmore text") == "Paris in Spring"
    assert clean_title("标题：《北京的天气》。") == "北京的天气"
    assert clean_title("  ...  ") is None
    assert clean_title("") is None
    assert clean_title("word " * 100) is None  # rambling, not a title


def test_the_title_request_is_short_and_quotes_the_exchange() -> None:
    request = title_request("How do I grow tomatoes?" + "x" * 5000, "Use big pots.", Settings(), 9)
    assert request.sampling["max_tokens"] == TITLE_TOKENS and request.seed == 9
    (message,) = request.messages
    assert "How do I grow tomatoes?" in message.content and "Use big pots." in message.content
    assert len(message.content) < 2000

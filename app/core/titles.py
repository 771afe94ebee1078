"""Conversation titles: an immediate one from the first message, then one the model writes.

The immediate title is the first line of the first message, so a new chat is named at once.
After the first reply, the model is asked (in the background, through the same worker) for a
short title; its answer is cleaned and used only if it looks like a title, and never replaces
a title the user chose.
"""

from __future__ import annotations

import re

from app.core.generation import ChatMessage, GenerationRequest
from app.core.settings import Settings

TITLE_LENGTH = 60
EXCERPT_LENGTH = 600  # characters of each message the model reads to name the chat
TITLE_TOKENS = 20

_LABEL = re.compile(r"^\s*(title|标题)\s*[:：]\s*", re.IGNORECASE)
_WRAPPING = "\"'“”‘’「」『』《》*#`_ "


def title_from_text(text: str) -> str:
    """A conversation title from the first user message: its first line, shortened."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "New chat")
    return shorten(line)


def shorten(line: str) -> str:
    """``line`` cut to the title length, with an ellipsis when cut."""
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def title_request(question: str, answer: str, settings: Settings, seed: int) -> GenerationRequest:
    """Ask the model for a short title for a conversation that starts with this exchange."""
    prompt = ("Write a short title, at most six words, for a conversation that starts like this. "
              "Answer with the title only, in the conversation's language.\n\n"
              f"User: {question[:EXCERPT_LENGTH]}\n\nAssistant: {answer[:EXCERPT_LENGTH]}")
    sampling = {**settings.sampling(), "temperature": 0.2, "max_tokens": TITLE_TOKENS,
                "stop": ("\n",)}
    return GenerationRequest([ChatMessage("user", prompt)], sampling, seed, purpose="title")


def clean_title(text: str) -> str | None:
    """The model's answer as a title, or None when it does not look like one."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = _LABEL.sub("", line).rstrip("。.!！").strip(_WRAPPING).rstrip("。.!！")
    if not any(ch.isalnum() for ch in line) or len(line) > 2 * TITLE_LENGTH:
        return None
    return shorten(line)

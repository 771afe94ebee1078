"""One exchange: commit the user's message, then record the reply as it streams.

Shared by the GUI controller and the headless CLI so both store conversations identically:
the user message is committed before generation starts, the reply row is rewritten at least
every ``FLUSH_INTERVAL_S`` while it streams, and its final status and statistics are written
at the end.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from app.core.chat_templates import choose_template
from app.core.context import overflow_message
from app.core.errors import ParleyError, Translate
from app.core.generation import (
    ChatMessage,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    OverflowPolicy,
    ReplyTokens,
    StateCachePolicy,
)
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.models import GenerationStats, Message, MessageStatus, Role
from app.core.settings import Settings
from app.core.store import Store
from app.core.titles import title_from_text
from app.core.tree import path_to

FLUSH_INTERVAL_S = 0.25


@dataclass(frozen=True)
class Turn:
    """A started reply: the user message it answers, the reply row and the engine request.

    ``request.reply_prefix`` is the text the reply already had (when continuing it); the
    recorder adds what the engine streams after it.
    """

    conversation_id: int
    user_message: Message
    reply: Message
    request: GenerationRequest


def choose_seed(settings: Settings, alternative: int = 0) -> int:
    """The configured seed (plus ``alternative``, so alternatives differ), or a fresh random one.

    The seed is recorded with the reply, so the reply can be reproduced.
    """
    seed = int(settings["seed"])
    return (seed + alternative) % 2**31 if seed >= 0 else random.randrange(2**31)


def prompt_history(messages: list[Message], system_prompt: str,
                   tokens: dict[int, ReplyTokens] | None = None) -> list[ChatMessage]:
    """What the model sees: the system prompt, then every message with text, oldest first,
    each reply with its recorded ``tokens`` when there are any."""
    tokens = tokens or {}
    history = [ChatMessage(Role.SYSTEM.value, system_prompt)] if system_prompt.strip() else []
    history += [ChatMessage(m.role.value, m.content, m.id, tokens.get(m.id)) for m in messages
                if m.content and m.status is not MessageStatus.FAILED]
    return history


def history_of(store: Store, path: list[Message], settings: Settings) -> list[ChatMessage]:
    """The prompt history of ``path`` (a branch, root first), with recorded reply tokens."""
    return prompt_history(path, settings["system_prompt"], store.reply_tokens([m.id for m in path]))


def branch_history(store: Store, conversation_id: int, last_id: int,
                   settings: Settings) -> list[ChatMessage]:
    """The prompt history of the branch ending at ``last_id``, with recorded reply tokens."""
    return history_of(store, path_to(store.messages(conversation_id), last_id), settings)


def new_request(messages: list[ChatMessage], settings: Settings, seed: int,
                **extra: Any) -> GenerationRequest:
    """A reply request with the sampling, overflow and state-cache choices of ``settings``."""
    return GenerationRequest(
        messages=messages, sampling=settings.sampling(), seed=seed,
        template=choose_template(settings["chat_template"], settings["custom_template"]),
        overflow=OverflowPolicy(settings["context_overflow"]),
        state_cache=StateCachePolicy.from_settings(settings), **extra)


def start_turn(store: Store, conversation_id: int | None, text: str, settings: Settings,
               model_name: str, new_overrides: dict[str, Any] | None = None,
               *, replacing: Message | None = None) -> Turn:
    """Commit the user's ``text`` and a reply placeholder; raise ParleyError before committing
    anything if the settings cannot be used (a broken custom template).

    The message continues the shown branch, or, when ``replacing`` (an edited user message)
    is given, becomes that message's new sibling: a new branch, the original kept. A new
    conversation is created when ``conversation_id`` is None, with ``new_overrides``.
    ``settings`` are the effective ones (defaults plus the conversation's overrides).
    """
    choose_template(settings["chat_template"], settings["custom_template"])  # fail before writing
    if conversation_id is None:
        conversation_id = store.create_conversation(title_from_text(text), new_overrides)
    if replacing is not None:
        parent = replacing.parent_id
    else:
        branch = store.branch(conversation_id)
        parent = branch[-1].message.id if branch else None
    user = store.add_message(conversation_id, Role.USER, text, parent_id=parent)
    return start_reply(store, user, settings, model_name)


def start_reply(store: Store, user_message: Message, settings: Settings, model_name: str,
                alternative: int = 0) -> Turn:
    """A new reply to ``user_message``: the first, a regenerated one, or alternative number
    ``alternative``. Earlier replies stay as its siblings."""
    seed = choose_seed(settings, alternative)
    stats = GenerationStats(model=model_name, settings=settings.as_dict(), seed=seed)
    history = branch_history(store, user_message.conversation_id, user_message.id, settings)
    request = new_request(history, settings, seed)  # checks the template before writing
    reply = store.add_message(user_message.conversation_id, Role.ASSISTANT, "",
                              parent_id=user_message.id, status=MessageStatus.STREAMING,
                              stats=stats)
    return Turn(user_message.conversation_id, user_message, reply, request)


def continue_reply(store: Store, reply: Message, settings: Settings) -> Turn:
    """Continue a reply that ended early: the model picks up after its last word, in place."""
    if not reply.can_continue or reply.parent_id is None:
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "Only a reply that was stopped or cut short can be continued."))
    user = store.message(reply.parent_id)
    seed = reply.stats.seed if reply.stats else choose_seed(settings)
    request = new_request(branch_history(store, reply.conversation_id, user.id, settings),
                          settings, seed, reply_prefix=reply.content,
                          reply_prefix_tokens=store.reply_tokens([reply.id]).get(reply.id))
    reopened = store.reopen_message(reply.id)
    return Turn(reply.conversation_id, user, reopened, request)


class ReplyRecorder:
    """Writes one streaming reply to the store: periodically while it grows, finally at the end."""

    def __init__(self, store: Store, turn: Turn,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._turn = turn
        self._clock = clock
        self._prefix = turn.request.reply_prefix
        self._text = self._prefix
        self._saved_length = len(self._text)
        self._last_save = clock()

    @property
    def text(self) -> str:
        """The reply so far."""
        return self._text

    def append(self, delta: str) -> None:
        """Add streamed text; save it when the last save is older than the flush interval."""
        self._text += delta
        if self._clock() - self._last_save >= FLUSH_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        """Save the text now if anything arrived since the last save."""
        if len(self._text) != self._saved_length:
            self._store.update_message_text(self._turn.reply.id, self._text)
            self._saved_length = len(self._text)
        self._last_save = self._clock()

    def finish(self, result: GenerationResult, translate: Translate | None = None) -> Message:
        """Write the final text, status and statistics of a reply that ended normally or was
        stopped; one not sent because the history did not fit is recorded as failed, with the
        reason in the language it is shown in (translated by ``translate`` when given, as the
        GUI records its other failure reasons; English otherwise)."""
        if result.finish_reason is FinishReason.CONTEXT_FULL:
            return self.fail(overflow_message(result.context).shown(translate))
        status = {FinishReason.CANCELLED: MessageStatus.STOPPED,
                  FinishReason.LENGTH: MessageStatus.INCOMPLETE}.get(result.finish_reason,
                                                                     MessageStatus.COMPLETE)
        started = self._turn.reply.stats
        assert started is not None, "start_turn records the stats a reply starts with"
        stats = replace(started, prompt_tokens=result.prompt_tokens,
                        completion_tokens=result.completion_tokens,
                        tokens_per_s=result.tokens_per_s, ttft_ms=result.ttft_ms)
        self._text = self._prefix + result.text
        return self._store.finish_message(self._turn.reply.id, self._text, status, stats,
                                          tokens=result.tokens)

    def stop_now(self) -> Message:
        """Record the reply as stopped with the text received so far (used when closing)."""
        return self._store.finish_message(self._turn.reply.id, self._text, MessageStatus.STOPPED)

    def fail(self, reason: str) -> Message:
        """Record that generation failed, keeping any partial text. A failed continuation
        leaves the reply stopped (still shown to the model, and continuable) with the reason."""
        status = MessageStatus.STOPPED if self._prefix else MessageStatus.FAILED
        return self._store.finish_message(self._turn.reply.id, self._text, status, error=reason)

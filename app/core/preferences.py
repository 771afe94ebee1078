"""A preference dataset from rated alternative replies, for fine-tuning (DPO and the like).

For each user message with replies rated good and bad, every (good, bad) pair is one JSON line in
TRL's conversational format: ``prompt`` (the history through that message, with the system
prompt the reply was made with), ``chosen`` and ``rejected``.
"""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path
from typing import Any

from app.core.atomic import write_user_file
from app.core.models import Message, MessageStatus, Role
from app.core.store import Store
from app.core.tree import children_by_parent, path_to
from app.core.turn import prompt_history


def preference_pairs(store: Store) -> list[dict[str, Any]]:
    """Every (liked, disliked) pair of replies to the same user message, outside the trash.

    Each is ``{"prompt": [...], "chosen": [...], "rejected": [...]}`` (TRL's conversational
    preference format); the prompt is the history up to that user message, after the system
    prompt the liked reply was generated with.
    """
    pairs: list[dict[str, Any]] = []
    for conversation_id in sorted(s.id for s in store.list_conversations()):
        messages = store.messages(conversation_id)
        by_id = {m.id: m for m in messages}
        for parent_id, replies in children_by_parent(messages).items():
            if parent_id is None or by_id[parent_id].role is not Role.USER:
                continue
            liked, disliked = (_rated(replies, rating) for rating in (1, -1))
            history = path_to(messages, parent_id) if liked and disliked else []
            pairs += [{"prompt": _prompt(history, good), "chosen": [_chat(good)],
                       "rejected": [_chat(bad)]} for good, bad in product(liked, disliked)]
    return pairs


def export_preferences(store: Store, path: Path) -> int:
    """Write the preference pairs to ``path`` as JSON Lines, atomically; return how many."""
    pairs = preference_pairs(store)
    write_user_file(path, "".join(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs))
    return len(pairs)


def _rated(replies: list[Message], rating: int) -> list[Message]:
    return [r for r in replies if r.role is Role.ASSISTANT and r.rating == rating
            and r.content.strip() and r.status is not MessageStatus.FAILED]


def _prompt(history: list[Message], reply: Message) -> list[dict[str, str]]:
    system = reply.stats.settings.get("system_prompt") if reply.stats else None
    return [{"role": c.role, "content": c.content}
            for c in prompt_history(history, system if isinstance(system, str) else "")]


def _chat(m: Message) -> dict[str, str]:
    return {"role": m.role.value, "content": m.content}

"""Reading the ``conversations.json`` of a ChatGPT data export, branches included.

Each conversation is a ``mapping`` of nodes (``parent``, ``children``, ``message``) and a
``current_node``. Every user or assistant message with visible text becomes a Parley message;
nodes without any (the empty root, tool calls, hidden system messages, non-text content) are
dropped and their children attached to the nearest kept ancestor. The path to
``current_node`` becomes the shown branch. The tree is made from the ``parent`` links (a loop
in them is refused); ``children`` lists only give the order of siblings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.import_checks import (
    LIST,
    OBJECT,
    TEXT,
    TIME,
    Invalid,
    as_object,
    checked_field,
    valid_text,
)
from app.core.models import (
    ConversationRecord,
    ConversationSummary,
    GenerationStats,
    Message,
    MessageStatus,
    Role,
)
from app.core.tree import path_to


@dataclass(frozen=True)
class _Node:
    """One entry of a ChatGPT ``mapping``; ``kept`` is the message Parley keeps from it, if any."""

    parent: str | None
    children: list[str]
    kept: Message | None


def parse_chatgpt(data: list[Any]) -> list[ConversationRecord]:
    records = [_chatgpt_conversation(raw, f"conversations[{index}]") for index, raw in enumerate(data)]
    return [record for record in records if record.messages]


def _chatgpt_conversation(raw: Any, where: str) -> ConversationRecord:
    c = as_object(raw, where)
    title = checked_field(c, "title", where, TEXT, nullable=True) or "ChatGPT conversation"
    created = checked_field(c, "create_time", where, TIME, nullable=True, required=False)
    updated = checked_field(c, "update_time", where, TIME, nullable=True, required=False)
    mapping = checked_field(c, "mapping", where, OBJECT)
    current = checked_field(c, "current_node", where, TEXT, nullable=True, required=False)
    nodes = {key: _chatgpt_node(value, f"{where}.mapping.{key}", created or 0.0)
             for key, value in mapping.items()}
    if current is not None and current not in nodes:
        raise Invalid(where, Phrase(QT_TRANSLATE_NOOP("Errors", "current_node {node} is not in the mapping"),
                                    node=current))
    messages = _chatgpt_messages(nodes, current, where, updated)
    times = [m.created_at for m in messages]
    created = created if created is not None else min(times, default=0.0)
    updated = updated if updated is not None else max(times, default=created)
    return ConversationRecord(ConversationSummary(0, title, updated, created_at=created), {}, messages)


def _chatgpt_node(raw: Any, where: str, fallback_time: float) -> _Node:
    node = as_object(raw, where)
    children = checked_field(node, "children", where, LIST, required=False) or []
    message = checked_field(node, "message", where, OBJECT, nullable=True, required=False)
    return _Node(parent=checked_field(node, "parent", where, TEXT, nullable=True, required=False),
                 children=[child for child in children if isinstance(child, str)],
                 kept=_chatgpt_message(message, f"{where}.message", fallback_time) if message else None)


def _chatgpt_message(m: dict[str, Any], where: str, fallback_time: float) -> Message | None:
    """The user or assistant text in ``m``, or None for anything Parley does not show."""
    author = m.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    metadata = m.get("metadata") if isinstance(m.get("metadata"), dict) else {}
    text = _chatgpt_text(m.get("content"))
    if (role not in (Role.USER.value, Role.ASSISTANT.value) or not text.strip()
            or m.get("recipient", "all") != "all"  # a call to a tool, not a reply
            or metadata.get("is_visually_hidden_from_conversation")):
        return None
    created = checked_field(m, "create_time", where, TIME, nullable=True, required=False)
    model = metadata.get("model_slug") if role == Role.ASSISTANT.value else None
    stats = GenerationStats(valid_text(model), {}, 0) if isinstance(model, str) and model else None
    return Message(0, 0, None, Role(role), text, MessageStatus.COMPLETE,
                   fallback_time if created is None else created, stats)


def _chatgpt_text(content: Any) -> str:
    """The text of ``text`` content, or the text parts of ``multimodal_text``; else ""."""
    if not isinstance(content, dict) or content.get("content_type") not in ("text", "multimodal_text"):
        return ""
    parts = content.get("parts")
    if not isinstance(parts, list):
        return ""
    return valid_text("\n".join(part for part in parts if isinstance(part, str)))


def _chatgpt_messages(nodes: dict[str, _Node], current: str | None, where: str,
                      updated: float | None) -> list[Message]:
    """The kept messages, numbered parents first; a skipped node's children move up to the
    nearest kept ancestor, and the path to ``current`` becomes the shown branch."""
    for key, node in nodes.items():
        if node.parent is not None and node.parent not in nodes:
            raise Invalid(f"{where}.mapping.{key}",
                          Phrase(QT_TRANSLATE_NOOP("Errors", "parent {parent} is not in the mapping"),
                                 parent=node.parent))
    position = {child: index for node in nodes.values() for index, child in enumerate(node.children)}
    children: dict[str | None, list[str]] = defaultdict(list)
    for key in sorted(nodes, key=lambda key: position.get(key, len(nodes))):  # ChatGPT's order
        children[nodes[key].parent].append(key)
    messages: list[Message] = []
    new_id: dict[str, int | None] = {}  # node -> the id of it or its nearest kept ancestor
    pending: list[tuple[str, int | None]] = [(key, None) for key in reversed(children[None])]
    while pending:
        key, parent_id = pending.pop()
        kept = nodes[key].kept
        if kept is not None:
            messages.append(replace(kept, id=len(messages) + 1, parent_id=parent_id))
            parent_id = len(messages)
        new_id[key] = parent_id
        pending += [(child, parent_id) for child in reversed(children[key])]
    if len(new_id) != len(nodes):
        raise Invalid(f"{where}.mapping",
                      Phrase(QT_TRANSLATE_NOOP("Errors", "the parent links form a cycle")))
    return _show_path(messages, new_id.get(current) if current else None, updated)


def _show_path(messages: list[Message], shown_id: int | None, updated: float | None) -> list[Message]:
    """Messages with ``active_at`` set so the branch through ``shown_id`` is the shown one."""
    on_path = {m.id for m in path_to(messages, shown_id)} if shown_id is not None else set()
    latest = max([updated or 0.0, *(m.created_at for m in messages)]) + 1.0
    return [replace(m, active_at=latest if m.id in on_path else m.created_at) for m in messages]

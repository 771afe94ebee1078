"""Moving conversations in and out of Parley: export, import and a preference dataset.

Export writes conversations as Markdown (readable: the shown branch of each) or as Parley JSON
(lossless: every branch, setting overrides, feedback, statistics and timestamps). Import reads
Parley JSON or the ``conversations.json`` of a ChatGPT data export, keeping its branches. An
import file is checked completely before anything is written and then stored in one
transaction, so a bad file changes nothing, and the error names the field at fault.

``preference_pairs`` turns rated alternative replies into a dataset for preference tuning, in
TRL's conversational format: a prompt, a chosen reply and a rejected one.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from itertools import product
from pathlib import Path
from typing import Any, Literal

from app.core.atomic import write_atomically
from app.core.errors import ParleyError
from app.core.models import (
    ConversationRecord,
    ConversationSummary,
    GenerationStats,
    Message,
    MessageStatus,
    Role,
)
from app.core.store import Store
from app.core.tree import children_by_parent, path_to
from app.core.turn import prompt_history

FILE_KIND = "parley-conversations"
FILE_VERSION = 1
MAX_IMPORT_BYTES = 1 << 30  # 1 GiB: far beyond any real history, short of exhausting memory

ExportFormat = Literal["md", "json"]


class ImportFileError(ParleyError):
    """A file that cannot be imported; nothing from it was stored."""


class _Invalid(Exception):
    """A problem at one place in an import file; becomes an ImportFileError."""

    def __init__(self, where: str, problem: str, advice: str | None = None) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.advice = advice


# -- export ----------------------------------------------------------------------------------


def conversations_for_export(store: Store, fmt: ExportFormat) -> list[int]:
    """What ``--all`` exports, oldest first: JSON (a backup) includes the trash, Markdown not."""
    summaries = store.list_conversations()
    if fmt == "json":
        summaries += store.trashed_conversations()
    return sorted(s.id for s in summaries)


def export_document(store: Store, conversation_ids: Iterable[int]) -> dict[str, Any]:
    """The Parley JSON document holding the conversations, whole (ParleyError for an unknown id)."""
    return {
        "format": FILE_KIND,
        "version": FILE_VERSION,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "conversations": [_conversation_json(store, s) for s in _summaries(store, conversation_ids)],
    }


def export_markdown(store: Store, conversation_ids: Iterable[int]) -> str:
    """The conversations' shown branches as one Markdown document, separated by ``---``."""
    return "\n---\n\n".join(_conversation_markdown(store, s)
                            for s in _summaries(store, conversation_ids))


def export_text(store: Store, conversation_ids: Iterable[int], fmt: ExportFormat) -> str:
    """The conversations as Markdown (``md``) or Parley JSON (``json``) text."""
    if fmt == "json":
        return json.dumps(export_document(store, conversation_ids), indent=2, ensure_ascii=False) + "\n"
    return export_markdown(store, conversation_ids)


def export_file(store: Store, conversation_ids: Iterable[int], fmt: ExportFormat, path: Path) -> None:
    """Write the conversations to ``path`` as Markdown or JSON, atomically."""
    _write(path, export_text(store, conversation_ids, fmt))


def _summaries(store: Store, conversation_ids: Iterable[int]) -> list[ConversationSummary]:
    summaries = []
    for conversation_id in conversation_ids:
        summary = store.conversation(conversation_id)
        if summary is None:
            raise ParleyError(f"There is no conversation {conversation_id}; "
                              "list them with `parley conversations`.")
        summaries.append(summary)
    return summaries


def _conversation_json(store: Store, s: ConversationSummary) -> dict[str, Any]:
    return {"id": s.id, "title": s.title, "title_by_user": s.title_by_user, "pinned": s.pinned,
            "created_at": s.created_at, "updated_at": s.updated_at, "deleted_at": s.deleted_at,
            "overrides": store.conversation_overrides(s.id),
            "messages": [_message_json(m) for m in store.messages(s.id)]}


def _message_json(m: Message) -> dict[str, Any]:
    return {"id": m.id, "parent_id": m.parent_id, "role": m.role.value, "content": m.content,
            "status": m.status.value, "created_at": m.created_at, "active_at": m.active_at,
            "rating": m.rating, "feedback_note": m.feedback_note, "error": m.error,
            "stats": asdict(m.stats) if m.stats else None}


_STATUS_NOTES = {
    MessageStatus.STREAMING: "still being written",
    MessageStatus.STOPPED: "stopped before it finished",
    MessageStatus.INCOMPLETE: "cut off at the length limit",
    MessageStatus.INTERRUPTED: "interrupted when Parley closed",
    MessageStatus.FAILED: "failed",
}


def _conversation_markdown(store: Store, summary: ConversationSummary) -> str:
    blocks = [f"# {' '.join(summary.title.split()) or 'Untitled'}"]
    for item in store.branch(summary.id):
        blocks += [_speaker(item.message), item.message.content, _status_note(item.message)]
    return "\n\n".join(block for block in blocks if block) + "\n"


def _speaker(m: Message) -> str:
    if m.role is Role.ASSISTANT:
        return f"**Assistant ({m.stats.model})**" if m.stats and m.stats.model else "**Assistant**"
    return "**You**" if m.role is Role.USER else "**System**"


def _status_note(m: Message) -> str:
    note = _STATUS_NOTES.get(m.status)
    if note is None:
        return ""
    reason = f": {m.error.rstrip('.')}" if m.error else ""
    return f"*(This reply {note}{reason}.)*"


def _write(path: Path, text: str) -> None:
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise ParleyError(f"Cannot write {path} ({exc.strerror or exc}); choose another file.") from exc


# -- import: reading and recognising the file ------------------------------------------------

_ADVICE = {
    "parley": "fix the file or export it from Parley again",
    "chatgpt": "use the conversations.json from a fresh ChatGPT data export",
    None: "choose a JSON file exported from Parley or the conversations.json of a ChatGPT export",
}


def import_file(store: Store, path: Path) -> list[int]:
    """Import every conversation in ``path`` (all or nothing); return their new ids."""
    return store.import_conversations(read_import_file(path))


def read_import_file(path: Path) -> list[ConversationRecord]:
    """The conversations in a Parley JSON or ChatGPT file, checked completely.

    Raises ImportFileError, naming the problem and where it is, when anything is wrong.
    """
    kind = None
    try:
        data = _load_json(path)
        kind = _detect_format(data)
        return _parse_parley(data) if kind == "parley" else _parse_chatgpt(data)
    except _Invalid as exc:
        raise ImportFileError(f"Nothing was imported from {path.name}: {exc}; "
                              f"{exc.advice or _ADVICE[kind]}.") from None


def _detect_format(data: Any) -> Literal["parley", "chatgpt"]:
    """Which kind of import ``data`` (parsed JSON) is; otherwise say what it looks like."""
    if isinstance(data, dict) and data.get("format") == FILE_KIND:
        return "parley"
    if isinstance(data, list) and data and isinstance(data[0], dict) and "mapping" in data[0]:
        return "chatgpt"
    raise _Invalid("", f"it looks like {_describe(data)}, not Parley or ChatGPT conversations")


def _load_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise _Invalid("", f"it is larger than {MAX_IMPORT_BYTES / 2**30:g} GiB",
                           "split it into smaller files")
        raw = path.read_bytes()
    except OSError as exc:
        raise _Invalid("", f"it cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Invalid("", f"it is not UTF-8 text (byte {exc.start} is not valid)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Invalid("", f"it is not valid JSON ({exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno})") from None


def _describe(data: Any) -> str:
    if isinstance(data, dict) and "format" in data:
        return f"a file of format {json.dumps(data['format'], ensure_ascii=False)[:60]}"
    if isinstance(data, dict):
        keys = ", ".join(list(data)[:5])
        return f"a JSON object without a format (keys: {keys})" if keys else "an empty JSON object"
    if isinstance(data, list):
        return f"a list of {len(data)} items without a ChatGPT mapping" if data else "an empty list"
    return f"a single JSON {_JSON_TYPES.get(type(data), 'value')}"


_JSON_TYPES = {str: "string", int: "number", float: "number", bool: "true/false", type(None): "null"}


# -- import: checking fields -----------------------------------------------------------------


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class _Kind:
    """What a field may hold: a phrase for errors, a test, and a conversion."""

    expected: str
    accepts: Callable[[Any], bool]
    convert: Callable[[Any], Any] = _same


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _choice(values: list[str]) -> _Kind:
    return _Kind(f"{', '.join(values[:-1])} or {values[-1]}",
                 lambda value: isinstance(value, str) and value in values)


_TEXT = _Kind("text", lambda value: isinstance(value, str))
_FLAG = _Kind("true or false", lambda value: isinstance(value, bool))
_WHOLE = _Kind("a whole number", _is_whole)
_NUMBER = _Kind("a number", _is_number, float)
LATEST_TIME = 4_102_444_800.0  # 2100-01-01: later "seconds" are milliseconds or garbage
_TIME = _Kind("a time in seconds since 1970 (before 2100)",
              lambda value: _is_number(value) and 0 <= value < LATEST_TIME, float)
_OBJECT = _Kind("an object", lambda value: isinstance(value, dict))
_LIST = _Kind("a list", lambda value: isinstance(value, list))
_ROLE = _choice([role.value for role in Role])
_STATUS = _choice([status.value for status in MessageStatus])
_RATING = _Kind("1 or -1", lambda value: _is_whole(value) and value in (1, -1))


def _field(obj: dict[str, Any], key: str, where: str, kind: _Kind, *,
           nullable: bool = False, required: bool = True) -> Any:
    """``obj[key]`` checked against ``kind``; a missing optional field reads as None."""
    if key not in obj:
        if required:
            raise _Invalid(where, f"{key} is missing")
        return None
    value = obj[key]
    if value is None and nullable:
        return None
    if not kind.accepts(value):
        raise _Invalid(where, f"{key} must be {kind.expected}{', or null' if nullable else ''}")
    return kind.convert(value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(where, "must be an object")
    return value


# -- import: Parley JSON ---------------------------------------------------------------------


def _parse_parley(data: dict[str, Any]) -> list[ConversationRecord]:
    version = data.get("version")
    if _is_whole(version) and version > FILE_VERSION:
        raise _Invalid("", f"it was written by a newer version of Parley (format version {version})",
                       "update Parley and try again")
    if not _is_whole(version) or version != FILE_VERSION:
        raise _Invalid("", f"version must be {FILE_VERSION}")
    conversations = _field(data, "conversations", "", _LIST)
    return [_parley_conversation(raw, f"conversations[{index}]")
            for index, raw in enumerate(conversations)]


def _parley_conversation(raw: Any, where: str) -> ConversationRecord:
    c = _object(raw, where)
    _field(c, "id", where, _WHOLE)  # checked, then replaced by a new id
    summary = ConversationSummary(
        id=0,
        title=_field(c, "title", where, _TEXT),
        title_by_user=_field(c, "title_by_user", where, _FLAG),
        pinned=_field(c, "pinned", where, _FLAG),
        created_at=_field(c, "created_at", where, _TIME),
        updated_at=_field(c, "updated_at", where, _TIME),
        deleted_at=_field(c, "deleted_at", where, _TIME, nullable=True),
    )
    overrides = _field(c, "overrides", where, _OBJECT)
    messages = [_parley_message(m, f"{where}.messages[{index}]")
                for index, m in enumerate(_field(c, "messages", where, _LIST))]
    _check_tree(messages, where)
    return ConversationRecord(summary, overrides, messages)


def _parley_message(raw: Any, where: str) -> Message:
    m = _object(raw, where)
    return Message(
        id=_field(m, "id", where, _WHOLE),
        conversation_id=0,
        parent_id=_field(m, "parent_id", where, _WHOLE, nullable=True),
        role=Role(_field(m, "role", where, _ROLE)),
        content=_field(m, "content", where, _TEXT),
        status=_imported_status(_field(m, "status", where, _STATUS)),
        created_at=_field(m, "created_at", where, _TIME),
        active_at=_field(m, "active_at", where, _TIME),
        rating=_field(m, "rating", where, _RATING, nullable=True),
        feedback_note=_field(m, "feedback_note", where, _TEXT, nullable=True),
        error=_field(m, "error", where, _TEXT, nullable=True),
        stats=_parley_stats(_field(m, "stats", where, _OBJECT, nullable=True), f"{where}.stats"),
    )


def _imported_status(value: str) -> MessageStatus:
    """A reply that was streaming when exported is not streaming any more: it was interrupted."""
    status = MessageStatus(value)
    return MessageStatus.INTERRUPTED if status is MessageStatus.STREAMING else status


def _parley_stats(raw: dict[str, Any] | None, where: str) -> GenerationStats | None:
    if raw is None:
        return None
    return GenerationStats(
        model=_field(raw, "model", where, _TEXT),
        settings=_field(raw, "settings", where, _OBJECT),
        seed=_field(raw, "seed", where, _WHOLE),
        prompt_tokens=_field(raw, "prompt_tokens", where, _WHOLE, nullable=True),
        completion_tokens=_field(raw, "completion_tokens", where, _WHOLE, nullable=True),
        tokens_per_s=_field(raw, "tokens_per_s", where, _NUMBER, nullable=True),
        ttft_ms=_field(raw, "ttft_ms", where, _NUMBER, nullable=True),
    )


def _check_tree(messages: list[Message], where: str) -> None:
    """Ids are unique, every parent exists, and following parents always reaches a root."""
    index_of: dict[int, int] = {}
    for index, m in enumerate(messages):
        if m.id in index_of:
            raise _Invalid(f"{where}.messages[{index}]", f"id {m.id} is used twice")
        index_of[m.id] = index
    settled: set[int] = set()  # messages known to lead to a root
    for m in messages:
        trail: set[int] = set()
        current = m
        while current.id not in settled and current.parent_id is not None:
            trail.add(current.id)
            place = f"{where}.messages[{index_of[current.id]}]"
            if current.parent_id not in index_of:
                raise _Invalid(place, f"parent_id {current.parent_id} is not a message of this "
                                      "conversation")
            if current.parent_id in trail:
                raise _Invalid(place, f"parent_id {current.parent_id} makes a cycle")
            current = messages[index_of[current.parent_id]]
        settled |= trail | {current.id}


# -- import: ChatGPT -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """One entry of a ChatGPT ``mapping``; ``kept`` is the message Parley keeps from it, if any."""

    parent: str | None
    children: list[str]
    kept: Message | None


def _parse_chatgpt(data: list[Any]) -> list[ConversationRecord]:
    records = [_chatgpt_conversation(raw, f"conversations[{index}]") for index, raw in enumerate(data)]
    return [record for record in records if record.messages]


def _chatgpt_conversation(raw: Any, where: str) -> ConversationRecord:
    c = _object(raw, where)
    title = _field(c, "title", where, _TEXT, nullable=True) or "ChatGPT conversation"
    created = _field(c, "create_time", where, _TIME, nullable=True, required=False)
    updated = _field(c, "update_time", where, _TIME, nullable=True, required=False)
    mapping = _field(c, "mapping", where, _OBJECT)
    current = _field(c, "current_node", where, _TEXT, nullable=True, required=False)
    nodes = {key: _chatgpt_node(value, f"{where}.mapping.{key}", created or 0.0)
             for key, value in mapping.items()}
    if current is not None and current not in nodes:
        raise _Invalid(where, f"current_node {current} is not in the mapping")
    messages = _chatgpt_messages(nodes, current, where, updated)
    times = [m.created_at for m in messages]
    created = created if created is not None else min(times, default=0.0)
    updated = updated if updated is not None else max(times, default=created)
    return ConversationRecord(ConversationSummary(0, title, updated, created_at=created), {}, messages)


def _chatgpt_node(raw: Any, where: str, fallback_time: float) -> _Node:
    node = _object(raw, where)
    children = _field(node, "children", where, _LIST, required=False) or []
    message = _field(node, "message", where, _OBJECT, nullable=True, required=False)
    return _Node(parent=_field(node, "parent", where, _TEXT, nullable=True, required=False),
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
    created = _field(m, "create_time", where, _TIME, nullable=True, required=False)
    model = metadata.get("model_slug") if role == Role.ASSISTANT.value else None
    stats = GenerationStats(model, {}, 0) if isinstance(model, str) and model else None
    return Message(0, 0, None, Role(role), text, MessageStatus.COMPLETE,
                   fallback_time if created is None else created, stats)


def _chatgpt_text(content: Any) -> str:
    """The text of ``text`` content, or the text parts of ``multimodal_text``; else ""."""
    if not isinstance(content, dict) or content.get("content_type") not in ("text", "multimodal_text"):
        return ""
    parts = content.get("parts")
    return "\n".join(part for part in parts if isinstance(part, str)) if isinstance(parts, list) else ""


def _chatgpt_messages(nodes: dict[str, _Node], current: str | None, where: str,
                      updated: float | None) -> list[Message]:
    """The kept messages, numbered parents first; a skipped node's children move up to the
    nearest kept ancestor, and the path to ``current`` becomes the shown branch."""
    for key, node in nodes.items():
        if node.parent is not None and node.parent not in nodes:
            raise _Invalid(f"{where}.mapping.{key}", f"parent {node.parent} is not in the mapping")
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
        raise _Invalid(f"{where}.mapping", "the parent links form a cycle")
    return _show_path(messages, new_id.get(current) if current else None, updated)


def _show_path(messages: list[Message], shown_id: int | None, updated: float | None) -> list[Message]:
    """Messages with ``active_at`` set so the branch through ``shown_id`` is the shown one."""
    on_path = {m.id for m in path_to(messages, shown_id)} if shown_id is not None else set()
    latest = max([updated or 0.0, *(m.created_at for m in messages)]) + 1.0
    return [replace(m, active_at=latest if m.id in on_path else m.created_at) for m in messages]


# -- preference dataset ----------------------------------------------------------------------


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
    _write(path, "".join(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs))
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

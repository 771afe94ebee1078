"""Moving conversations in and out of Parley: export and import.

Export writes conversations as Markdown (readable: the shown branch of each) or as Parley JSON
(lossless: every branch, setting overrides, feedback, statistics and timestamps). Import reads
Parley JSON or the ``conversations.json`` of a ChatGPT data export (``chatgpt_import.py``),
keeping its branches. An import file is checked completely before anything is written
(``import_checks.py``) and then stored in one transaction, so a bad file changes nothing, and
the error names the field at fault. A file that repeats a key within an object (a parser would
keep one of the two without a word) or nests too deeply to parse is refused as a whole.
Preference datasets are in ``preferences.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from app.core.atomic import write_user_file
from app.core.chatgpt_import import parse_chatgpt
from app.core.errors import ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.import_checks import (
    FLAG,
    LIST,
    NUMBER,
    OBJECT,
    RATING,
    ROLE,
    SETTINGS,
    STATUS,
    TEXT,
    TIME,
    WHOLE,
    Invalid,
    as_object,
    checked_field,
    is_whole,
    repeated_key,
    too_deep,
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
from app.core.store import Store

FILE_KIND = "parley-conversations"
FILE_VERSION = 1
MAX_IMPORT_BYTES = 1 << 30  # 1 GiB: far beyond any real history, short of exhausting memory

ExportFormat = Literal["md", "json"]


class ImportFileError(ParleyError):
    """A file that cannot be imported; nothing from it was stored."""


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
    write_user_file(path, export_text(store, conversation_ids, fmt))


def _summaries(store: Store, conversation_ids: Iterable[int]) -> list[ConversationSummary]:
    summaries = []
    for conversation_id in conversation_ids:
        summary = store.conversation(conversation_id)
        if summary is None:
            raise ParleyError(QT_TRANSLATE_NOOP("Errors", "There is no conversation {id}; "
                                                          "list them with `parley conversations`."),
                              id=conversation_id)
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


# -- import: reading and recognising the file ------------------------------------------------

_ADVICE = {
    "parley": Phrase(QT_TRANSLATE_NOOP("Errors", "fix the file or export it from Parley again")),
    "chatgpt": Phrase(QT_TRANSLATE_NOOP("Errors", "use the conversations.json from a fresh ChatGPT "
                                                  "data export")),
    None: Phrase(QT_TRANSLATE_NOOP("Errors", "choose a JSON file exported from Parley or the "
                                             "conversations.json of a ChatGPT export")),
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
        return _parse_parley(data) if kind == "parley" else parse_chatgpt(data)
    except Invalid as exc:
        raise ImportFileError(QT_TRANSLATE_NOOP("Errors", "Nothing was imported from {file}: {problem}; "
                                                          "{advice}."),
                              file=path.name, problem=exc.phrase,
                              advice=exc.advice or _ADVICE[kind]) from None


def _detect_format(data: Any) -> Literal["parley", "chatgpt"]:
    """Which kind of import ``data`` (parsed JSON) is; otherwise say what it looks like."""
    if isinstance(data, dict) and data.get("format") == FILE_KIND:
        return "parley"
    if isinstance(data, list) and data and isinstance(data[0], dict) and "mapping" in data[0]:
        return "chatgpt"
    raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it looks like {what}, not Parley or ChatGPT "
                                                         "conversations"), what=_describe(data)))


def _load_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it is larger than {size} GiB"),
                                     size=f"{MAX_IMPORT_BYTES / 2**30:g}"),
                          Phrase(QT_TRANSLATE_NOOP("Errors", "split it into smaller files")))
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it cannot be read ({reason})"),
                                 reason=exc.strerror or exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it is not UTF-8 text (byte {byte} is not "
                                                             "valid)"),
                                 byte=exc.start)) from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it is not valid JSON ({problem} at line "
                                                             "{line}, column {column})"),
                                 problem=exc.msg, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise too_deep() from None
    except _RepeatedKey as exc:
        raise repeated_key(exc.key) from None
    except ValueError:  # an integer of more than 4,300 digits (Python's limit)
        raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it holds a number too long to read"))) from None
    return data


class _RepeatedKey(Exception):
    """An object in the file has the same key twice (JSON parsers would keep one silently)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of the file, refused if a key appears twice: a node of a ChatGPT mapping or a
    message field would otherwise be dropped without a word."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return result


def _describe(data: Any) -> Phrase:
    if isinstance(data, dict) and "format" in data:
        return Phrase(QT_TRANSLATE_NOOP("Errors", "a file of format {format}"), format=_shown(data["format"]))
    if isinstance(data, dict):
        keys = ", ".join(valid_text(key)[:40] for key in list(data)[:5])
        if keys:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "a JSON object without a format (keys: {keys})"),
                          keys=keys)
        return Phrase(QT_TRANSLATE_NOOP("Errors", "an empty JSON object"))
    if isinstance(data, list):
        if data:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "a list of {count} items without a ChatGPT mapping"),
                          count=len(data))
        return Phrase(QT_TRANSLATE_NOOP("Errors", "an empty list"))
    return _JSON_TYPES.get(type(data), Phrase(QT_TRANSLATE_NOOP("Errors", "a single JSON value")))


def _shown(value: Any) -> str:
    """A value of the file, short: containers are not written out (they may nest very deeply)."""
    if isinstance(value, (dict, list)):
        return "{…}" if isinstance(value, dict) else "[…]"
    return json.dumps(valid_text(value) if isinstance(value, str) else value, ensure_ascii=False)[:60]


_JSON_TYPES = {str: Phrase(QT_TRANSLATE_NOOP("Errors", "a single JSON string")),
               int: Phrase(QT_TRANSLATE_NOOP("Errors", "a single JSON number")),
               float: Phrase(QT_TRANSLATE_NOOP("Errors", "a single JSON number")),
               bool: Phrase(QT_TRANSLATE_NOOP("Errors", "a single JSON true/false")),
               type(None): Phrase(QT_TRANSLATE_NOOP("Errors", "a single JSON null"))}


# -- import: Parley JSON ---------------------------------------------------------------------


def _parse_parley(data: dict[str, Any]) -> list[ConversationRecord]:
    version = data.get("version")
    if is_whole(version) and version > FILE_VERSION:
        raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it was written by a newer version of Parley "
                                                             "(format version {version})"), version=version),
                      Phrase(QT_TRANSLATE_NOOP("Errors", "update Parley and try again")))
    if not is_whole(version) or version != FILE_VERSION:
        raise Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "version must be {version}"),
                                 version=FILE_VERSION))
    conversations = checked_field(data, "conversations", "", LIST)
    return [_parley_conversation(raw, f"conversations[{index}]")
            for index, raw in enumerate(conversations)]


def _parley_conversation(raw: Any, where: str) -> ConversationRecord:
    c = as_object(raw, where)
    checked_field(c, "id", where, WHOLE)  # checked, then replaced by a new id
    summary = ConversationSummary(
        id=0,
        title=checked_field(c, "title", where, TEXT),
        title_by_user=checked_field(c, "title_by_user", where, FLAG),
        pinned=checked_field(c, "pinned", where, FLAG),
        created_at=checked_field(c, "created_at", where, TIME),
        updated_at=checked_field(c, "updated_at", where, TIME),
        deleted_at=checked_field(c, "deleted_at", where, TIME, nullable=True),
    )
    overrides = checked_field(c, "overrides", where, SETTINGS)
    messages = [_parley_message(m, f"{where}.messages[{index}]")
                for index, m in enumerate(checked_field(c, "messages", where, LIST))]
    _check_tree(messages, where)
    return ConversationRecord(summary, overrides, messages)


def _parley_message(raw: Any, where: str) -> Message:
    m = as_object(raw, where)
    return Message(
        id=checked_field(m, "id", where, WHOLE),
        conversation_id=0,
        parent_id=checked_field(m, "parent_id", where, WHOLE, nullable=True),
        role=Role(checked_field(m, "role", where, ROLE)),
        content=checked_field(m, "content", where, TEXT),
        status=_imported_status(checked_field(m, "status", where, STATUS)),
        created_at=checked_field(m, "created_at", where, TIME),
        active_at=checked_field(m, "active_at", where, TIME),
        rating=checked_field(m, "rating", where, RATING, nullable=True),
        feedback_note=checked_field(m, "feedback_note", where, TEXT, nullable=True),
        error=checked_field(m, "error", where, TEXT, nullable=True),
        stats=_parley_stats(checked_field(m, "stats", where, OBJECT, nullable=True), f"{where}.stats"),
    )


def _imported_status(value: str) -> MessageStatus:
    """A reply that was streaming when exported is not streaming any more: it was interrupted."""
    status = MessageStatus(value)
    return MessageStatus.INTERRUPTED if status is MessageStatus.STREAMING else status


def _parley_stats(raw: dict[str, Any] | None, where: str) -> GenerationStats | None:
    if raw is None:
        return None
    return GenerationStats(
        model=checked_field(raw, "model", where, TEXT),
        settings=checked_field(raw, "settings", where, SETTINGS),
        seed=checked_field(raw, "seed", where, WHOLE),
        prompt_tokens=checked_field(raw, "prompt_tokens", where, WHOLE, nullable=True),
        completion_tokens=checked_field(raw, "completion_tokens", where, WHOLE, nullable=True),
        tokens_per_s=checked_field(raw, "tokens_per_s", where, NUMBER, nullable=True),
        ttft_ms=checked_field(raw, "ttft_ms", where, NUMBER, nullable=True),
    )


def _check_tree(messages: list[Message], where: str) -> None:
    """Ids are unique, every parent exists, and following parents always reaches a root."""
    index_of: dict[int, int] = {}
    for index, m in enumerate(messages):
        if m.id in index_of:
            raise Invalid(f"{where}.messages[{index}]",
                          Phrase(QT_TRANSLATE_NOOP("Errors", "id {id} is used twice"), id=m.id))
        index_of[m.id] = index
    settled: set[int] = set()  # messages known to lead to a root
    for m in messages:
        trail: set[int] = set()
        current = m
        while current.id not in settled and current.parent_id is not None:
            trail.add(current.id)
            place = f"{where}.messages[{index_of[current.id]}]"
            if current.parent_id not in index_of:
                raise Invalid(place, Phrase(QT_TRANSLATE_NOOP("Errors", "parent_id {parent} is not a "
                                                                        "message of this conversation"),
                                            parent=current.parent_id))
            if current.parent_id in trail:
                raise Invalid(place, Phrase(QT_TRANSLATE_NOOP("Errors", "parent_id {parent} makes a cycle"),
                                            parent=current.parent_id))
            current = messages[index_of[current.parent_id]]
        settled |= trail | {current.id}

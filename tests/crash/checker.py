"""After a kill: compare a copy of the data directory with what the journal proves.

The copy is taken first, so the checks (which open the profile, marking interrupted replies,
and start continuing one) never change the data the next run of the chain goes on with.
Every check returns sentences naming what is wrong; an empty list means the run passed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.models import MessageStatus
from app.core.settings import FILE_KIND
from app.core.turn import continue_reply
from app.paths import AppPaths
from app.profile import open_profile
from tests.crash.expected import (
    Baseline,
    ConversationState,
    MessageKey,
    MessageState,
    StoreState,
    possible_settings,
    possible_states,
)
from tests.crash.journal import Replay, replay, seal
from tests.crash.workdir import Workdir


@dataclass
class Snapshot:
    """What the database holds, read with plain SQL (as SQLite recovers it after the kill)."""

    conversations: dict[int, ConversationState]
    messages: dict[int, MessageState]
    integrity: str
    broken_links: int

    def streaming(self) -> list[int]:
        """Replies the killed process was writing."""
        return sorted(mid for mid, m in self.messages.items() if m.status == MessageStatus.STREAMING.value)


@dataclass
class CheckReport:
    """The outcome of one check."""

    problems: list[str]
    interrupted: int  # replies that were streaming at the kill (marked interrupted on reopening)
    in_flight: list[str]  # the writes the kill interrupted (their intents have no done)


def read_snapshot(database: Path) -> Snapshot:
    """Read every conversation and message, and run SQLite's own checks."""
    db = sqlite3.connect(database)
    try:
        integrity = "; ".join(row[0] for row in db.execute("PRAGMA integrity_check"))
        broken = len(db.execute("PRAGMA foreign_key_check").fetchall())
        conversations = {
            cid: ConversationState(title, deleted_at is not None, bool(by_user), _overrides(overrides))
            for cid, title, deleted_at, by_user, overrides in db.execute(
                "SELECT id, title, deleted_at, title_by_user, overrides_json FROM conversations")}
        messages = {mid: MessageState(cid, role, content, status) for mid, cid, role, content, status
                    in db.execute("SELECT id, conversation_id, role, content, status FROM messages")}
    finally:
        db.close()
    return Snapshot(conversations, messages, integrity, broken)


def _overrides(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return f"<unreadable: {text!r}>"


def _short(text: str, limit: int = 60) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"…({len(text)} chars)"


def store_differences(expected: StoreState, found: Snapshot) -> list[str]:
    """How ``found`` differs from ``expected`` (empty when it is exactly that state)."""
    problems = list(expected.unknown)
    unnamed: dict[int, Counter[MessageKey]] = {}
    for mid, message in found.messages.items():
        if mid not in expected.messages:
            unnamed.setdefault(message.conversation_id, Counter())[message.key()] += 1
        if message.conversation_id not in found.conversations:
            problems.append(f"message {mid} belongs to no conversation")
    for cid, conversation in expected.conversations.items():
        row = found.conversations.get(cid)
        if cid in expected.deleted:
            if row is not None:
                problems.append(f"conversation {cid} was deleted for good but is still there")
        elif row is None:
            problems.append(f"committed conversation {cid} ({_short(conversation.title)}) is missing")
        else:
            extra = Counter(m.key() for m in expected.new_messages if m.conversation_id == cid)
            problems += _conversation_differences(f"conversation {cid}", conversation, row,
                                                  unnamed.get(cid, Counter()), extra)
    for mid, message in expected.messages.items():
        if message.conversation_id in expected.deleted:
            continue
        got = found.messages.get(mid)
        if got is None:
            problems.append(f"committed message {mid} ({message.role}, {_short(message.content)}) is missing")
        elif got != message:
            problems.append(f"message {mid} changed: committed {message.status} {_short(message.content)}, "
                            f"found {got.status} {_short(got.content)}")
    new_ids = sorted(cid for cid in found.conversations if cid not in expected.conversations)
    if len(new_ids) != len(expected.new_conversations):
        problems.append(f"{len(new_ids)} conversations no committed write created (ids {new_ids}), "
                        f"{len(expected.new_conversations)} expected from writes in flight")
    else:
        for cid, conversation in zip(new_ids, expected.new_conversations, strict=True):
            problems += _conversation_differences(f"new conversation {cid}", conversation,
                                                  found.conversations[cid], unnamed.get(cid, Counter()),
                                                  Counter())
    return problems


def _conversation_differences(label: str, expected: ConversationState, found: ConversationState,
                              unnamed: Counter[MessageKey], extra: Counter[MessageKey]) -> list[str]:
    problems = [f"{label} has {name} {getattr(found, name)!r}, committed {getattr(expected, name)!r}"
                for name in ("title", "trashed", "title_by_user", "overrides")
                if getattr(found, name) != getattr(expected, name)]
    if unnamed != expected.unnamed + extra:
        problems.append(f"{label} holds {sum(unnamed.values())} messages no committed write named, "
                        f"expected {sum((expected.unnamed + extra).values())}: an import or a new "
                        "message is missing, torn or duplicated")
    return problems


def check_store(journal: Replay, start: StoreState, found: Snapshot) -> list[str]:
    """The database must pass SQLite's checks and equal one of the states the journal allows."""
    problems = [] if found.integrity == "ok" else [f"PRAGMA integrity_check: {found.integrity}"]
    if found.broken_links:
        problems.append(f"PRAGMA foreign_key_check found {found.broken_links} broken links")
    closest: list[str] | None = None
    for state in possible_states(journal, start):
        differences = store_differences(state, found)
        if not differences:
            return problems
        if closest is None or len(differences) < len(closest):
            closest = differences
    return problems + (closest or [])


def read_settings(settings_file: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The settings file's data (None when there is no file), or why it is not a whole document."""
    if not settings_file.exists():
        return None, None
    try:
        document = json.loads(settings_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"the settings file is torn: {exc} ({settings_file.stat().st_size} bytes)"
    if not isinstance(document, dict) or document.get("format") != FILE_KIND:
        return None, "the settings file is not a settings document"
    return document.get("data"), None


def check_settings(data: dict[str, Any] | None, journal: Replay, start: dict[str, Any] | None) -> list[str]:
    """The settings must be one whole version: the last one saved, or the one being saved."""
    saved, saving = possible_settings(journal, start)
    if data == saved or data in saving:
        return []
    if data is None:
        return ["the settings file is gone although settings were saved"]
    return ["the settings file holds neither the last saved version nor the one being saved"]


def check_reopened(copy: AppPaths, streaming: list[int]) -> list[str]:
    """Open the profile as the next start would: no warnings, the replies left streaming marked
    interrupted, and the newest of them can be continued."""
    profile = open_profile(copy)
    try:
        problems = [f"opening the profile warned: {warning}" for warning in profile.warnings]
        for mid in streaming:
            message = profile.store.message(mid)
            if message.status is not MessageStatus.INTERRUPTED or not message.can_continue:
                problems.append(f"reply {mid} was streaming at the kill but is {message.status.value} "
                                "after reopening, not a continuable interrupted reply")
        if streaming and not problems:
            reply = profile.store.message(streaming[-1])
            turn = continue_reply(profile.store, reply, profile.settings)
            if turn.request.reply_prefix != reply.content or turn.reply.status is not MessageStatus.STREAMING:
                problems.append(f"continuing interrupted reply {reply.id} did not pick up its text")
    finally:
        profile.close()
    return problems


def check_after_kill(work: Workdir) -> CheckReport:
    """Every check, on a copy of the chain's data directory; a run that passes becomes the
    next run's baseline."""
    shutil.rmtree(work.scratch, ignore_errors=True)
    shutil.copytree(work.data, work.scratch)
    copy = AppPaths.from_data_dir(work.scratch)
    start = Baseline.from_json(json.loads(work.baseline.read_text())) if work.baseline.exists() \
        else Baseline()
    journal = replay(work.journal, start.journal_offset)
    settings, torn = read_settings(copy.settings_file)
    problems = [torn] if torn else check_settings(settings, journal, start.settings)
    found = read_snapshot(copy.database) if copy.database.exists() else Snapshot({}, {}, "ok", 0)
    problems += check_store(journal, start.store, found)
    if copy.database.exists():
        problems += check_reopened(copy, found.streaming())
    if not problems:
        baseline = Baseline(StoreState(found.conversations, found.messages), settings, seal(work.journal))
        work.baseline.write_text(json.dumps(baseline.to_json()))
    return CheckReport(problems, len(found.streaming()), [call.name for call in journal.pending])

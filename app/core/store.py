"""The conversation store: the one owner of the SQLite connection.

SQLite in WAL mode with ``synchronous=NORMAL``: each write is one short transaction, so a crash
(even ``kill -9``) keeps everything committed before it and the file passes
``PRAGMA integrity_check``. The schema is migrated on open (see ``migrations.py``); an existing
database is backed up before its first migration. Use a Store from one thread only.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.core.atomic import move_aside
from app.core.errors import StoreError
from app.core.migrations import MIGRATIONS
from app.core.models import (
    ConversationSummary,
    GenerationStats,
    Message,
    MessageStatus,
    Role,
)

log = logging.getLogger(__name__)


class StoreDamagedError(StoreError):
    """The database file is not a readable SQLite database."""


class Store:
    """Conversations and messages in one SQLite file."""

    def __init__(self, path: Path, migrations: tuple[str, ...] = MIGRATIONS) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the conversation database {path} ({exc}); "
                             "check that the folder is writable.") from exc
        self._db.row_factory = sqlite3.Row
        try:
            self._refuse_newer_schema(len(migrations))  # before anything writes to the file
            self._configure()
            self._migrate(migrations)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if _is_damage(exc):
                raise StoreDamagedError(f"The conversation database {path} is damaged ({exc}).") from exc
            raise StoreError(f"Cannot open the conversation database {path} ({exc}); "
                             "check that the folder is writable and the disk is not full.") from exc
        except StoreError:
            self._db.close()
            raise

    # -- setup -------------------------------------------------------------------------------

    def _configure(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")

    @property
    def schema_version(self) -> int:
        """How many migrations this database has had."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer_schema(self, known: int) -> None:
        current = self.schema_version
        if current > known:
            raise StoreError(
                f"The conversation database {self.path} was written by a newer version of Parley "
                f"(schema {current}, this version knows {known}); update Parley. "
                "The file was left untouched."
            )

    def _migrate(self, migrations: tuple[str, ...]) -> None:
        current = self.schema_version
        if current == len(migrations):
            return
        if current > 0:
            self._backup(f"before-v{len(migrations)}")
        for version in range(current, len(migrations)):
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE; {migrations[version]}; PRAGMA user_version = {version + 1}; COMMIT;"
                )
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            log.info("migrated %s to schema %d", self.path, version + 1)

    def _backup(self, label: str) -> Path:
        target = self.path.with_name(f"{self.path.name}.{label}-{time.strftime('%Y%m%d-%H%M%S')}")
        copy = sqlite3.connect(target)
        try:
            self._db.backup(copy)
        finally:
            copy.close()
        log.info("backed up %s to %s", self.path, target)
        return target

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (a clean WAL checkpoint happens here)."""
        self._db.close()

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok" for a healthy database."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- conversations -----------------------------------------------------------------------

    def create_conversation(self, title: str, overrides: dict[str, Any] | None = None) -> int:
        """Create an empty conversation (with its setting ``overrides``) and return its id."""
        now = time.time()
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO conversations (title, created_at, updated_at, overrides_json)"
                " VALUES (?, ?, ?, ?)",
                (title, now, now, json.dumps(overrides or {}, ensure_ascii=False)),
            )
        return int(cursor.lastrowid or 0)

    def conversation_overrides(self, conversation_id: int) -> dict[str, Any]:
        """The settings this conversation overrides, as stored (the caller validates them)."""
        row = self._db.execute("SELECT overrides_json FROM conversations WHERE id = ?",
                               (conversation_id,)).fetchone()
        try:
            overrides = json.loads(row[0]) if row else {}
        except json.JSONDecodeError:
            log.warning("conversation %d has unreadable overrides; ignoring them", conversation_id)
            return {}
        return overrides if isinstance(overrides, dict) else {}

    def set_conversation_overrides(self, conversation_id: int, overrides: dict[str, Any]) -> None:
        """Replace the settings this conversation overrides."""
        with self._transaction():
            self._db.execute("UPDATE conversations SET overrides_json = ? WHERE id = ?",
                             (json.dumps(overrides, ensure_ascii=False), conversation_id))

    def conversation(self, conversation_id: int) -> ConversationSummary | None:
        """One conversation's summary, or None if there is no such conversation."""
        rows = self._summaries("WHERE c.id = ?", (conversation_id,))
        return rows[0] if rows else None

    def list_conversations(self) -> list[ConversationSummary]:
        """Every conversation, most recently updated first."""
        return self._summaries("", ())

    def _summaries(self, where: str, args: tuple[object, ...]) -> list[ConversationSummary]:
        rows = self._db.execute(
            "SELECT c.id, c.title, c.updated_at,"
            " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"
            f" FROM conversations c {where} ORDER BY c.updated_at DESC, c.id DESC",
            args,
        ).fetchall()
        return [ConversationSummary(r["id"], r["title"], r["updated_at"], r["message_count"])
                for r in rows]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Give a conversation a new title."""
        with self._transaction():
            self._db.execute("UPDATE conversations SET title = ? WHERE id = ?",
                             (title, conversation_id))

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages."""
        with self._transaction():
            self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages ----------------------------------------------------------------------------

    def add_message(self, conversation_id: int, role: Role, content: str,
                    parent_id: int | None = None,
                    status: MessageStatus = MessageStatus.COMPLETE,
                    stats: GenerationStats | None = None) -> Message:
        """Append a message (committed before this returns) and bump the conversation."""
        now = time.time()
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, status,"
                " created_at, model, settings_json, seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, parent_id, role.value, content, status.value, now,
                 stats.model if stats else None,
                 json.dumps(stats.settings) if stats else None,
                 stats.seed if stats else None),
            )
            self._touch(conversation_id, now)
        return self.message(int(cursor.lastrowid or 0))

    def update_message_text(self, message_id: int, content: str) -> None:
        """Replace the text of a message that is still streaming."""
        with self._transaction():
            self._db.execute("UPDATE messages SET content = ? WHERE id = ?", (content, message_id))

    def finish_message(self, message_id: int, content: str, status: MessageStatus,
                       stats: GenerationStats | None = None, error: str | None = None) -> Message:
        """Write a reply's final text, status and statistics."""
        with self._transaction():
            self._db.execute(
                "UPDATE messages SET content = ?, status = ?, error = ?,"
                " prompt_tokens = ?, completion_tokens = ?, tokens_per_s = ?, ttft_ms = ?"
                " WHERE id = ?",
                (content, status.value, error,
                 stats.prompt_tokens if stats else None,
                 stats.completion_tokens if stats else None,
                 stats.tokens_per_s if stats else None,
                 stats.ttft_ms if stats else None,
                 message_id),
            )
            row = self._db.execute("SELECT conversation_id FROM messages WHERE id = ?",
                                   (message_id,)).fetchone()
            if row is not None:
                self._touch(row[0], time.time())
        return self.message(message_id)

    def mark_interrupted(self) -> int:
        """Mark replies left streaming by a crash as interrupted; return how many there were."""
        with self._transaction():
            cursor = self._db.execute("UPDATE messages SET status = ? WHERE status = ?",
                                      (MessageStatus.INTERRUPTED.value,
                                       MessageStatus.STREAMING.value))
        return cursor.rowcount

    def message(self, message_id: int) -> Message:
        """One message by id (KeyError if it does not exist)."""
        row = self._db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise KeyError(message_id)
        return _message_from_row(row)

    def messages(self, conversation_id: int) -> list[Message]:
        """A conversation's messages, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
        return [_message_from_row(r) for r in rows]

    def _touch(self, conversation_id: int, when: float) -> None:
        self._db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?",
                         (when, conversation_id))


def open_store(path: Path) -> tuple[Store, str | None]:
    """Open the store at ``path``; a damaged file is moved aside (kept) and a fresh one started.

    Returns the store and, when something was moved aside, the sentence to show the user.
    Other failures (a newer schema, a read-only folder) raise StoreError.
    """
    try:
        return Store(path), None
    except StoreDamagedError as exc:
        log.error("%s", exc)
        kept = move_aside(path, "damaged")
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                move_aside(companion, "damaged")
        return Store(path), (
            f"The conversation database was damaged, so Parley started a new one; "
            f"the old file was kept as {kept}."
        )


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _message_from_row(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        parent_id=row["parent_id"],
        role=Role(row["role"]),
        content=row["content"],
        status=MessageStatus(row["status"]),
        created_at=row["created_at"],
        stats=_stats_from_row(row),
        error=row["error"],
    )


def _stats_from_row(row: sqlite3.Row) -> GenerationStats | None:
    if row["model"] is None:
        return None
    return GenerationStats(
        model=row["model"],
        settings=json.loads(row["settings_json"]) if row["settings_json"] else {},
        seed=row["seed"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        tokens_per_s=row["tokens_per_s"],
        ttft_ms=row["ttft_ms"],
    )

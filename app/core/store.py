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
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core import store_files
from app.core.errors import Joined, Phrase, StoreError
from app.core.generation import ReplyTokens
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.migrations import MIGRATIONS
from app.core.models import (
    ConversationRecord,
    ConversationSummary,
    GenerationStats,
    Message,
    MessageStatus,
    Role,
    SearchHit,
)
from app.core.search_text import MATCH_END, MATCH_START, clean_snippet, match_query, search_text
from app.core.tree import BranchItem, children_by_parent, path_to, shown_branch

log = logging.getLogger(__name__)


class StoreDamagedError(StoreError):
    """The database file is not a readable SQLite database, or SQLite finds it inconsistent."""


class StoreUnwritableError(StoreError):
    """The database cannot be opened for writing (a read-only folder, a full disk)."""


class Store:
    """Conversations and messages in one SQLite file."""

    def __init__(self, path: Path, migrations: tuple[str, ...] = MIGRATIONS, read_only: bool = False,
                 check: bool = True) -> None:
        """Open (or create) the database at ``path``, check it (``PRAGMA integrity_check``) and migrate it.

        ``read_only`` opens an existing database of the current schema without ever writing to it,
        for a folder that cannot be written; anything that would write then fails. ``check`` False
        skips the integrity check: for a second connection to a database the app already opened.
        """
        self.path = path
        self.read_only = read_only
        log_left = store_files.companion(path, "-wal").is_file()  # the last session did not end cleanly
        hot_journal = store_files.companion(path, "-journal").exists()  # played back by a writer only
        if check and not read_only and log_left and not hot_journal and path.is_file():
            # Checked through a read-only connection first: closing a read-write one on a damaged
            # file would checkpoint its log into it, and the damaged file must be kept as found.
            # (The read-write check below still runs: only it verifies CHECK constraints.)
            self._start(store_files.connect_read_only, migrations, check=True, use=False)
        connect = store_files.connect_read_only if read_only else _connect
        self._start(connect, migrations, check=check, use=True)

    def _start(self, connect: Callable[[Path], sqlite3.Connection], migrations: tuple[str, ...],
               check: bool, use: bool) -> None:
        """Connect; refuse a newer schema, and with ``check`` a damaged file; with ``use``, configure
        and migrate the connection for use (else close it)."""
        try:
            self._db = connect(self.path)
        except store_files.UNREADABLE as exc:
            raise _open_error(self.path, exc) from exc
        self._db.row_factory = sqlite3.Row
        self._db.text_factory = store_files.decoded  # a damaged byte in a text is shown, not fatal
        try:
            self._refuse_newer_schema(len(migrations))  # before anything writes to the file
            if check:
                self._check_integrity(migrations)  # never write into a damaged file
            if not use:
                self._db.close()
                return
            self._configure()
            self._migrate(migrations)
            self._db.execute("PRAGMA foreign_keys=ON")  # after migrations, which rebuild tables
        except store_files.UNREADABLE as exc:
            self._db.close()
            raise _open_error(self.path, exc) from exc
        except StoreError:
            self._db.close()
            raise

    # -- setup -------------------------------------------------------------------------------

    @classmethod
    def temporary(cls) -> Store:
        """A store that lives in memory only: for a temporary chat that never touches the disk."""
        return cls(Path(":memory:"))

    def _configure(self) -> None:
        if not self.read_only:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.create_function("parley_search_text", 1, search_text, deterministic=True)

    def _check_integrity(self, migrations: tuple[str, ...]) -> None:
        """StoreDamagedError when SQLite finds the file inconsistent (``integrity_check``: every
        page, record and index entry; about 1.2 ms per megabyte once the file is cached; see
        ``store_files.worth_full_check`` for large histories), or the columns of its tables are
        not those its migrations made."""
        full = store_files.worth_full_check(self.path)
        found = str(self._db.execute("PRAGMA integrity_check(1)").fetchone()[0]) if full else "ok"
        reason = (_one_line(found.replace("*** in database main ***", "")) if found != "ok"
                  else store_files.schema_problem(self._db, migrations[:self.schema_version]))
        if reason:
            raise StoreDamagedError(QT_TRANSLATE_NOOP("Errors", "The conversation database {path} is damaged "
                                                                "({reason})."), path=self.path, reason=reason)

    @property
    def schema_version(self) -> int:
        """How many migrations this database has had."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer_schema(self, known: int) -> None:
        current = self.schema_version
        if current > known:
            raise StoreError(QT_TRANSLATE_NOOP(
                "Errors", "The conversation database {path} was written by a newer version of Parley "
                          "(schema {schema}, this version knows {known}); update Parley. "
                          "The file was left untouched."),
                path=self.path, schema=current, known=known)

    def _migrate(self, migrations: tuple[str, ...]) -> None:
        current = self.schema_version
        if current == len(migrations):
            return
        if self.read_only:
            raise StoreError(QT_TRANSLATE_NOOP(
                "Errors", "The conversation database {path} must be upgraded before this version of Parley "
                          "can read it, and its folder cannot be written; make the folder writable and "
                          "start Parley again."), path=self.path)
        if current > 0:
            self._backup(f"before-v{len(migrations)}")
        for version in range(current, len(migrations)):
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE; {migrations[version]}; PRAGMA user_version = {version + 1};")
                broken = self._db.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(QT_TRANSLATE_NOOP(
                        "Errors", "Upgrading {path} to schema {schema} would break {count} links "
                                  "between rows; nothing was changed."),
                        path=self.path, schema=version + 1, count=len(broken))
                self._db.execute("COMMIT")
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
            return self._insert_conversation(
                ConversationSummary(0, title, now, created_at=now), overrides or {})

    def _insert_conversation(self, summary: ConversationSummary, overrides: dict[str, Any]) -> int:
        cursor = self._db.execute(
            "INSERT INTO conversations (title, created_at, updated_at, overrides_json, pinned,"
            " deleted_at, title_by_user) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (summary.title, summary.created_at, summary.updated_at,
             json.dumps(overrides, ensure_ascii=False), int(summary.pinned), summary.deleted_at,
             int(summary.title_by_user)),
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
        """One conversation's summary (in the trash or not), or None if there is no such one."""
        rows = self._summaries("WHERE c.id = ?", (conversation_id,))
        return rows[0] if rows else None

    def list_conversations(self) -> list[ConversationSummary]:
        """Every conversation not in the trash, most recently updated first."""
        return self._summaries("WHERE c.deleted_at IS NULL", ())

    def trashed_conversations(self) -> list[ConversationSummary]:
        """The conversations in the trash, most recently updated first."""
        return self._summaries("WHERE c.deleted_at IS NOT NULL", ())

    def _summaries(self, where: str, args: tuple[object, ...]) -> list[ConversationSummary]:
        rows = self._db.execute(
            "SELECT c.*,"
            " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"
            f" FROM conversations c {where} ORDER BY c.updated_at DESC, c.id DESC",
            args,
        ).fetchall()
        return [ConversationSummary(r["id"], r["title"], r["updated_at"], r["message_count"],
                                    bool(r["pinned"]), r["deleted_at"], r["created_at"],
                                    bool(r["title_by_user"]))
                for r in rows]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Give a conversation the title the user chose (automatic titles never replace it)."""
        with self._transaction():
            self._db.execute("UPDATE conversations SET title = ?, title_by_user = 1 WHERE id = ?",
                             (title, conversation_id))

    def set_automatic_title(self, conversation_id: int, title: str) -> bool:
        """Set a generated title, unless the user has named the conversation; True if set."""
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND title_by_user = 0",
                (title, conversation_id))
        return cursor.rowcount > 0

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        """Pin a conversation to the top of the list, or unpin it."""
        with self._transaction():
            self._db.execute("UPDATE conversations SET pinned = ? WHERE id = ?",
                             (int(pinned), conversation_id))

    def move_to_trash(self, conversation_id: int) -> None:
        """Put a conversation in the trash (nothing is deleted; restore() brings it back)."""
        with self._transaction():
            self._db.execute("UPDATE conversations SET deleted_at = ? WHERE id = ?",
                             (time.time(), conversation_id))

    def restore(self, conversation_id: int) -> None:
        """Take a conversation out of the trash."""
        with self._transaction():
            self._db.execute("UPDATE conversations SET deleted_at = NULL WHERE id = ?",
                             (conversation_id,))

    def empty_trash(self) -> int:
        """Delete every conversation in the trash for good; return how many there were."""
        with self._transaction():
            cursor = self._db.execute("DELETE FROM conversations WHERE deleted_at IS NOT NULL")
        return cursor.rowcount

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages for good."""
        with self._transaction():
            self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages ----------------------------------------------------------------------------

    def add_message(self, conversation_id: int, role: Role, content: str,
                    parent_id: int | None = None,
                    status: MessageStatus = MessageStatus.COMPLETE,
                    stats: GenerationStats | None = None) -> Message:
        """Add a message under ``parent_id`` (committed before this returns); it becomes the
        shown branch's last message, and the conversation counts as updated."""
        now = time.time()
        with self._transaction():
            message_id = self._insert_message(conversation_id, Message(
                0, conversation_id, parent_id, role, content, status, now, stats,
                active_at=self._active_now(conversation_id)))
            self._touch(conversation_id, now)
        return self.message(message_id)

    def _insert_message(self, conversation_id: int, m: Message) -> int:
        stats = m.stats
        cursor = self._db.execute(
            "INSERT INTO messages (conversation_id, parent_id, role, content, status, created_at,"
            " active_at, model, settings_json, seed, prompt_tokens, completion_tokens,"
            " tokens_per_s, ttft_ms, error, rating, feedback_note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, m.parent_id, m.role.value, m.content, m.status.value, m.created_at,
             m.active_at, stats.model if stats else None,
             json.dumps(stats.settings, ensure_ascii=False) if stats else None,
             stats.seed if stats else None, stats.prompt_tokens if stats else None,
             stats.completion_tokens if stats else None, stats.tokens_per_s if stats else None,
             stats.ttft_ms if stats else None, m.error, m.rating, m.feedback_note),
        )
        return int(cursor.lastrowid or 0)

    def update_message_text(self, message_id: int, content: str) -> None:
        """Replace the text of a message that is still streaming."""
        with self._transaction():
            self._db.execute("UPDATE messages SET content = ? WHERE id = ?", (content, message_id))

    def reopen_message(self, message_id: int) -> Message:
        """Mark a reply as streaming again, to continue it; it becomes the shown branch."""
        self.show_branch(message_id)
        with self._transaction():
            self._db.execute("UPDATE messages SET status = ?, error = NULL WHERE id = ?",
                             (MessageStatus.STREAMING.value, message_id))
        return self.message(message_id)

    def finish_message(self, message_id: int, content: str, status: MessageStatus,
                       stats: GenerationStats | None = None, error: str | None = None,
                       tokens: ReplyTokens | None = None) -> Message:
        """Write a reply's final text, status and (when given) statistics and exact tokens."""
        with self._transaction():
            self._db.execute("UPDATE messages SET content = ?, status = ?, error = ? WHERE id = ?",
                             (content, status.value, error, message_id))
            self._db.execute("DELETE FROM reply_tokens WHERE message_id = ?", (message_id,))
            if tokens is not None:
                self._db.execute("INSERT INTO reply_tokens (message_id, model, ids) VALUES (?, ?, ?)",
                                 (message_id, tokens.model, array("i", tokens.ids).tobytes()))
            if stats is not None:
                self._db.execute(
                    "UPDATE messages SET prompt_tokens = ?, completion_tokens = ?,"
                    " tokens_per_s = ?, ttft_ms = ? WHERE id = ?",
                    (stats.prompt_tokens, stats.completion_tokens, stats.tokens_per_s,
                     stats.ttft_ms, message_id))
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

    def set_feedback(self, message_id: int, rating: int | None, note: str | None = None) -> Message:
        """Rate a reply good (1) or bad (-1), or clear the rating (None), with an optional note."""
        if rating not in (-1, 1, None):
            raise ValueError(f"a rating is 1, -1 or None, not {rating!r}")
        with self._transaction():
            self._db.execute("UPDATE messages SET rating = ?, feedback_note = ? WHERE id = ?",
                             (rating, note or None, message_id))
        return self.message(message_id)

    def message(self, message_id: int) -> Message:
        """One message by id (KeyError if it does not exist)."""
        row = self._db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise KeyError(message_id)
        return _message_from_row(row)

    def messages(self, conversation_id: int) -> list[Message]:
        """Every message of a conversation, on every branch, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
        return [_message_from_row(r) for r in rows]

    def reply_tokens(self, message_ids: list[int]) -> dict[int, ReplyTokens]:
        """The recorded tokens of those of ``message_ids`` that have them."""
        found: dict[int, ReplyTokens] = {}
        for start in range(0, len(message_ids), 500):  # SQLite's limit on parameters
            chunk = message_ids[start:start + 500]
            rows = self._db.execute(
                f"SELECT message_id, model, ids FROM reply_tokens WHERE message_id IN "
                f"({', '.join('?' * len(chunk))})", chunk).fetchall()
            for message_id, model, blob in rows:
                found[message_id] = ReplyTokens(model, tuple(array("i", blob)))
        return found

    # -- branches ----------------------------------------------------------------------------

    def branch(self, conversation_id: int) -> list[BranchItem]:
        """The branch of the conversation that is shown, root first (see tree.py)."""
        return shown_branch(self.messages(conversation_id))

    def show_branch(self, message_id: int) -> None:
        """Make the branch through ``message_id`` the shown one (below it, the one last seen)."""
        with self._transaction():
            row = self._db.execute("SELECT conversation_id FROM messages WHERE id = ?",
                                   (message_id,)).fetchone()
            self._db.execute(
                "WITH RECURSIVE path(id) AS (SELECT ?"
                " UNION ALL SELECT m.parent_id FROM messages m JOIN path ON m.id = path.id"
                " WHERE m.parent_id IS NOT NULL)"
                " UPDATE messages SET active_at = ? WHERE id IN path",
                (message_id, self._active_now(row[0]) if row else time.time()))

    def _active_now(self, conversation_id: int) -> float:
        """The ``active_at`` for what is shown from now on: the time, or a millisecond after the
        conversation's latest one if the clock has not passed it (a coarse clock, 15.6 ms on
        Windows before Python 3.13; a clock set back; a time imported from a file). The branch
        shown last must always be the most recently active."""
        now = time.time()
        latest = self._db.execute("SELECT MAX(active_at) FROM messages WHERE conversation_id = ?",
                                  (conversation_id,)).fetchone()[0]
        return now if latest is None or now > latest else latest + 0.001

    def delete_message(self, message_id: int) -> int:
        """Delete a message and every message below it; return how many were deleted."""
        with self._transaction():
            self._db.execute(
                "WITH RECURSIVE below(id) AS (SELECT ?"
                " UNION ALL SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id)"
                " DELETE FROM messages WHERE id IN below",
                (message_id,))
            deleted = int(self._db.execute("SELECT changes()").fetchone()[0])
        return deleted

    def fork(self, message_id: int, title: str) -> int:
        """A new conversation holding copies of the messages from the root to ``message_id``,
        with the same setting overrides; return its id."""
        original = self.message(message_id)
        path = path_to(self.messages(original.conversation_id), message_id)
        overrides = self.conversation_overrides(original.conversation_id)
        now = time.time()
        with self._transaction():
            new_id = self._insert_conversation(
                ConversationSummary(0, title, now, created_at=now), overrides)
            parent: int | None = None
            for message in path:
                parent = self._insert_message(new_id, replace(message, parent_id=parent))
        return new_id

    # -- import ------------------------------------------------------------------------------

    def import_conversations(self, records: list[ConversationRecord]) -> list[int]:
        """Add whole conversations in one transaction (all or nothing); return their new ids.

        Each record's message ids only need to be consistent within it: they are renumbered,
        and parents are always inserted before their children.
        """
        ids: list[int] = []
        with self._transaction():
            for record in records:
                conversation_id = self._insert_conversation(record.summary, record.overrides)
                new_ids: dict[int, int] = {}
                for message in _parents_first(record.messages):
                    parent = new_ids[message.parent_id] if message.parent_id is not None else None
                    new_ids[message.id] = self._insert_message(
                        conversation_id, replace(message, parent_id=parent))
                ids.append(conversation_id)
        return ids

    # -- search ------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Conversations whose title, and messages whose text, contain every term of ``query``
        (newest first, not in the trash); Chinese is matched as substrings."""
        expression = match_query(query)
        if expression is None:
            return []
        titles = self._db.execute(
            "SELECT c.id, c.title, snippet(title_search, 0, ?, ?, '…', 16) AS snippet"
            " FROM title_search JOIN conversations c ON c.id = title_search.rowid"
            " WHERE title_search MATCH ? AND c.deleted_at IS NULL"
            " ORDER BY c.updated_at DESC LIMIT ?",
            (MATCH_START, MATCH_END, expression, limit)).fetchall()
        messages = self._db.execute(
            "SELECT m.id, m.conversation_id, m.role, c.title,"
            " snippet(message_search, 0, ?, ?, '…', 16) AS snippet"
            " FROM message_search JOIN messages m ON m.id = message_search.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE message_search MATCH ? AND c.deleted_at IS NULL"
            " ORDER BY message_search.rowid DESC LIMIT ?",
            (MATCH_START, MATCH_END, expression, limit)).fetchall()
        hits = [SearchHit(r["id"], r["title"], None, clean_snippet(r["snippet"])) for r in titles]
        hits += [SearchHit(r["conversation_id"], r["title"], r["id"], clean_snippet(r["snippet"]),
                           Role(r["role"])) for r in messages]
        return hits[:limit]

    def _touch(self, conversation_id: int, when: float) -> None:
        self._db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?",
                         (when, conversation_id))


def open_store(path: Path) -> tuple[Store, Phrase | None]:
    """Open the store at ``path``, working around what can be; return it and, when something was
    wrong, the sentences to tell the user.

    A leftover journal or a missing log is dealt with first (``store_files.check_companions``).
    A damaged file is set aside (kept) and a new one started with the conversations that can
    still be read. A database that cannot be written (a read-only folder, a full disk) is opened
    read-only. Other failures (a newer schema, a database in use) raise StoreError.
    """
    notes = store_files.check_companions(path)
    try:
        store, note = Store(path), None
    except StoreDamagedError as exc:
        store, note = _start_again(path, exc)
    except StoreUnwritableError as exc:
        store, note = _open_read_only(path, exc)
    notes += [note] if note else []
    return store, (Joined(" ", notes) if notes else None)


def _start_again(path: Path, damage: StoreDamagedError) -> tuple[Store, Phrase]:
    """Set the damaged database aside and start a new one with what can still be read from it."""
    log.error("%s", damage)
    try:
        kept = store_files.set_aside(path)
    except OSError as exc:
        raise _cannot_set_aside(path, damage, exc.strerror or exc) from exc
    try:
        store = Store(path)
    except StoreError:  # a full disk: leave things as they were, to be found again next time
        store_files.remove_new(path)  # the half-made new one (and its log) must not join the kept one
        store_files.put_back(kept, path)
        raise
    copied = store_files.copy_readable(kept, path)
    log.info("copied %d conversations from %s into a new database", copied, kept)
    return store, Phrase(QT_TRANSLATE_NOOP(
        "Errors", "The conversation database was damaged ({reason}), so Parley started a new one with "
                  "the {count} conversations it could still read; the damaged file was kept as {kept}, from "
                  "which a recovery tool may save more."),
        reason=damage.values["reason"], kept=kept, count=copied)


def _open_read_only(path: Path, problem: StoreUnwritableError) -> tuple[Store, Phrase]:
    """The database opened read-only, for a folder that cannot be written (or a disk that is full)."""
    if not path.is_file():
        raise problem
    try:
        store = Store(path, read_only=True)
    except StoreDamagedError as exc:
        raise _cannot_set_aside(path, exc, problem.values["reason"]) from None
    except StoreUnwritableError:
        raise problem from None
    log.warning("opened %s read-only: %s", path, problem)
    return store, Phrase(QT_TRANSLATE_NOOP(
        "Errors", "Parley cannot write to the conversation database ({reason}), so it opened it read-only: "
                  "nothing new can be saved until its folder is writable and the disk has room."),
        reason=problem.values["reason"])


def _cannot_set_aside(path: Path, damage: StoreDamagedError, problem: object) -> StoreError:
    return StoreError(QT_TRANSLATE_NOOP(
        "Errors", "The conversation database {path} is damaged ({reason}), and Parley cannot set it aside "
                  "because it cannot write there ({problem}); make the folder writable or free some disk "
                  "space, and start Parley again."),
        path=path, reason=damage.values["reason"], problem=problem)


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(path, isolation_level=None, timeout=10.0)


def _open_error(path: Path, exc: sqlite3.Error | UnicodeDecodeError) -> StoreError:
    """The StoreError for a failure to open ``path``: damaged, in use, or not writable."""
    if _is_damage(exc):
        return StoreDamagedError(QT_TRANSLATE_NOOP("Errors", "The conversation database {path} is damaged "
                                                             "({reason})."), path=path, reason=_one_line(exc))
    kind = StoreError if "locked" in str(exc).lower() else StoreUnwritableError  # in use: never read-only
    return kind(QT_TRANSLATE_NOOP("Errors", "Cannot open the conversation database {path} ({reason}); "
                                            "check that the folder is writable and the disk is not full."),
                path=path, reason=exc)


def _one_line(reason: object) -> str:
    """SQLite's account of damage, fit for a one-line message (it may quote the schema's SQL)."""
    text = " ".join(str(reason).split())
    return text if len(text) <= 160 else text[:159] + "…"


def _is_damage(exc: sqlite3.Error | UnicodeDecodeError) -> bool:
    if isinstance(exc, UnicodeDecodeError):  # a name or message from a damaged schema
        return True
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
        active_at=row["active_at"],
        rating=row["rating"],
        feedback_note=row["feedback_note"],
    )


def _parents_first(messages: list[Message]) -> list[Message]:
    """``messages`` ordered so that each comes after its parent; ValueError on a broken tree."""
    known = {m.id for m in messages}
    children = children_by_parent(messages)
    if any(parent is not None and parent not in known for parent in children):
        raise ValueError("a message's parent is not in the conversation")
    ordered: list[Message] = []
    pending = list(reversed(children.get(None, [])))
    while pending:
        message = pending.pop()
        ordered.append(message)
        pending.extend(reversed(children.get(message.id, [])))
    if len(ordered) != len(messages):
        raise ValueError("the messages do not form a tree (a cycle, or a repeated id)")
    return ordered


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

"""The store: schema migrations, incremental writes, crash recovery, damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.errors import StoreError
from app.core.generation import ReplyTokens
from app.core.migrations import MIGRATIONS, SCHEMA_VERSION
from app.core.models import GenerationStats, MessageStatus, Role
from app.core.store import Store, open_store


def test_new_database_is_created_at_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    assert store.schema_version == SCHEMA_VERSION
    mode = sqlite3.connect(tmp_path / "p.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.integrity_check() == "ok"
    store.close()


def test_migrations_run_in_order_and_back_up_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    make_version_1_database(path)
    extra = "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
    upgraded = Store(path, migrations=(*MIGRATIONS[:1], extra))
    assert upgraded.schema_version == 2
    upgraded.close()
    assert sqlite3.connect(path).execute("SELECT content FROM messages").fetchall() == [("hello",)]
    backups = list(tmp_path.glob("p.db.before-v2-*"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
    assert copy.execute("SELECT content FROM messages").fetchall() == [("hello",)]


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    Store(path, migrations=MIGRATIONS[:1]).close()
    broken = "CREATE TABLE half (id INTEGER); THIS IS NOT SQL"
    with pytest.raises(StoreError):
        Store(path, migrations=(*MIGRATIONS[:1], broken))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchall() == []


def test_a_database_from_a_newer_parley_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer version of Parley"):
        Store(path)
    assert path.read_bytes() == before


def test_streaming_reply_is_written_incrementally_and_finished(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    conversation = store.create_conversation("t")
    user = store.add_message(conversation, Role.USER, "hi")
    stats = GenerationStats(model="m.gguf", settings={"temperature": 0.5}, seed=7)
    reply = store.add_message(conversation, Role.ASSISTANT, "", parent_id=user.id,
                              status=MessageStatus.STREAMING, stats=stats)

    store.update_message_text(reply.id, "Hel")
    # A second connection (another process) sees each committed write.
    other = Store(tmp_path / "p.db")
    assert other.message(reply.id).content == "Hel"
    assert other.message(reply.id).status is MessageStatus.STREAMING

    final = store.finish_message(reply.id, "Hello!", MessageStatus.COMPLETE,
                                 GenerationStats("m.gguf", {"temperature": 0.5}, 7, 12, 3, 99.5, 42.0))
    assert other.message(reply.id) == final
    assert (final.content, final.status) == ("Hello!", MessageStatus.COMPLETE)
    assert final.stats == GenerationStats("m.gguf", {"temperature": 0.5}, 7, 12, 3, 99.5, 42.0)
    assert store.message(user.id).stats is None
    other.close()
    store.close()


def test_a_reply_keeps_its_exact_tokens_until_it_is_deleted(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    conversation = store.create_conversation("t")
    user = store.add_message(conversation, Role.USER, "hi")
    reply = store.add_message(conversation, Role.ASSISTANT, "", parent_id=user.id,
                              status=MessageStatus.STREAMING)
    tokens = ReplyTokens("model-identity", (9906, 0, 2**31 - 1, 13))
    store.finish_message(reply.id, "Hello!", MessageStatus.COMPLETE, tokens=tokens)
    assert store.reply_tokens([user.id, reply.id]) == {reply.id: tokens}
    store.finish_message(reply.id, "Hello! More", MessageStatus.STOPPED)  # the text changed
    assert store.reply_tokens([reply.id]) == {}
    store.finish_message(reply.id, "Hello!", MessageStatus.COMPLETE, tokens=tokens)
    store.delete_message(user.id)
    assert store.reply_tokens([reply.id]) == {}
    assert store._db.execute("SELECT COUNT(*) FROM reply_tokens").fetchone()[0] == 0
    many = [store.add_message(conversation, Role.USER, str(i)).id for i in range(1200)]
    assert store.reply_tokens(many) == {}  # more ids than SQLite takes parameters at once
    store.close()


def test_replies_left_streaming_by_a_crash_are_marked_interrupted(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    conversation = store.create_conversation("t")
    reply = store.add_message(conversation, Role.ASSISTANT, "partial",
                              status=MessageStatus.STREAMING)
    assert store.mark_interrupted() == 1
    assert store.message(reply.id).status is MessageStatus.INTERRUPTED
    assert store.message(reply.id).content == "partial"


def test_conversations_are_listed_newest_first_with_counts(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    first = store.create_conversation("first")
    second = store.create_conversation("second")
    store.add_message(first, Role.USER, "bump")
    assert [(c.id, c.message_count) for c in store.list_conversations()] == [(first, 1), (second, 0)]
    store.rename_conversation(second, "renamed")
    assert store.conversation(second).title == "renamed"
    store.delete_conversation(first)
    assert [c.id for c in store.list_conversations()] == [second]
    assert store.messages(first) == []


def test_damaged_database_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not a database at all" * 100)
    store, warning = open_store(path)
    assert warning is not None and "kept as" in str(warning)
    kept = list(tmp_path.glob("p.db.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    assert store.list_conversations() == []
    store.close()


def test_conversation_overrides_are_stored_per_conversation(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    first = store.create_conversation("one", {"temperature": 0.1})
    second = store.create_conversation("two")
    store.set_conversation_overrides(second, {"system_prompt": "海盗"})
    store.close()
    store = Store(tmp_path / "p.db")
    assert store.conversation_overrides(first) == {"temperature": 0.1}
    assert store.conversation_overrides(second) == {"system_prompt": "海盗"}
    assert store.conversation_overrides(999) == {}


def make_version_1_database(path: Path) -> None:
    """A database as Parley 0.1 (schema 1) left it: one conversation with one message."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'kept', 1, 1)")
    db.execute("INSERT INTO messages (conversation_id, role, content, status, created_at)"
               " VALUES (1, 'user', 'hello', 'complete', 1)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_a_version_1_database_gains_overrides_with_nothing_lost(tmp_path: Path) -> None:
    make_version_1_database(tmp_path / "p.db")
    store = Store(tmp_path / "p.db")
    assert store.schema_version == SCHEMA_VERSION
    (summary,) = store.list_conversations()
    assert summary.title == "kept" and store.conversation_overrides(summary.id) == {}
    assert [m.content for m in store.messages(summary.id)] == ["hello"]

"""The checker itself: it must name lost, changed, torn and half-done writes, and accept a write
the kill interrupted whether or not it reached the disk (fast: no processes are killed)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.models import ConversationRecord, ConversationSummary, Message, MessageStatus, Role
from app.core.search_text import search_text
from app.core.store import Store
from app.paths import AppPaths
from tests.crash.checker import check_reopened, check_settings, check_store, read_settings, read_snapshot
from tests.crash.expected import StoreState
from tests.crash.instrument import STORE_WRITES, encode, journaled
from tests.crash.journal import Journal, replay


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    return tmp_path / "journal.jsonl"


@pytest.fixture
def store(tmp_path: Path, journal_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A real store whose writes are journaled, as in the driver."""
    journal = Journal(journal_file)
    for name in STORE_WRITES:
        monkeypatch.setattr(Store, name, journaled(journal, name, getattr(Store, name)))
    store = Store(tmp_path / "parley.db")
    yield store
    store.close()


def problems(store: Store, journal_file: Path, sql: str = "", *args: object) -> list[str]:
    """Run ``sql`` behind the store's back (the damage), then check."""
    if sql:
        with sqlite3.connect(store.path) as db:
            db.create_function("parley_search_text", 1, search_text)  # the search index's triggers
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(sql, args)
    return check_store(replay(journal_file), StoreState(), read_snapshot(store.path))


def test_replay_pairs_each_write_and_leaves_the_killed_one_in_flight(journal_file: Path) -> None:
    journal = Journal(journal_file)
    journal.intent("rename_conversation", {"conversation_id": 1, "title": "a"})
    journal.done("rename_conversation", None)
    journal.intent("rename_conversation", {"conversation_id": 1, "title": "b"})
    with journal_file.open("a") as file:
        file.write('{"phase": "done", "call": "rena')  # cut short by the kill
    replayed = replay(journal_file)
    assert [c.args["title"] for c in replayed.committed] == ["a"]
    assert [c.args["title"] for c in replayed.pending] == ["b"]


def test_committed_messages_must_be_there_unchanged(store: Store, journal_file: Path) -> None:
    cid = store.create_conversation("chat")
    question = store.add_message(cid, Role.USER, "hello")
    reply = store.add_message(cid, Role.ASSISTANT, "", question.id, MessageStatus.STREAMING)
    store.update_message_text(reply.id, "Hi the")
    assert problems(store, journal_file) == []
    assert "changed" in problems(store, journal_file, "UPDATE messages SET content = 'Hi' WHERE id = ?",
                                 reply.id)[0]
    assert "is missing" in problems(store, journal_file, "DELETE FROM messages WHERE id = ?", reply.id)[0]


def test_a_write_in_flight_may_have_happened_or_not(store: Store, journal_file: Path) -> None:
    cid = store.create_conversation("chat")
    reply = store.add_message(cid, Role.ASSISTANT, "Once", None, MessageStatus.STREAMING)
    Journal(journal_file).intent("update_message_text", {"message_id": reply.id, "content": "Once upon"})
    assert problems(store, journal_file) == []
    assert problems(store, journal_file, "UPDATE messages SET content = 'Once upon' WHERE id = ?",
                    reply.id) == []
    assert problems(store, journal_file, "UPDATE messages SET content = 'Once up' WHERE id = ?", reply.id)


def test_an_import_in_flight_is_all_or_nothing(store: Store, journal_file: Path) -> None:
    records = [ConversationRecord(ConversationSummary(0, f"imported {n}", 0.0), {}, [
        Message(1, 0, None, Role.USER, f"question {n}", MessageStatus.COMPLETE, 0.0)]) for n in range(2)]
    Journal(journal_file).intent("import_conversations", {"records": encode(records)})
    assert problems(store, journal_file) == []
    Store.import_conversations.__wrapped__(store, records)  # type: ignore[attr-defined]
    assert problems(store, journal_file) == []
    assert "conversations no committed write created" in problems(
        store, journal_file, "DELETE FROM conversations WHERE title = 'imported 1'")[0]


def test_the_settings_file_is_the_old_or_the_new_version(tmp_path: Path) -> None:
    journal_file = tmp_path / "journal.jsonl"
    journal = Journal(journal_file)
    old, new = {"top_k": 1}, {"top_k": 2}
    for settings, finished in ((old, True), (new, False)):
        journal.intent("save_settings", {"settings": settings})
        if finished:
            journal.done("save_settings", None)
    replayed = replay(journal_file)
    assert check_settings(old, replayed, None) == check_settings(new, replayed, None) == []
    assert check_settings({"top_k": 3}, replayed, None)
    assert check_settings(None, replayed, None)  # the file vanished after a save
    torn = tmp_path / "settings.json"
    torn.write_text('{"format": "parley-settings", "version": 1, "data": {"top')
    assert "torn" in str(read_settings(torn)[1])


def test_a_reply_left_streaming_must_come_back_interrupted_and_continuable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = AppPaths.from_data_dir(tmp_path / "data")
    store = Store(paths.database)
    question = store.add_message(store.create_conversation("chat"), Role.USER, "hello")
    reply = store.add_message(question.conversation_id, Role.ASSISTANT, "Hi", question.id,
                              MessageStatus.STREAMING)
    store.close()
    assert check_reopened(paths, [reply.id]) == []  # and it was continued: streaming again
    monkeypatch.setattr(Store, "mark_interrupted", lambda self: 0)  # a start that forgets to mark
    assert "not a continuable interrupted reply" in check_reopened(paths, [reply.id])[0]

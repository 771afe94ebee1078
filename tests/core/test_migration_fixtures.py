"""Databases written by every released schema version open in this Parley with nothing lost.

The fixtures (``tests/fixtures/schema-N.sqlite3``, made once by ``make_schema_fixtures.py``) are
copied, opened with ``open_store`` as at start-up, and compared with their manifests: every row
is still there with the same values, new columns hold their defaults, the schema is the
latest, the file is intact, search finds the old text, and a copy was kept before migrating.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.core.migrations import SCHEMA_VERSION
from app.core.models import MessageStatus
from app.core.store import Store, open_store
from tests.fixtures.make_schema_fixtures import (
    CHAIN_LENGTH,
    CHAIN_START,
    RELEASED,
    Row,
    fixture_path,
    read_manifest,
    table_rows,
)

DEFAULTS: dict[str, Any] = {"overrides_json": "{}", "pinned": 0, "deleted_at": None, "title_by_user": 0,
                            "rating": None, "feedback_note": None}
def default(column: str, old: Row) -> Any:
    """What a column added by a migration holds for a row written before it."""
    return old["created_at"] if column == "active_at" else DEFAULTS[column]


def key(row: Row) -> Any:
    """A row's primary key: the first column of each table."""
    return next(iter(row.values()))


QUERIES = ("天气", "晴朗", "Paris", "rain", "golden", "turn 1049")


def test_every_released_version_has_a_fixture() -> None:
    assert tuple(range(1, SCHEMA_VERSION + 1)) == RELEASED


def read_rows(path: Path) -> dict[str, list[Row]]:
    db = sqlite3.connect(path)
    try:
        return table_rows(db)
    finally:
        db.close()


@pytest.fixture(params=RELEASED, ids=lambda version: f"schema-{version}")
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[int, Store, dict[str, list[Row]]]:
    """The fixture of one version, its manifest checked, copied to a profile and opened there."""
    version: int = request.param
    manifest = read_manifest(version)
    assert read_rows(fixture_path(version)) == manifest  # the committed file is what was generated
    path = tmp_path / "parley.db"
    shutil.copy(fixture_path(version), path)
    store, note = open_store(path)
    assert note is None
    request.addfinalizer(store.close)
    return version, store, manifest


def test_every_row_survives_with_the_same_values(migrated: tuple[int, Store, dict[str, list[Row]]]) -> None:
    _, store, manifest = migrated
    assert store.schema_version == SCHEMA_VERSION
    assert store.integrity_check() == "ok"
    now = table_rows(store._db)
    for table, old_rows in manifest.items():
        new_rows = {key(row): row for row in now[table]}
        assert len(new_rows) == len(old_rows), table
        for old in old_rows:
            new = new_rows[key(old)]
            assert {column: new[column] for column in old} == old
            added = {column: new[column] for column in new if column not in old}
            assert added == {column: default(column, old) for column in added}, (table, old)


def test_the_conversations_read_as_before(migrated: tuple[int, Store, dict[str, list[Row]]]) -> None:
    _, store, manifest = migrated
    conversations = manifest["conversations"]
    assert {c.id: c.title for c in store.list_conversations()} == {
        c["id"]: c["title"] for c in conversations if c.get("deleted_at") is None}
    assert {c.id for c in store.trashed_conversations()} == {
        c["id"] for c in conversations if c.get("deleted_at") is not None}
    for c in conversations:
        old = [m for m in manifest["messages"] if m["conversation_id"] == c["id"]]
        assert [(m.id, m.parent_id, m.role.value, m.content, m.status.value)
                for m in store.messages(c["id"])] == [
            (m["id"], m["parent_id"], m["role"], m["content"], m["status"]) for m in old]
        assert store.branch(c["id"]) or not old


def test_search_finds_the_old_text(migrated: tuple[int, Store, dict[str, list[Row]]]) -> None:
    _, store, manifest = migrated
    visible = {c["id"] for c in manifest["conversations"] if c.get("deleted_at") is None}
    for query in QUERIES:
        messages = {m["id"] for m in manifest["messages"]
                    if m["conversation_id"] in visible and query.lower() in m["content"].lower()}
        titles = {c["id"] for c in manifest["conversations"] if c["id"] in visible and query in c["title"]}
        hits = store.search(query)
        assert {h.message_id for h in hits if h.message_id is not None} == messages, query
        assert {h.conversation_id for h in hits if h.message_id is None} == titles, query
    assert store.search("天气"), "the fixtures hold Chinese text"


def test_a_copy_is_kept_before_migrating(migrated: tuple[int, Store, dict[str, list[Row]]],
                                         tmp_path: Path) -> None:
    version, _, manifest = migrated
    backups = list(tmp_path.glob(f"parley.db.before-v{SCHEMA_VERSION}-*"))
    if version == SCHEMA_VERSION:
        assert backups == []  # nothing to migrate, nothing copied
        return
    (backup,) = backups
    db = sqlite3.connect(backup)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version
    finally:
        db.close()
    assert read_rows(backup) == manifest


def test_old_rows_can_be_used_as_new_ones(migrated: tuple[int, Store, dict[str, list[Row]]]) -> None:
    """The reply left streaming is marked interrupted and can be continued; old chains, even
    longer than SQLite's trigger depth, can be deleted; old conversations take new messages."""
    version, store, manifest = migrated
    assert store.mark_interrupted() == 1
    assert store.message(13).status is MessageStatus.INTERRUPTED and store.message(13).can_continue
    if version == 1:
        assert store.delete_message(CHAIN_START) == CHAIN_LENGTH
        assert store.messages(6) == []
    store.delete_conversation(1)
    assert store.conversation(1) is None and store.search("Paris") == []
    added = store.add_message(2, store.message(9).role, "明天呢？", parent_id=9)
    assert [item.message.id for item in store.branch(2)][-1] == added.id
    assert store.integrity_check() == "ok"
    assert len(manifest["messages"]) > 10

"""The database schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. To change the schema, append
a migration; never edit one that has shipped. Each migration runs in its own transaction.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: conversations and messages. parent_id links each message to the one it answers,
    # so later versions can grow branches without rewriting rows.
    """
    CREATE TABLE conversations (
        id          INTEGER PRIMARY KEY,
        title       TEXT NOT NULL,
        created_at  REAL NOT NULL,
        updated_at  REAL NOT NULL
    );
    CREATE TABLE messages (
        id                INTEGER PRIMARY KEY,
        conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id         INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        role              TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content           TEXT NOT NULL,
        status            TEXT NOT NULL CHECK (status IN
                              ('streaming', 'complete', 'stopped', 'interrupted', 'failed')),
        created_at        REAL NOT NULL,
        model             TEXT,
        settings_json     TEXT,
        seed              INTEGER,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        tokens_per_s      REAL,
        ttft_ms           REAL,
        error             TEXT
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE INDEX conversations_by_update ON conversations(updated_at DESC);
    """,
    # 2: per-conversation setting overrides, a JSON object {name: value} over the defaults.
    """
    ALTER TABLE conversations ADD COLUMN overrides_json TEXT NOT NULL DEFAULT '{}';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

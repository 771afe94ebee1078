"""The database schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. To change the schema, append
a migration; never edit one that has shipped. Each migration runs in its own transaction.
"""

from __future__ import annotations


def _search_index(index: str, table: str, column: str) -> str:
    """SQL for an FTS5 index over ``table.column``, filled now and kept current by triggers.

    Shipped migration 3 is built from this: never change what it returns.
    """
    source = f"parley_search_text(new.{column})"
    return f"""
    CREATE VIRTUAL TABLE {index} USING fts5(
        text, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
    INSERT INTO {index} (rowid, text) SELECT id, parley_search_text({column}) FROM {table};
    CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN
        INSERT INTO {index} (rowid, text) VALUES (new.id, {source});
    END;
    CREATE TRIGGER {index}_update AFTER UPDATE OF {column} ON {table} BEGIN
        UPDATE {index} SET text = {source} WHERE rowid = new.id;
    END;
    CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN
        DELETE FROM {index} WHERE rowid = old.id;
    END;
    """


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
    # 3: history as a tree. Messages gain active_at (when last on the shown branch, see
    # tree.py), feedback, and the 'incomplete' status; parent_id no longer cascades (a long
    # chain of cascades exceeds SQLite's trigger depth), so subtrees are deleted explicitly.
    # Conversations gain pinning, a trash and whether the user chose the title. Full-text
    # search indexes (FTS5) over message text and titles are kept current by triggers that
    # call parley_search_text(), a function every Store connection registers.
    """
    CREATE TABLE messages_v3 (
        id                INTEGER PRIMARY KEY,
        conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id         INTEGER REFERENCES messages(id),
        role              TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content           TEXT NOT NULL,
        status            TEXT NOT NULL CHECK (status IN ('streaming', 'complete', 'stopped',
                              'incomplete', 'interrupted', 'failed')),
        created_at        REAL NOT NULL,
        active_at         REAL NOT NULL,
        model             TEXT,
        settings_json     TEXT,
        seed              INTEGER,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        tokens_per_s      REAL,
        ttft_ms           REAL,
        error             TEXT,
        rating            INTEGER CHECK (rating IN (-1, 1)),
        feedback_note     TEXT
    );
    INSERT INTO messages_v3 (id, conversation_id, parent_id, role, content, status, created_at,
        active_at, model, settings_json, seed, prompt_tokens, completion_tokens, tokens_per_s,
        ttft_ms, error)
    SELECT id, conversation_id, parent_id, role, content, status, created_at, created_at, model,
        settings_json, seed, prompt_tokens, completion_tokens, tokens_per_s, ttft_ms, error
    FROM messages;
    DROP TABLE messages;
    ALTER TABLE messages_v3 RENAME TO messages;
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE INDEX messages_by_parent ON messages(parent_id);

    ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE conversations ADD COLUMN deleted_at REAL;
    ALTER TABLE conversations ADD COLUMN title_by_user INTEGER NOT NULL DEFAULT 0;

    """
    + _search_index("message_search", "messages", "content")
    + _search_index("title_search", "conversations", "title"),
    # 4: the exact tokens a model wrote for a reply, so the next prompt matches the KV cache
    # token for token (re-tokenizing the text may split it differently).
    """
    CREATE TABLE reply_tokens (
        message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        model       TEXT NOT NULL,
        ids         BLOB NOT NULL
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

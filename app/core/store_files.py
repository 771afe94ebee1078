"""The conversation database's files on disk: checked before SQLite opens them, set aside when
damaged, and what can still be read copied out of a damaged one.

SQLite keeps Parley's database in up to three files: ``parley.db``, its write-ahead log
``parley.db-wal`` and the log's index ``parley.db-shm``. Two leftovers need care before SQLite
sees them (``check_companions``):

- a rollback ``parley.db-journal``. SQLite plays a "hot" journal back into the database when it
  opens it. Beside a database in WAL mode (Parley's) it cannot be the database's own, and playing
  it back would overwrite good pages, so it is set aside unread. Beside a database in rollback
  mode it undoes an interrupted change, as it should; a copy is kept.
- a ``-shm`` whose index counts log frames while the ``-wal`` is gone: the changes since the last
  checkpoint are lost with it. Nothing can bring them back, but a copy of the database as it was
  is kept, beside which the log can still be put back, and the user is told.

Every open runs SQLite's full ``integrity_check`` (``worth_full_check``) on databases up to
``FULL_CHECK_MAX_BYTES``, about 150 ms once cached. A larger history is checked in full only when
the last session did not end cleanly (its ``-wal`` is still there): the check reads the whole file
on the GUI thread, seconds for a history of hundreds of megabytes.

Damage SQLite's ``integrity_check`` cannot see is looked for too: a column renamed by a flipped
bit in the schema's text (``schema_problem``), and text that is no longer UTF-8, which is read
with U+FFFD in place of the damaged bytes (``decoded``) rather than failing every read of it.

A damaged database is renamed with its log and index (``set_aside``) and a new one started; the
conversations that can still be read are copied into it (``copy_readable``). Nothing here deletes
a file of the user's: only a new database Parley itself could not finish (``remove_new``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import struct
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from app.core.atomic import keep_copy, move_aside
from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.search_text import search_text

log = logging.getLogger(__name__)

FULL_CHECK_MAX_BYTES = 128 * 2**20  # a full integrity check of this much takes about 150 ms (cached)


def worth_full_check(path: Path) -> bool:
    """Whether opening ``path`` runs the full integrity check: always up to FULL_CHECK_MAX_BYTES;
    above it only after a session that did not end cleanly (closing checkpoints and removes the
    ``-wal``), so a large history does not cost seconds at every start."""
    try:
        size = path.stat().st_size
    except OSError:
        return True
    return size <= FULL_CHECK_MAX_BYTES or Path(f"{path}-wal").exists()

_HEADER = b"SQLite format 3\x00"
_WAL_MODE = 2  # the file format version bytes (offsets 18 and 19) of a database in WAL mode
_SHM_VERSION = 3007000  # the wal-index header's iVersion
_SHM_READ = 100  # the index's header (isInit at 12, mxFrame at 16) and checkpoint info (nBackfill at 96)
OWN_TABLES = ("conversations", "messages", "reply_tokens")  # not the search indexes, which SQLite lays out
COPIED_TABLES = ("conversations", "messages")  # reply_tokens is a cache of the model's exact tokens
# What reading a damaged database raises: SQLite's errors, and Python's when an error message or a
# name in a damaged schema is not UTF-8.
UNREADABLE = (sqlite3.Error, UnicodeDecodeError)


def companion(path: Path, suffix: str) -> Path:
    """``parley.db-wal``, ``-shm`` or ``-journal`` for ``parley.db``."""
    return path.with_name(path.name + suffix)


def check_companions(path: Path) -> list[Phrase]:
    """Deal with a leftover journal or a missing log before SQLite opens ``path``; what to tell
    the user about it."""
    notes = [_leftover_journal(path), _missing_log(path)]
    return [note for note in notes if note is not None]


def _leftover_journal(path: Path) -> Phrase | None:
    journal = companion(path, "-journal")
    try:
        if not journal.is_file() or journal.stat().st_size == 0:
            return None
        with path.open("rb") as file:
            header = file.read(20)
        if not header.startswith(_HEADER):
            return None  # not a database at all: found damaged when it is opened
        if header[18] == _WAL_MODE:
            return Phrase(QT_TRANSLATE_NOOP(
                "Errors", "Parley found {journal}, a leftover file that does not belong to the conversation "
                          "database, and set it aside as {kept} so that it cannot change the database."),
                journal=journal.name, kept=move_aside(journal, "stray"))
        kept = keep_copy(journal, "rolled-back")
    except OSError:
        log.warning("cannot look at %s", journal, exc_info=True)
        return None
    return Phrase(QT_TRANSLATE_NOOP(
        "Errors", "The last change to the conversation database was interrupted, so SQLite undid it "
                  "using {journal}; a copy of that file was kept as {kept}."),
        journal=journal.name, kept=kept)


def _missing_log(path: Path) -> Phrase | None:
    index, wal = companion(path, "-shm"), companion(path, "-wal")
    try:
        if wal.exists() or not index.is_file() or not path.is_file():
            return None
        with index.open("rb") as file:
            header = file.read(_SHM_READ)
        if len(header) < _SHM_READ or struct.unpack_from("=I", header, 0)[0] != _SHM_VERSION:
            return None
        frames, copied = struct.unpack_from("=I", header, 16)[0], struct.unpack_from("=I", header, 96)[0]
        if not header[12] or frames <= copied:
            return None  # every change in the log had reached the database: nothing is missing
        kept = keep_copy(path, "without-log")
    except OSError:
        log.warning("cannot look at %s", index, exc_info=True)
        return None
    log.error("%s is missing while %s counts %d frames", wal, index, frames)
    return Phrase(QT_TRANSLATE_NOOP(
        "Errors", "The conversation database's log file {wal} is missing, so changes made since Parley last "
                  "closed normally may be lost. The database as it was found was kept as {kept}; if the log "
                  "turns up, put it beside that copy as {kept}-wal to read them."), wal=wal.name, kept=kept)


def schema_problem(db: sqlite3.Connection, migrations: tuple[str, ...]) -> Phrase | None:
    """How the columns of Parley's own tables differ from what ``migrations`` make of them, or None.

    A flipped bit in the schema's text can leave SQL that still parses (``integrity_check`` passes)
    with a column renamed: every query naming it would fail.
    """
    for table, columns in _columns_made_by(migrations).items():
        if [tuple(row) for row in db.execute(f"PRAGMA table_info({table})")] != columns:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "the table {table} is not as Parley made it"),
                          table=table)
    return None


@functools.lru_cache(maxsize=8)
def _columns_made_by(migrations: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    """The columns of each of Parley's tables in a database that had ``migrations``."""
    db = sqlite3.connect(":memory:")
    try:
        db.create_function("parley_search_text", 1, search_text, deterministic=True)
        for migration in migrations:
            db.executescript(migration)
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if name in OWN_TABLES]
        return {table: [tuple(row) for row in db.execute(f"PRAGMA table_info({table})")] for table in tables}
    finally:
        db.close()


def set_aside(path: Path) -> Path:
    """Rename a damaged database to ``parley.db.damaged-DATE``, with its log and index renamed to
    match (so SQLite still reads them together); return the new path."""
    kept = move_aside(path, "damaged")
    for suffix in ("-wal", "-shm"):
        if companion(path, suffix).exists():
            companion(path, suffix).replace(companion(kept, suffix))
    return kept


def decoded(data: bytes) -> str:
    """Text from the database as a str; bytes that are not UTF-8 (a flipped bit, which SQLite cannot
    see) become U+FFFD instead of an error on every read of that row."""
    return data.decode("utf-8", "replace")


def remove_new(path: Path) -> None:
    """Remove a database Parley has just created at ``path`` (with its log and index) and could not
    finish: it holds nothing of the user's, and a log left behind would be played into the damaged
    database when that is put back in its place."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            companion(path, suffix).unlink()


def put_back(kept: Path, path: Path) -> None:
    """Undo ``set_aside`` (when no new database could be started in its place)."""
    for suffix in ("", "-wal", "-shm"):
        if companion(kept, suffix).exists():
            companion(kept, suffix).replace(companion(path, suffix))


def connect_read_only(path: Path, cut_short: bool = False) -> sqlite3.Connection:
    """A connection to ``path`` that never writes to it: through its log when SQLite can read it
    in place, else to the main file alone (immutable), as in a folder that cannot be written.

    ``cut_short`` reads a file shorter than its header says as far as it goes (SQLite otherwise
    refuses all of it; the connection still never writes)."""
    if not path.is_file():
        raise sqlite3.OperationalError("unable to open database file")
    problem: sqlite3.OperationalError | None = None
    for flag in ("mode=ro", "immutable=1"):
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{flag}", uri=True, isolation_level=None)
        try:
            if cut_short:
                db.execute("PRAGMA writable_schema=ON")
            db.execute("PRAGMA schema_version").fetchone()
            return db
        except sqlite3.OperationalError as exc:  # "unable to open": no index and none can be made
            db.close()
            problem = exc
    assert problem is not None
    raise problem


def copy_readable(source: Path, target: Path) -> int:
    """Copy the conversations that can still be read from the damaged database ``source`` into the
    new, empty database ``target``; return how many were copied.

    Each conversation comes with the messages that can be read and whose earlier turns can be
    too (a reply whose question is lost is left out). Rows are fetched one by one, so a damaged
    page loses only the rows on it. Only a database of ``target``'s schema version is read;
    ``source`` is never written.
    """
    try:
        old = connect_read_only(source, cut_short=True)
    except UNREADABLE:
        return 0
    new = sqlite3.connect(target, isolation_level=None, timeout=10.0)
    try:
        old.row_factory = sqlite3.Row
        old.text_factory = decoded
        new.create_function("parley_search_text", 1, search_text, deterministic=True)
        new.execute("PRAGMA foreign_keys=ON")
        if _version(old) != _version(new):
            return 0
        columns = {table: _shared_columns(old, new, table) for table in COPIED_TABLES}
        conversations = _readable_rows(old, "conversations", columns["conversations"])
        messages: dict[int, list[sqlite3.Row]] = defaultdict(list)
        for row in _readable_rows(old, "messages", columns["messages"]):
            messages[row["conversation_id"]].append(row)
        return _insert(new, columns, conversations, messages)
    except UNREADABLE:
        log.exception("copying from the damaged database %s failed", source)
        return 0
    finally:
        old.close()
        new.close()


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _shared_columns(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> list[str]:
    def names(db: sqlite3.Connection) -> list[str]:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]

    present = set(names(old))
    return [name for name in names(new) if name in present]


def _readable_ids(db: sqlite3.Connection, table: str) -> set[int]:
    """Every row id of ``table`` that a scan reaches, from either end (a damaged page stops a scan)."""
    ids: set[int] = set()
    for order in ("ASC", "DESC"):
        with contextlib.suppress(*UNREADABLE):  # keeps the ids read before the damage
            scan = db.execute(f"SELECT id FROM {table} NOT INDEXED ORDER BY id {order}")
            ids.update(row[0] for row in scan)
    return ids


def _readable_rows(db: sqlite3.Connection, table: str, columns: list[str]) -> list[sqlite3.Row]:
    select = f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?"
    rows = []
    for rowid in sorted(_readable_ids(db, table)):
        try:
            row = db.execute(select, (rowid,)).fetchone()
        except UNREADABLE:
            continue
        if row is not None:
            rows.append(row)
    return rows


def _connected(messages: Iterable[sqlite3.Row]) -> list[sqlite3.Row]:
    """``messages`` whose earlier turns are all there, each after its parent."""
    children: dict[int | None, list[sqlite3.Row]] = defaultdict(list)
    for message in messages:
        children[message["parent_id"]].append(message)
    ordered, waiting = [], list(reversed(children[None]))
    while waiting:
        message = waiting.pop()
        ordered.append(message)
        waiting.extend(reversed(children[message["id"]]))
    return ordered


def _insert(new: sqlite3.Connection, columns: dict[str, list[str]], conversations: list[sqlite3.Row],
            messages: dict[int, list[sqlite3.Row]]) -> int:
    """Insert each conversation with the messages SQLite accepts (a damaged value can break a
    constraint: that message and the replies under it are left out); return how many went in."""
    insert = {table: f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
              for table, names in columns.items()}
    copied = 0
    new.execute("BEGIN IMMEDIATE")
    try:
        for conversation in conversations:
            try:
                new.execute(insert["conversations"], tuple(conversation))
            except UNREADABLE:
                log.warning("conversation %s could not be copied", conversation["id"], exc_info=True)
                continue
            copied += 1
            lost: set[int] = set()
            for message in _connected(messages[conversation["id"]]):
                try:
                    if message["parent_id"] in lost:
                        raise sqlite3.IntegrityError("its parent was not copied")
                    new.execute(insert["messages"], tuple(message))
                except UNREADABLE:
                    lost.add(message["id"])
        new.execute("COMMIT")
    except BaseException:
        if new.in_transaction:
            new.execute("ROLLBACK")
        raise
    return copied

"""Damaged files at start-up: a truncated or bit-flipped database, a log or journal gone astray,
an invalid settings file, a read-only data folder and a full disk.

The command line runs as a real process (``python -m app``); the GUI opens in this process with
the fake engine (offscreen), or in a child process where the folder must be read-only or the
disk full. In every case Parley starts, or exits 1 with one line when it truly cannot; it says
what happened and what to do; the damaged file is kept (byte for byte); nothing the user had is
deleted; and a database Parley goes on writing to passes ``PRAGMA integrity_check``.

Decisions tested here:

- A database SQLite can still read but finds inconsistent (``integrity_check``) is treated like one
  it cannot read: set aside untouched as ``parley.db.damaged-DATE`` and a new one started with
  every conversation that can still be read, so Parley never writes into a damaged file.
- A read-only data folder (or a full disk at start-up) opens the conversations read-only: they
  can be listed, searched and exported; a command that must write exits 1 with one line before
  doing any work.
- A bit flip inside a message's text is invisible to SQLite (it keeps no checksums), so such a
  database is used as it is: only damage to the file's structure can be found.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.core.exchange import export_document
from app.core.settings import load_settings
from app.core.store import Store
from tests import reliability
from tests.e2e.damaged_files import (
    CAN_MOUNT,
    CONVERSATIONS,
    REPO,
    History,
    assert_nothing_deleted,
    assert_salvaged,
    check,
    flip_bits,
    integrity,
    kept_copy,
    listed,
    make_history,
    misreport_fragmentation,
    one_error_line,
    parley,
    read_history,
    run,
    scramble_cell_pointers,
    user_files,
    warnings_of,
)

# -- a damaged database ------------------------------------------------------------------------


def _expect_damage_handled(data_dir: Path, original: History, damaged: bytes,
                           exact: bool = True) -> dict[int, int]:
    """Run ``conversations``; check the database was set aside untouched and what was saved."""
    result = parley(data_dir, "conversations", "--json")
    shown = listed(result)
    (warning,) = warnings_of(result)
    assert "The conversation database was damaged" in warning and "kept as" in warning
    assert f"with the {len(shown)} conversations it could still read" in warning
    assert kept_copy(data_dir, "parley.db.damaged-*[0-9]").read_bytes() == damaged
    assert_salvaged(data_dir, original, shown, exact)
    again = parley(data_dir, "conversations", "--json")  # the next start is quiet
    assert listed(again) == shown and again.stderr == ""
    reliability.record("hostile_inputs")
    return shown


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_a_truncated_database_is_kept_and_what_can_be_read_is_saved(data_dir: Path, fraction: float) -> None:
    original = make_history(data_dir)
    database = data_dir / "parley.db"
    database.write_bytes(database.read_bytes()[:int(database.stat().st_size * fraction)])
    before = user_files(data_dir)
    shown = _expect_damage_handled(data_dir, original, before["parley.db"])
    assert_nothing_deleted(before, data_dir)
    if fraction > 0.9:
        assert len(shown) == CONVERSATIONS  # only the last page of messages was cut off


def test_a_readable_but_inconsistent_database_is_never_written_to(data_dir: Path) -> None:
    original = make_history(data_dir)
    misreport_fragmentation(data_dir / "parley.db")
    assert "Fragmentation" in check(data_dir / "parley.db")  # SQLite still reads every row
    damaged = (data_dir / "parley.db").read_bytes()
    shown = _expect_damage_handled(data_dir, original, damaged)
    assert shown == {cid: len(messages) for cid, (_, messages) in original.items()}  # all of it saved


def test_an_unreadable_page_loses_only_the_rows_on_it(data_dir: Path) -> None:
    original = make_history(data_dir)
    scramble_cell_pointers(data_dir / "parley.db")
    shown = _expect_damage_handled(data_dir, original, (data_dir / "parley.db").read_bytes())
    assert len(shown) == CONVERSATIONS and sum(shown.values()) < 2 * CONVERSATIONS


@pytest.mark.parametrize("seed", range(8))
def test_bit_flips_are_found_or_harmless(data_dir: Path, seed: int) -> None:
    """Random flips past the header: found by SQLite (then handled like any damage) or inside
    text, where nothing can see them and the database is used as it is."""
    original = make_history(data_dir)
    flip_bits(data_dir / "parley.db", seed)
    before = user_files(data_dir)
    if check(data_dir / "parley.db") != "ok":
        _expect_damage_handled(data_dir, original, before["parley.db"], exact=False)
    else:
        result = parley(data_dir, "conversations", "--json")
        assert listed(result) == {cid: len(messages) for cid, (_, messages) in original.items()}
        assert warnings_of(result) == []
        reliability.record("hostile_inputs")
    assert_nothing_deleted(before, data_dir)


def test_a_column_renamed_by_a_flip_in_the_schema_is_found(data_dir: Path) -> None:
    """SQL that still parses (``integrity_check`` is content) but names a column Parley never made."""
    original = make_history(data_dir)
    data, column = (data_dir / "parley.db").read_bytes(), b"model             TEXT"
    assert data.count(column) == 1
    (data_dir / "parley.db").write_bytes(data.replace(column, b"\xed" + column[1:]))
    assert check(data_dir / "parley.db") == "ok"
    shown = _expect_damage_handled(data_dir, original, (data_dir / "parley.db").read_bytes())
    assert shown == {cid: 2 for cid in original}  # every row saved, the unreadable column left out


def test_a_flip_that_breaks_a_texts_utf8_shows_a_replacement_character(data_dir: Path) -> None:
    """SQLite keeps no checksums and does not check UTF-8: the damaged letter is shown as U+FFFD
    instead of making the conversation impossible to open."""
    make_history(data_dir)
    data = (data_dir / "parley.db").read_bytes()  # the message and its copy in the search index
    (data_dir / "parley.db").write_bytes(data.replace(b"answer 3 dolor", b"\xffnswer 3 dolor"))
    result = parley(data_dir, "export", "4")
    assert result.returncode == 0 and warnings_of(result) == []
    assert "\ufffdnswer 3 dolor" in result.stdout
    reliability.record("hostile_inputs")


def test_a_damaged_database_in_a_read_only_folder_is_left_alone_with_one_line(data_dir: Path) -> None:
    make_history(data_dir)
    parley(data_dir, "conversations")  # the folders exist
    scramble_cell_pointers(data_dir / "parley.db")
    before = user_files(data_dir)
    line = one_error_line(parley(data_dir, "conversations", read_only=data_dir))
    assert "is damaged" in line and "cannot set it aside" in line and "make the folder writable" in line
    assert user_files(data_dir) == before
    reliability.record("hostile_inputs")


# -- the log and the journal -------------------------------------------------------------------


WRITE_AND_DIE = """
import os, sys
from pathlib import Path
from app.core.models import Role
from app.core.store import Store
store = Store(Path(sys.argv[1]))
for number in range(3):
    store.add_message(store.create_conversation(f"Unsaved {number}"), Role.USER, "only in the log")
os._exit(0)  # as a crash would: the log is never checkpointed into the database
"""


def test_a_missing_log_is_reported_and_the_database_as_found_is_kept(data_dir: Path) -> None:
    original = make_history(data_dir, count=4)
    assert run([data_dir / "parley.db"], script=WRITE_AND_DIE).returncode == 0
    log = data_dir / "parley.db-wal"
    saved_log = log.read_bytes()
    log.unlink()  # a cleaner or a careless copy took it
    as_found = (data_dir / "parley.db").read_bytes()
    result = parley(data_dir, "conversations", "--json")
    assert listed(result) == {cid: 2 for cid in original}
    (warning,) = warnings_of(result)
    assert "log file parley.db-wal is missing" in warning and "kept as" in warning
    kept = kept_copy(data_dir, "parley.db.without-log-*")
    assert kept.read_bytes() == as_found
    # The copy is what the log belongs to: put back beside it, the lost conversations are there.
    Path(f"{kept}-wal").write_bytes(saved_log)
    titles = [title for title, _ in read_history(kept).values()]
    assert titles[-3:] == ["Unsaved 0", "Unsaved 1", "Unsaved 2"]
    reliability.record("hostile_inputs")


INTERRUPT_A_ROLLBACK_CHANGE = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=DELETE")  # a database from a tool that uses a rollback journal
db.execute("PRAGMA cache_size=2")  # changed pages spill into the file before the commit
db.execute("BEGIN")
db.execute("DELETE FROM messages")
db.execute("DELETE FROM conversations")
os._exit(0)  # dies mid-change: a hot journal is left beside a half-changed file
"""


def _interrupted_rollback_change(data_dir: Path) -> History:
    original = make_history(data_dir)
    assert run([data_dir / "parley.db"], script=INTERRUPT_A_ROLLBACK_CHANGE).returncode == 0
    assert (data_dir / "parley.db-journal").stat().st_size > 0
    return original


def test_a_hot_journal_undoes_the_interrupted_change_and_is_kept(data_dir: Path) -> None:
    original = _interrupted_rollback_change(data_dir)
    journal = (data_dir / "parley.db-journal").read_bytes()
    result = parley(data_dir, "conversations", "--json")
    assert listed(result) == {cid: 2 for cid in original}
    (warning,) = warnings_of(result)
    assert "was interrupted, so SQLite undid it using parley.db-journal" in warning
    assert kept_copy(data_dir, "parley.db-journal.rolled-back-*").read_bytes() == journal
    assert read_history(data_dir / "parley.db") == original and integrity(data_dir / "parley.db") == "ok"
    reliability.record("hostile_inputs")


def test_a_deleted_hot_journal_leaves_damage_that_is_set_aside(data_dir: Path) -> None:
    original = _interrupted_rollback_change(data_dir)
    (data_dir / "parley.db-journal").unlink()  # the half-changed file can no longer be undone
    damaged = (data_dir / "parley.db").read_bytes()
    assert check(data_dir / "parley.db") != "ok"
    _expect_damage_handled(data_dir, original, damaged)


def test_a_journal_that_is_not_the_databases_own_is_set_aside_unread(tmp_path: Path, data_dir: Path) -> None:
    """A rollback journal beside a WAL database (Parley's) cannot be its own: SQLite would play
    another file's pages into it."""
    stray = _interrupted_rollback_change(tmp_path / "elsewhere")
    original = make_history(data_dir, count=len(stray) + 3)
    journal = (tmp_path / "elsewhere" / "parley.db-journal").read_bytes()
    (data_dir / "parley.db-journal").write_bytes(journal)
    result = parley(data_dir, "conversations", "--json")
    assert listed(result) == {cid: 2 for cid in original}
    (warning,) = warnings_of(result)
    assert "does not belong to the conversation database" in warning
    assert kept_copy(data_dir, "parley.db-journal.stray-*").read_bytes() == journal
    assert read_history(data_dir / "parley.db") == original
    reliability.record("hostile_inputs")


# -- the settings file -------------------------------------------------------------------------


INVALID_SETTINGS = {
    "bad JSON": ('{"format": "parley-settings", "version": 1, "data": {"temperature": 0.5', "damaged",
                 "it is not valid JSON"),
    "deep nesting": ("[" * 100_000, "damaged", "it is not valid JSON"),
    "a huge number": ('{"temperature": 1' + "0" * 5000 + "}", "damaged", "it is not valid JSON"),
    "another kind of file": ('{"format": "parley-presets", "version": 1, "data": []}', "damaged",
                             "not a Parley file of this kind"),
    "a newer version": ('{"format": "parley-settings", "version": 99, "data": {}}', "damaged",
                        "newer version of Parley"),
    "not an object": ('{"format": "parley-settings", "version": 1, "data": [1, 2]}', "damaged",
                      "does not hold a settings object"),
    "invalid values": ('{"format": "parley-settings", "version": 1, "data": {"temperature": 9, "top_k": 7, '
                       '"theme": "neon", "bogus": 1, "max_tokens": 1' + "0" * 400 + "}}", "invalid",
                       "The setting temperature cannot be 9"),
}


def _write_settings(data_dir: Path, text: str) -> bytes:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.json").write_text(text, encoding="utf-8")
    return (data_dir / "settings.json").read_bytes()


@pytest.mark.parametrize("case", INVALID_SETTINGS, ids=str)
def test_an_invalid_settings_file_is_kept_and_explained(data_dir: Path, case: str) -> None:
    text, reason, words = INVALID_SETTINGS[case]
    original = make_history(data_dir, count=2)
    content = _write_settings(data_dir, text)
    before = user_files(data_dir)
    result = parley(data_dir, "conversations", "--json")
    assert listed(result) == {cid: 2 for cid in original}
    (warning,) = warnings_of(result)
    assert words in warning and "kept as" in warning
    assert kept_copy(data_dir, f"settings.json.{reason}-*").read_bytes() == content
    assert_nothing_deleted(before, data_dir)
    settings, again = load_settings(data_dir / "settings.json")
    assert again is None  # what was valid was saved again, or the defaults are used quietly
    if reason == "invalid":
        assert settings["top_k"] == 7 and settings["temperature"] == 0.7
    reliability.record("hostile_inputs")


# -- the GUI ---------------------------------------------------------------------------------------


def _truncate(data_dir: Path) -> None:
    make_history(data_dir)
    database = data_dir / "parley.db"
    database.write_bytes(database.read_bytes()[:database.stat().st_size // 2])


def _inconsistent(data_dir: Path) -> None:
    make_history(data_dir)
    misreport_fragmentation(data_dir / "parley.db")


def _bad_settings(data_dir: Path) -> None:
    make_history(data_dir)
    _write_settings(data_dir, INVALID_SETTINGS["invalid values"][0])


def _two_problems(data_dir: Path) -> None:
    _inconsistent(data_dir)
    _write_settings(data_dir, "{broken")


GUI_CASES = {
    "truncated database": (_truncate, ["The conversation database was damaged"]),
    "inconsistent database": (_inconsistent, ["The conversation database was damaged"]),
    "invalid settings": (_bad_settings, ["The setting temperature cannot be 9"]),
    "two problems at once": (_two_problems, ["settings file could not be used",
                                             "The conversation database was damaged"]),
}


@pytest.mark.parametrize("case", GUI_CASES, ids=str)
def test_the_window_opens_and_says_what_happened(open_session, data_dir: Path, case: str) -> None:
    damage, words = GUI_CASES[case]
    damage(data_dir)
    before = user_files(data_dir)
    session = open_session()
    banner = session.window.error_banner
    assert session.window.isVisible() and banner.isVisible()
    for expected in words:
        assert expected in banner.text()
    assert_nothing_deleted(before, data_dir)
    saved = session.profile.store.list_conversations()
    assert saved and session.window.sidebar.isVisible()
    reliability.record("hostile_inputs")


GUI_IN_A_CHILD = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtTest import QTest
    from app.application import _report_unexpected_errors, create_application, start_session
    from app.paths import AppPaths
    from tests.fakes import FakeEngine, FakeRemoteEngine

    def settle(seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()

    app = create_application()
    session = start_session(AppPaths.from_data_dir(sys.argv[1]), Path("fake.gguf"), FakeEngine,
                            FakeRemoteEngine)
    _report_unexpected_errors(session.window)  # as run_gui does
    session.window.show()
    settle(1.0)
    shown = {"shown": session.window.isVisible(), "banner": session.window.error_banner.text(),
             "conversations": len(session.profile.store.list_conversations())}
    session.window.composer.setPlainText("Hello")  # a write the folder refuses
    QTest.keyClick(session.window.composer, Qt.Key.Key_Return)
    settle(1.0)
    shown["after_sending"] = session.window.error_banner.text()
    print(json.dumps(shown))
    session.close()
""")


# -- a read-only data folder -----------------------------------------------------------------------


def _read_only_profile(data_dir: Path) -> History:
    original = make_history(data_dir)
    assert parley(data_dir, "conversations").returncode == 0  # every folder made, as after a first start
    return original


def test_a_read_only_folder_still_lists_searches_and_exports(data_dir: Path) -> None:
    original = _read_only_profile(data_dir)
    before = user_files(data_dir)
    result = parley(data_dir, "conversations", "--json", read_only=data_dir)
    assert listed(result) == {cid: 2 for cid in original}
    (warning,) = warnings_of(result)
    assert "opened it read-only" in warning and "nothing new can be saved" in warning
    found = parley(data_dir, "search", "dolor", "--json", read_only=data_dir)
    assert found.returncode == 0 and len(json.loads(found.stdout)) == CONVERSATIONS
    exported = parley(data_dir, "export", "1", read_only=data_dir)
    assert exported.returncode == 0 and "Conversation 0" in exported.stdout
    assert user_files(data_dir) == before  # nothing written, nothing deleted
    reliability.record("hostile_inputs")


@pytest.mark.parametrize("args", [["chat", "hello"], ["import", "nothing.json"]], ids=lambda a: a[0])
def test_a_command_that_must_write_to_a_read_only_folder_exits_with_one_line(data_dir: Path,
                                                                             args: list[str]) -> None:
    _read_only_profile(data_dir)
    before = user_files(data_dir)
    line = one_error_line(parley(data_dir, *args, read_only=data_dir))
    assert "opened read-only, so nothing can be saved" in line and str(data_dir) in line
    assert user_files(data_dir) == before
    reliability.record("hostile_inputs")


def test_a_read_only_folder_without_a_database_exits_with_one_line(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    assert parley(data_dir, "conversations").returncode == 0
    (data_dir / "parley.db").unlink()
    line = one_error_line(parley(data_dir, "conversations", read_only=data_dir))
    assert "Cannot open the conversation database" in line and "check that the folder is writable" in line
    reliability.record("hostile_inputs")


def test_the_window_opens_read_only_in_a_read_only_folder(data_dir: Path) -> None:
    _read_only_profile(data_dir)
    before = user_files(data_dir)
    result = run([data_dir], script=GUI_IN_A_CHILD, read_only=data_dir)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["shown"] and "opened it read-only" in shown["banner"]
    assert shown["conversations"] == CONVERSATIONS
    assert "Parley could not save because its folder cannot be written" in shown["after_sending"]
    assert user_files(data_dir) == before
    reliability.record("hostile_inputs")


# -- a full disk -----------------------------------------------------------------------------------


def _export_file(tmp_path: Path, count: int) -> Path:
    source = tmp_path / "other"
    make_history(source, count)
    store = Store(source / "parley.db")
    document = export_document(store, [c.id for c in store.list_conversations()])
    store.close()
    target = tmp_path / "import.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def test_a_full_disk_while_importing_keeps_everything_saved_before(tmp_path: Path, data_dir: Path) -> None:
    original = _read_only_profile(data_dir)
    incoming = _export_file(tmp_path, 40)
    size = (data_dir / "parley.db").stat().st_size
    result = parley(data_dir, "import", incoming, file_limit=size + 64 * 1024)
    line = one_error_line(result)
    assert "Parley could not save because" in line and "Everything saved before is kept." in line
    assert read_history(data_dir / "parley.db") == original and integrity(data_dir / "parley.db") == "ok"
    assert listed(parley(data_dir, "conversations", "--json")) == {cid: 2 for cid in original}
    reliability.record("hostile_inputs")


def test_a_full_disk_at_start_up_still_lists_the_conversations(data_dir: Path) -> None:
    original = _read_only_profile(data_dir)
    _write_settings(data_dir, INVALID_SETTINGS["invalid values"][0])  # would be cleaned up and saved
    before = user_files(data_dir)
    result = parley(data_dir, "conversations", "--json", file_limit=0)
    assert listed(result) == {cid: 2 for cid in original}
    settings_warning, store_warning = warnings_of(result)
    assert "The setting temperature cannot be 9" in settings_warning and "kept as" in settings_warning
    assert "opened it read-only" in store_warning
    assert_nothing_deleted(before, data_dir)
    assert read_history(data_dir / "parley.db") == original
    reliability.record("hostile_inputs")


@pytest.mark.parametrize("room", [0, 60_000])  # nothing fits; set aside, but no new one fits
def test_a_damaged_database_on_a_full_disk_stays_where_it_was(data_dir: Path, room: int) -> None:
    """It cannot be replaced by a new one: it is left as it was (no log of a half-made new one
    beside it), to be dealt with on a start with room, and the one line says why."""
    _read_only_profile(data_dir)
    scramble_cell_pointers(data_dir / "parley.db")
    damaged = (data_dir / "parley.db").read_bytes()
    line = one_error_line(parley(data_dir, "conversations", file_limit=room))
    assert "conversation database" in line and "disk" in line
    assert (data_dir / "parley.db").read_bytes() == damaged and not list(data_dir.glob("*.damaged-*"))
    recovered = parley(data_dir, "conversations", "--json")  # a start with room: set aside, recovered
    assert listed(recovered), recovered.stderr
    reliability.record("hostile_inputs")


def test_a_really_full_disk_says_so(tmp_path: Path) -> None:
    """On a tiny file system (root only), SQLite's own "disk is full" becomes the sentence."""
    if not CAN_MOUNT:
        pytest.skip("needs root and a private mount namespace to mount a small tmpfs")
    mount = tmp_path / "small"
    mount.mkdir()
    original = make_history(tmp_path / "data")
    incoming = _export_file(tmp_path, 60)
    script = ('mount -t tmpfs -o size=$(( $(stat -c %s "$0/data/parley.db") / 1024 + 200 ))k tmpfs "$1" && '
              'cp -r "$0/data" "$1/data" && "$2" -m app import "$3" --data-dir "$1/data"; status=$?; '
              'cp "$1/data/parley.db" "$0/after.db"; exit $status')
    command = ["unshare", "-m", "sh", "-c", script, str(tmp_path), str(mount), sys.executable, str(incoming)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    line = one_error_line(result)
    assert "because the disk is full (database or disk is full)" in line
    assert read_history(tmp_path / "after.db") == original
    reliability.record("hostile_inputs")


def test_the_window_opens_on_a_full_disk(data_dir: Path) -> None:
    _read_only_profile(data_dir)
    result = run([data_dir], script=GUI_IN_A_CHILD, file_limit=0)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["shown"] and "opened it read-only" in shown["banner"]
    assert shown["conversations"] == CONVERSATIONS
    reliability.record("hostile_inputs")


def test_a_damaged_database_left_with_its_log_is_kept_exactly_as_found(data_dir: Path) -> None:
    """After a session that did not end cleanly (its -wal still there), finding damage must not
    write to the file: closing a read-write connection would checkpoint the log into it."""
    make_history(data_dir)
    database = data_dir / "parley.db"
    script = ("import os, sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
              "db.execute('PRAGMA wal_autocheckpoint=0'); "
              "db.execute('UPDATE conversations SET pinned = 1'); os._exit(0)")
    subprocess.run([sys.executable, "-c", script, str(database)], check=True, timeout=60)
    wal = data_dir / "parley.db-wal"
    assert wal.stat().st_size > 0
    scramble_cell_pointers(database)
    found_main, found_log = database.read_bytes(), wal.read_bytes()
    result = parley(data_dir, "conversations", "--json")
    assert result.returncode == 0, result.stderr
    (kept,) = data_dir.glob("parley.db.damaged-*[0-9]")
    assert kept.read_bytes() == found_main
    assert Path(f"{kept}-wal").read_bytes() == found_log
    reliability.record("hostile_inputs")

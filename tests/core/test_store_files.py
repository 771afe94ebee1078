"""When opening the database runs SQLite's full integrity check (``store_files.worth_full_check``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core import store_files


def test_small_databases_are_always_checked_and_large_ones_after_an_unclean_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "parley.db"
    database.write_bytes(b"\0" * 4096)
    assert store_files.worth_full_check(database)
    assert store_files.worth_full_check(tmp_path / "missing.db")  # a new database: nothing to skip
    monkeypatch.setattr(store_files, "FULL_CHECK_MAX_BYTES", 1024)  # as if it were a huge history
    assert not store_files.worth_full_check(database)  # closed cleanly: no -wal left
    Path(f"{database}-wal").write_bytes(b"")
    assert store_files.worth_full_check(database)  # the last session did not end cleanly


def test_temporaries_of_writes_that_never_finished_are_removed_when_old(tmp_path: Path) -> None:
    """A process killed mid-save leaves ``.settings.json.XXXX.tmp`` beside the intact file."""
    import os

    from app.core.atomic import STALE_TEMPORARY_S, remove_stale_temporaries, write_atomically

    settings = tmp_path / "settings.json"
    write_atomically(settings, b"{}")
    old, fresh = tmp_path / ".settings.json.abc123.tmp", tmp_path / ".settings.json.def456.tmp"
    foreign = tmp_path / ".other-app.xyz.tmp"  # the folder may be shared: not Parley's to remove
    for file, text in ((old, b"{half"), (fresh, b"{being written"), (foreign, b"theirs")):
        file.write_bytes(text)
    os.utime(old, (0, 0))
    os.utime(foreign, (0, 0))
    assert remove_stale_temporaries([settings], now=STALE_TEMPORARY_S + 10) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other-app.xyz.tmp", ".settings.json.def456.tmp",
                                                          "settings.json"]

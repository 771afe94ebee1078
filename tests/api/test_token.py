"""The bearer token: made on first use, kept in a user-only file, renewed on request."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.api import token
from app.core.errors import ParleyError

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_made_on_first_use_with_mode_0600_and_kept(tmp_path: Path) -> None:
    file = tmp_path / "config" / "api-token"
    first = token.read_or_create(file)
    assert len(first) >= 43 and first.replace("-", "").replace("_", "").isalnum()
    assert mode(file) == 0o600
    assert file.read_text().strip() == first
    assert token.read_or_create(file) == first  # kept across starts


@posix_only
def test_regenerate_replaces_it(tmp_path: Path) -> None:
    file = tmp_path / "api-token"
    first = token.read_or_create(file)
    second = token.regenerate(file)
    assert second != first and token.read_or_create(file) == second
    assert mode(file) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["api-token"]  # no temporary files left


@posix_only
def test_a_token_others_could_read_is_replaced(tmp_path: Path) -> None:
    file = tmp_path / "api-token"
    leaked = token.read_or_create(file)
    file.chmod(0o644)
    fresh = token.read_or_create(file)
    assert fresh != leaked and mode(file) == 0o600


@pytest.mark.parametrize("content", [b"", b"short", b"\xff\xfe" * 30, b"has spaces " * 5])
def test_an_unusable_file_gets_a_new_token(tmp_path: Path, content: bytes) -> None:
    file = tmp_path / "api-token"
    file.write_bytes(content)
    file.chmod(0o600)
    made = token.read_or_create(file)
    assert len(made) >= 43 and file.read_text().strip() == made


@posix_only
def test_an_unwritable_folder_is_one_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(ParleyError, match="Cannot keep the API token in"):
            token.read_or_create(folder / "api-token")
    finally:
        folder.chmod(0o700)

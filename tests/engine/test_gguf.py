"""Model files are checked before llama.cpp sees them, with a reason for each failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.gguf import ModelFileError, check_model_file


def test_the_bundled_model_passes(model_path: Path) -> None:
    check_model_file(model_path)


@pytest.mark.parametrize("content, reason", [
    (b"not a model" * 10, "not a GGUF model"),
    (b"GGUF\x03\x00", "truncated"),
    (b"GGUF\x09\x00\x00\x00" + b"\x00" * 16, "GGUF version 9"),
])
def test_bad_files_get_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=reason):
        check_model_file(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="does not exist"):
        check_model_file(tmp_path / "absent.gguf")
    with pytest.raises(ModelFileError, match="not a file"):
        check_model_file(tmp_path)

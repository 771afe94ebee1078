"""``parley models`` and ``parley chat --model NAME``, run as real processes over a fresh --data-dir."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gguf_files import F32_TYPE, gguf_bytes
from tests.http_server import serve_files

BUNDLED = "SmolLM2-135M-Instruct.Q4_1.gguf"
TINY = gguf_bytes({"general.architecture": "llama", "general.name": "Tiny Test"},
                  [("w", [32], F32_TYPE, None)])


def parley(*args: str | Path, env: dict[str, str] | None = None,
           timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, check=False, env={**os.environ, **(env or {})})


def listing(data_dir: Path) -> list[dict[str, Any]]:
    result = parley("models", "--json", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_file(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The listing keyed by file name (each row's path)."""
    return {Path(row["path"]).name: row for row in listing(data_dir)}


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parley: error: "), result.stderr
    return lines[0]


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "tiny.gguf"
    path.parent.mkdir()
    path.write_bytes(TINY)
    return path


def test_the_bundled_model_is_listed_with_its_facts(data_dir: Path, model_path: Path) -> None:
    [row] = listing(data_dir)
    assert Path(row["path"]) == model_path and Path(row["path"]).name == BUNDLED
    assert row["origin"] == "bundled with Parley" and row["available"] is True
    assert (row["architecture"], row["quantization"], row["trained_context"]) == ("llama", "Q4_1", 8192)
    assert row["chat_template"] is True and 130e6 < row["parameters"] < 140e6
    assert row["file_size"] == model_path.stat().st_size < row["memory"]["total"]
    text = parley("models", "--data-dir", data_dir)
    assert text.returncode == 0 and text.stderr == ""
    assert "Architecture: llama" in text.stdout and BUNDLED in text.stdout


def test_the_listed_name_is_the_library_name(data_dir: Path, tiny_file: Path) -> None:
    """``name`` is what --model and ``remove`` accept (the file name), not the header's general.name."""
    tiny_file.with_name("unnamed.gguf").write_bytes(gguf_bytes({}))
    for path in (tiny_file, tiny_file.with_name("unnamed.gguf")):
        assert parley("models", "add", path, "--data-dir", data_dir).returncode == 0
    assert [row["name"] for row in listing(data_dir)] == [BUNDLED, "tiny.gguf", "unnamed.gguf"]
    headings = [line for line in parley("models", "--data-dir", data_dir).stdout.splitlines()
                if re.fullmatch(r"\S.*  \((bundled with Parley|linked|models folder)\)", line)]
    assert headings == [f"{BUNDLED}  (bundled with Parley)", "tiny.gguf  (linked)", "unnamed.gguf  (linked)"]


def test_add_links_and_remove_keeps_the_file(data_dir: Path, tiny_file: Path, model_path: Path) -> None:
    link = tiny_file.with_name("smol-link.gguf")
    link.symlink_to(model_path)
    for path in (tiny_file, link):
        added = parley("models", "add", path, "--data-dir", data_dir)
        assert added.returncode == 0 and f"Added {path.name} (linked)" in added.stdout, added.stderr
    rows = by_file(data_dir)
    assert list(rows) == [BUNDLED, "smol-link.gguf", "tiny.gguf"]
    assert rows["tiny.gguf"]["origin"] == "linked" and rows["tiny.gguf"]["path"] == str(tiny_file)
    assert rows["smol-link.gguf"]["quantization"] == "Q4_1"
    assert not (data_dir / "models").exists() or list((data_dir / "models").iterdir()) == []
    removed = parley("models", "remove", "tiny", "--data-dir", data_dir)
    assert removed.returncode == 0 and "Removed tiny.gguf." in removed.stdout
    assert tiny_file.read_bytes() == TINY and list(by_file(data_dir)) == [BUNDLED, "smol-link.gguf"]


def test_copy_then_remove_hides_and_delete_file_deletes(data_dir: Path, tiny_file: Path) -> None:
    assert parley("models", "add", "--copy", tiny_file, "--data-dir", data_dir).returncode == 0
    copied = data_dir / "models" / "tiny.gguf"
    assert copied.read_bytes() == TINY and tiny_file.is_file()
    assert by_file(data_dir)["tiny.gguf"]["origin"] == "models folder"
    assert parley("models", "remove", "tiny.gguf", "--data-dir", data_dir).returncode == 0
    assert copied.is_file() and list(by_file(data_dir)) == [BUNDLED]
    assert parley("models", "add", copied, "--data-dir", data_dir).returncode == 0  # listed again
    deleted = parley("models", "remove", "TINY", "--delete-file", "--data-dir", data_dir)
    assert deleted.returncode == 0 and "deleted its file" in deleted.stdout
    assert not copied.exists() and tiny_file.is_file() and list(by_file(data_dir)) == [BUNDLED]


def test_errors_are_one_line(data_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.gguf"
    page.write_text("<html>Not found</html>\n" * 10)
    assert "page.gguf" in one_error_line(parley("models", "add", page, "--data-dir", data_dir))
    assert not (data_dir / "model-library.json").exists()
    assert "cannot be removed" in one_error_line(parley("models", "remove", BUNDLED, "--data-dir", data_dir))
    assert "`parley models`" in one_error_line(parley("models", "remove", "nothing", "--data-dir", data_dir))
    line = one_error_line(parley("chat", "--model", "no-such-model", "hi", "--data-dir", data_dir))
    assert "no-such-model" in line and "`parley models`" in line
    assert list(by_file(data_dir)) == [BUNDLED]


@pytest.mark.model
@pytest.mark.parametrize("name", [BUNDLED, "smollm2-135m-instruct.q4_1"])
def test_chat_with_a_library_name(data_dir: Path, name: str) -> None:
    result = parley("chat", "--model", name, "--json", "--set", "max_tokens=8", "hi", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["model"] == BUNDLED and reply["reply"].strip() and reply["completion_tokens"] > 0
    assert not (data_dir / "loading-model.json").exists()


@pytest.mark.parametrize("form", ["url", "hugging-face"])
def test_download_into_the_models_folder(data_dir: Path, form: str) -> None:
    with serve_files() as server:
        server.add("/files/tiny.gguf", TINY)
        server.add("/owner/repo/resolve/main/tiny.gguf", TINY)
        source = server.url("/files/tiny.gguf") if form == "url" else "owner/repo/tiny.gguf"
        result = parley("models", "download", source, "--sha256", hashlib.sha256(TINY).hexdigest(),
                        "--data-dir", data_dir, env={"HF_ENDPOINT": server.base_url})
        expected = "/files/tiny.gguf" if form == "url" else "/owner/repo/resolve/main/tiny.gguf"
        assert [r.path for r in server.requests] == [expected]
    assert result.returncode == 0, result.stderr
    assert "Downloaded tiny.gguf" in result.stdout
    assert sorted(p.name for p in (data_dir / "models").iterdir()) == ["tiny.gguf"]
    assert (data_dir / "models" / "tiny.gguf").read_bytes() == TINY
    assert by_file(data_dir)["tiny.gguf"]["origin"] == "models folder"


def test_a_download_with_the_wrong_checksum_is_kept_aside(data_dir: Path) -> None:
    with serve_files() as server:
        server.add("/tiny.gguf", TINY)
        result = parley("models", "download", server.url("/tiny.gguf"), "--sha256", "0" * 64,
                        "--data-dir", data_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "checksum" in result.stderr.strip().splitlines()[-1]
    assert sorted(p.name for p in (data_dir / "models").iterdir()) == ["tiny.gguf.bad"]
    assert list(by_file(data_dir)) == [BUNDLED]


def test_downloading_a_removed_model_again_lists_it(data_dir: Path, tiny_file: Path) -> None:
    assert parley("models", "add", "--copy", tiny_file, "--data-dir", data_dir).returncode == 0
    assert parley("models", "remove", "tiny", "--data-dir", data_dir).returncode == 0
    (data_dir / "models" / "tiny.gguf").unlink()  # the user deletes the kept file by hand
    with serve_files() as server:
        server.add("/tiny.gguf", TINY)
        result = parley("models", "download", server.url("/tiny.gguf"), "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    assert (data_dir / "models" / "tiny.gguf").is_file()
    assert "tiny.gguf" in by_file(data_dir)

"""`parley connections` and `parley chat --connection`, as real processes, against a real
OpenAI-compatible server (llama-cpp-python's, serving the bundled model)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.e2e.test_cli import EXPECTED_KEYS, parley
from tests.http_server import closed_port

pytestmark = pytest.mark.model


def test_a_connection_is_added_used_continued_and_removed(llama_server_url: str, data_dir: Path) -> None:
    bare = llama_server_url.removesuffix("/v1")  # /v1 is added to a bare address
    added = parley("connections", "add", "lab", bare, "--data-dir", data_dir)
    assert added.returncode == 0, added.stderr
    assert f"Added the connection lab: {llama_server_url}" in added.stdout
    assert "The server offers 1 model(s)" in added.stdout and "(API: llama.cpp)" in added.stdout
    listed = json.loads(parley("connections", "list", "--json", "--data-dir", data_dir).stdout)
    assert listed == [{"name": "lab", "base_url": llama_server_url, "model": "", "api": "auto",
                       "has_key": False}]

    first = parley("chat", "--connection", "lab", "--json", "--set", "max_tokens=12",
                   "--set", "seed=5", "Say hi.", "--data-dir", data_dir)
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    assert set(record) == EXPECTED_KEYS  # the same record as a local chat
    assert record["reply"].strip() and record["model"].endswith(" @ lab")
    assert record["settings"]["connection"] == "lab" and record["seed"] == 5
    assert 0 < record["completion_tokens"] <= 12  # (this server sends no usage: prompt tokens 0)
    assert record["ttft_ms"] > 0

    streamed = parley("chat", "--conversation", str(record["conversation_id"]),  # on its server
                      "--set", "max_tokens=8", "And bye?", "--data-dir", data_dir)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.strip()
    exported = json.loads(parley("export", str(record["conversation_id"]), "--format", "json",
                                 "--data-dir", data_dir).stdout)
    models = [m["stats"]["model"] for m in exported["conversations"][0]["messages"]
              if m["role"] == "assistant"]
    assert len(models) == 2 and all(model.endswith(" @ lab") for model in models)

    removed = parley("connections", "remove", "lab", "--data-dir", data_dir)
    assert removed.returncode == 0 and "Removed the connection lab." in removed.stdout
    gone = parley("chat", "--connection", "lab", "Hi", "--data-dir", data_dir)
    assert gone.returncode == 1 and "no connection called “lab”" in gone.stderr


def test_settings_the_server_does_not_take_are_named(llama_server_url: str, data_dir: Path) -> None:
    parley("connections", "add", "plain", llama_server_url, "--api", "openai", "--data-dir", data_dir)
    result = parley("chat", "--connection", "plain", "--set", "top_k=5", "--set", "max_tokens=4",
                    "Hi", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    assert "note: top_k is not sent to plain" in result.stderr


def test_an_unknown_model_and_an_unreachable_server_are_one_line_each(llama_server_url: str,
                                                                      data_dir: Path) -> None:
    parley("connections", "add", "lab", llama_server_url, "--data-dir", data_dir)
    unknown = parley("chat", "--connection", "lab", "--model", "no-such-model", "Hi",
                     "--data-dir", data_dir)
    assert unknown.returncode == 1 and "no-such-model" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1

    port = closed_port()
    added = parley("connections", "add", "down", f"http://127.0.0.1:{port}", "--data-dir", data_dir)
    assert added.returncode == 0  # kept for later, with a warning
    assert "warning: the server's models could not be listed" in added.stderr
    down = parley("chat", "--connection", "down", "Hi", "--data-dir", data_dir)
    assert down.returncode == 1 and "not reachable" in down.stderr


def test_the_api_key_comes_from_the_environment_and_is_kept_private(data_dir: Path, monkeypatch) -> None:
    port = closed_port()
    missing = parley("connections", "add", "hosted", f"http://127.0.0.1:{port}", "--api-key-env",
                     "PARLEY_TEST_KEY", "--data-dir", data_dir)
    assert missing.returncode == 1 and "PARLEY_TEST_KEY is not set" in missing.stderr
    monkeypatch.setenv("PARLEY_TEST_KEY", "sk-from-env")
    added = parley("connections", "add", "hosted", f"http://127.0.0.1:{port}", "--api-key-env",
                   "PARLEY_TEST_KEY", "--data-dir", data_dir)
    assert added.returncode == 0, added.stderr
    keys = data_dir / "api-keys.json"  # with --data-dir, the config folder is the data folder
    assert "only your user account can read" in added.stdout and str(keys) in added.stdout
    assert json.loads(keys.read_text()) == {"hosted": "sk-from-env"}
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert "sk-from-env" not in (data_dir / "connections.json").read_text()
    assert "sk-from-env" not in added.stdout + added.stderr
    parley("connections", "remove", "hosted", "--data-dir", data_dir)
    assert json.loads(keys.read_text()) == {}


def test_adding_an_existing_name_changes_only_what_is_given(data_dir: Path, capsys) -> None:
    from app.cli import main

    port = closed_port()
    assert main(["connections", "add", "lab", f"http://127.0.0.1:{port}", "--model", "big", "--api",
                 "vllm", "--data-dir", str(data_dir)]) == 0
    assert main(["connections", "add", "lab", f"http://127.0.0.1:{port}/api/v1",
                 "--data-dir", str(data_dir)]) == 0
    assert "Changed the connection lab" in capsys.readouterr().out
    assert main(["connections", "list", "--json", "--data-dir", str(data_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [{"name": "lab", "base_url": f"http://127.0.0.1:{port}/api/v1", "model": "big",
                       "api": "vllm", "has_key": False}]

"""The headless CLI, run as a real process with the real bundled model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

EXPECTED_KEYS = {"conversation_id", "user_message_id", "assistant_message_id", "reply", "model",
                 "settings", "seed", "prompt_tokens", "completion_tokens", "tokens_per_s", "ttft_ms"}


def parley(*args: str | Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_version() -> None:
    result = parley("--version")
    assert result.returncode == 0 and result.stdout.startswith("parley ")


def test_chat_streams_stores_and_continues(data_dir: Path) -> None:
    first = parley("chat", "--data-dir", data_dir, "--set", "max_tokens=24", "Say hi.")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip()
    assert first.stderr == ""

    listed = parley("--data-dir", data_dir, "conversations", "--json")  # --data-dir before
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["message_count"], r["title"]) for r in rows] == [(1, 2, "Say hi.")]
    assert set(rows[0]) == {"id", "title", "updated_at", "message_count"}

    second = parley("chat", "--data-dir", data_dir, "--conversation", "1", "--json",
                    "--set", "max_tokens=24", "--set", "seed=77", "And bye?")
    assert second.returncode == 0, second.stderr
    reply = json.loads(second.stdout)
    assert set(reply) == EXPECTED_KEYS
    assert reply["conversation_id"] == 1 and reply["seed"] == 77
    assert reply["reply"].strip()
    assert reply["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert reply["settings"]["max_tokens"] == 24
    assert reply["prompt_tokens"] > 20 and reply["completion_tokens"] > 0
    assert reply["ttft_ms"] > 0
    rows = json.loads(parley("conversations", "--json", "--data-dir", data_dir).stdout)
    assert rows[0]["message_count"] == 4
    plain = parley("conversations", "--data-dir", data_dir)
    assert "Say hi." in plain.stdout


def test_same_seed_same_reply(data_dir: Path) -> None:
    replies = [json.loads(parley("chat", "--data-dir", data_dir, "--json", "--set", "seed=9",
                                 "--set", "max_tokens=20", "Name a fruit.").stdout)["reply"]
               for _ in range(2)]
    assert replies[0] == replies[1]


@pytest.mark.parametrize("args, message, status", [
    (["--model", "/no/such/model.gguf"], "does not exist", 1),
    (["--conversation", "42"], "There is no conversation 42", 1),
    (["--preset", "Nope"], "no preset called 'Nope'", 1),
    (["--set", "temperature=banana"], "temperature cannot be banana; use a number from 0 to 2", 2),
    (["--set", "top_p=7"], "top_p cannot be 7; use a number from 0 to 1", 2),
    (["--set", "bogus=1"], "no setting called 'bogus'", 2),
    (["--set", "custom_template={{ x"], "custom chat template does not work", 2),
])
def test_errors_exit_non_zero_with_one_line(data_dir: Path, args: list[str], message: str,
                                            status: int) -> None:
    result = parley("chat", "--data-dir", data_dir, *args, "hello")
    assert result.returncode == status
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parley: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_corrupt_model_file_exits_with_a_reason(tmp_path: Path, data_dir: Path,
                                                model_path: Path) -> None:
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(model_path.read_bytes()[:4096])
    result = parley("chat", "--data-dir", data_dir, "--model", damaged, "hello")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "damaged.gguf is truncated" in result.stderr


def test_damaged_database_is_kept_and_replaced(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "parley.db").write_bytes(b"garbage" * 1000)
    result = parley("conversations", "--data-dir", data_dir, "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == []
    assert "kept as" in result.stderr
    assert list(data_dir.glob("parley.db.damaged-*"))


def test_every_file_lives_under_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "only-here"
    home = tmp_path / "home"
    home.mkdir()
    env_run = subprocess.run(
        [sys.executable, "-m", "app", "chat", "--data-dir", str(data_dir), "--set",
         "max_tokens=8", "hi"], capture_output=True, text=True, timeout=180, check=False,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(home / "d"),
             "XDG_CONFIG_HOME": str(home / "c"), "XDG_CACHE_HOME": str(home / "k"),
             "XDG_STATE_HOME": str(home / "s")}, cwd=tmp_path)
    assert env_run.returncode == 0, env_run.stderr
    assert list(home.iterdir()) == []
    assert (data_dir / "parley.db").exists() and (data_dir / "logs" / "parley.log").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "only-here"]


def test_a_preset_applies_and_every_effective_setting_is_recorded(data_dir: Path) -> None:
    reply = json.loads(parley("chat", "--data-dir", data_dir, "--json", "--preset", "Translator",
                              "--set", "max_tokens=12", "Good morning").stdout)
    assert reply["settings"]["temperature"] == 0.2
    assert reply["settings"]["system_prompt"].startswith("You are a professional translator")
    assert reply["settings"]["max_tokens"] == 12 and reply["settings"]["n_ctx"] == 4096

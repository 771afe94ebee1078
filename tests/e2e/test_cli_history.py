"""`parley export`, `parley import` and `parley search`, end to end over a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.core.models import GenerationStats, MessageStatus, Role
from app.core.store import Store
from app.paths import AppPaths

FIXTURES = Path(__file__).parent.parent / "fixtures"
STATS = GenerationStats("tiny.gguf", {"system_prompt": "Be kind."}, 3)


@pytest.fixture
def populated(data_dir: Path) -> Path:
    """A data directory with two conversations (one with rated alternatives) and one in the trash."""
    store = Store(AppPaths.from_data_dir(data_dir).database)
    try:
        first = store.create_conversation("Rust questions")
        question = store.add_message(first, Role.USER, "How do I borrow a value in Rust?")
        for text, rating in (("Use a reference: &value.", 1), ("You cannot.", -1)):
            answer = store.add_message(first, Role.ASSISTANT, text, question.id, stats=STATS)
            store.set_feedback(answer.id, rating)
        store.show_branch(question.id + 1)  # the liked reply is shown
        second = store.create_conversation("中文笔记")
        note = store.add_message(second, Role.USER, "今天天气很好，我们去公园吧。")
        store.add_message(second, Role.ASSISTANT, "好主意！", note.id, MessageStatus.STOPPED, STATS)
        trashed = store.create_conversation("Thrown away")
        store.add_message(trashed, Role.USER, "borrow nothing")
        store.move_to_trash(trashed)
    finally:
        store.close()
    return data_dir


def run(data_dir: Path, *args: str | Path) -> int:
    return main([*map(str, args), "--data-dir", str(data_dir)])


def conversation_count(data_dir: Path) -> int:
    store = Store(AppPaths.from_data_dir(data_dir).database)
    try:
        return len(store.list_conversations()) + len(store.trashed_conversations())
    finally:
        store.close()


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("parley: error: "), err
    return err[0]


def test_export_markdown_to_stdout_and_a_file(populated: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert run(populated, "export", "1") == 0
    out = capsys.readouterr().out
    assert out.startswith("# Rust questions\n\n**You**\n\nHow do I borrow a value in Rust?")
    assert "**Assistant (tiny.gguf)**\n\nUse a reference: &value." in out
    assert "You cannot." not in out  # not on the shown branch

    target = tmp_path / "out" / "all.md"
    assert run(populated, "export", "--all", "-o", target) == 0
    assert capsys.readouterr().out == f"Exported 2 conversations to {target}.\n"
    text = target.read_text(encoding="utf-8")
    assert text.count("\n---\n") == 1 and "# 中文笔记" in text and "Thrown away" not in text
    assert "*(This reply stopped before it finished.)*" in text


def test_export_json_and_import_it_elsewhere(populated: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(populated, "export", "--format", "json", "2") == 0
    document = json.loads(capsys.readouterr().out)
    assert [c["title"] for c in document["conversations"]] == ["中文笔记"]

    backup = tmp_path / "backup.json"
    assert run(populated, "export", "--all", "--format", "json", "-o", backup) == 0
    capsys.readouterr()
    titles = [c["title"] for c in json.loads(backup.read_text(encoding="utf-8"))["conversations"]]
    assert titles == ["Rust questions", "中文笔记", "Thrown away"]  # a backup includes the trash

    elsewhere = tmp_path / "elsewhere"
    assert run(elsewhere, "import", backup) == 0
    assert capsys.readouterr().out == "Imported 3 conversations: 1, 2, 3.\n"
    assert run(elsewhere, "export", "--format", "json", "--all") == 0
    again = json.loads(capsys.readouterr().out)["conversations"]
    assert [(c["title"], c["deleted_at"] is not None, len(c["messages"])) for c in again] == [
        ("Rust questions", False, 3), ("中文笔记", False, 2), ("Thrown away", True, 1)]


def test_import_a_chatgpt_export(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "import", FIXTURES / "chatgpt-conversations.json") == 0
    assert capsys.readouterr().out == "Imported 2 conversations: 1, 2.\n"
    assert run(data_dir, "conversations") == 0
    assert "Weekend in Paris" in capsys.readouterr().out


def test_a_bad_import_exits_1_with_one_line_and_stores_nothing(populated: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "parley-conversations", "version": 1, "conversations": [
        {"id": 1, "title": "t", "title_by_user": False, "pinned": False, "created_at": 1.0,
         "updated_at": 1.0, "deleted_at": None, "overrides": {}, "messages": []},
        {"id": 2, "title": 5}]}), encoding="utf-8")
    assert run(populated, "import", bad) == 1
    line = one_error_line(capsys)
    assert "Nothing was imported from bad.json: conversations[1]: title must be text" in line
    assert conversation_count(populated) == 3

    bad.write_bytes(b"\xff\xfe not utf-8")
    assert run(populated, "import", bad) == 1
    assert "it is not UTF-8 text" in one_error_line(capsys)
    assert conversation_count(populated) == 3


def test_search_plain_and_json(populated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(populated, "search", "borrow") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["    1       #1  Rust questions: How do I [borrow] a value in Rust?"]  # not the trash

    assert run(populated, "search", "天气", "--json") == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits == [{"conversation_id": 2, "title": "中文笔记", "message_id": 4, "role": "user",
                     "snippet": "今天天气很好，我们去公园吧。", "matches": [[2, 4]]}]

    assert run(populated, "search", "Rust", "--json") == 0
    hits = json.loads(capsys.readouterr().out)
    assert [(h["message_id"], h["snippet"][slice(*h["matches"][0])]) for h in hits] == [
        (None, "Rust"), (1, "Rust")]

    assert run(populated, "search", "zebra") == 0
    assert capsys.readouterr().out == "No matches.\n"


def test_export_preferences(populated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "prefs.jsonl"
    assert run(populated, "export", "--preferences", "-o", target) == 0
    assert capsys.readouterr().out == f"Wrote 1 preference pair to {target}.\n"
    (line,) = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {
        "prompt": [{"role": "system", "content": "Be kind."},
                   {"role": "user", "content": "How do I borrow a value in Rust?"}],
        "chosen": [{"role": "assistant", "content": "Use a reference: &value."}],
        "rejected": [{"role": "assistant", "content": "You cannot."}],
    }


@pytest.mark.parametrize("args, message", [
    (["export"], "export needs a conversation ID or --all"),
    (["export", "--preferences"], "export --preferences needs -o FILE.jsonl"),
    (["export", "--preferences", "--format", "json", "-o", "x.jsonl"], "leave out --format"),
    (["export", "1", "--all"], "not allowed with argument"),
    (["export", "--format", "pdf", "1"], "invalid choice: 'pdf'"),
    (["search"], "the following arguments are required: QUERY"),
])
def test_usage_errors_exit_2(data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                             message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        run(data_dir, *args)
    assert caught.value.code == 2
    assert message in one_error_line(capsys)
    assert not data_dir.exists()  # nothing was opened or created


def test_an_unknown_conversation_exits_1(populated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(populated, "export", "42") == 1
    assert "There is no conversation 42" in one_error_line(capsys)
    assert capsys.readouterr().out == ""

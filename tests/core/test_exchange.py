"""Export and import: Parley JSON round trips, Markdown, ChatGPT exports, preference pairs."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core import exchange
from app.core.errors import ParleyError
from app.core.exchange import (
    ImportFileError,
    export_document,
    export_file,
    export_markdown,
    import_file,
    read_import_file,
)
from app.core.models import GenerationStats, Message, MessageStatus, Role
from app.core.preferences import export_preferences, preference_pairs
from app.core.store import Store

FIXTURES = Path(__file__).parent.parent / "fixtures"
CHATGPT = FIXTURES / "chatgpt-conversations.json"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "p.db")
    yield store
    store.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "fresh.db")
    yield store
    store.close()


def stats(model: str = "tiny.gguf", system_prompt: str = "Be brief.", **extra: Any) -> GenerationStats:
    return GenerationStats(model, {"temperature": 0.7, "system_prompt": system_prompt}, 42, **extra)


def reply(store: Store, conversation: int, parent: Message, text: str,
          status: MessageStatus = MessageStatus.COMPLETE, error: str | None = None,
          **stat_fields: Any) -> Message:
    """An assistant reply to ``parent`` that streamed and then ended with ``status``."""
    started = store.add_message(conversation, Role.ASSISTANT, "", parent.id,
                                MessageStatus.STREAMING, stats(**stat_fields))
    final = stats(prompt_tokens=12, completion_tokens=7, tokens_per_s=123.456789, ttft_ms=8.25,
                  **stat_fields)
    return store.finish_message(started.id, text, status, final, error)


def shown(store: Store, conversation: int) -> list[str]:
    return [item.message.content for item in store.branch(conversation)]


def build_history(store: Store) -> dict[str, int]:
    """Two conversations with branches, alternatives, feedback, overrides, a stopped and a
    failed reply and Chinese text, and a third in the trash."""
    first = store.create_conversation("Trip ideas", {"temperature": 0.3, "system_prompt": "Plan."})
    question = store.add_message(first, Role.USER, "Where should I go in spring?")
    good = reply(store, first, question, "Kyoto, for the cherry blossoms.")
    bad = reply(store, first, question, "Somewhere.", status=MessageStatus.STOPPED)
    store.set_feedback(good.id, 1, "concrete")
    store.set_feedback(bad.id, -1)
    follow = store.add_message(first, Role.USER, "How many days?", good.id)
    reply(store, first, follow, "Five days is enough.")
    edited = store.add_message(first, Role.USER, "How much does it cost?", good.id)
    reply(store, first, edited, "", status=MessageStatus.FAILED, error="The model ran out of memory.")
    store.show_branch(follow.id)  # the older edit is the one shown
    store.set_pinned(first, True)

    second = store.create_conversation("中文对话")
    store.rename_conversation(second, "中文对话（改名）")
    hello = store.add_message(second, Role.USER, "你好，今天天气怎么样？")
    reply(store, second, hello, "今天天气晴朗。", model="qwen-0.5b")

    trashed = store.create_conversation("Old stuff")
    store.add_message(trashed, Role.USER, "forget me")
    store.move_to_trash(trashed)
    return {"first": first, "second": second, "trashed": trashed}


def canonical(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversations without ids: each message keyed by its place in the tree."""
    result = []
    for conversation in document["conversations"]:
        children: dict[int | None, list[int]] = defaultdict(list)
        for m in sorted(conversation["messages"], key=lambda m: m["id"]):
            children[m["parent_id"]].append(m["id"])
        place: dict[int | None, tuple[int, ...] | None] = {None: None}
        pending: list[tuple[int | None, tuple[int, ...]]] = [(None, ())]
        while pending:
            parent, prefix = pending.pop()
            for index, child in enumerate(children[parent]):
                place[child] = (*prefix, index)
                pending.append((child, (*prefix, index)))
        messages = sorted(({**m, "id": place[m["id"]], "parent_id": place[m["parent_id"]]}
                           for m in conversation["messages"]), key=lambda m: m["id"])
        result.append({**conversation, "id": None, "messages": messages})
    return result


def all_ids(store: Store) -> list[int]:
    return sorted(c.id for c in store.list_conversations() + store.trashed_conversations())


# -- Parley JSON -----------------------------------------------------------------------------


def test_json_round_trip_loses_nothing(store: Store, fresh: Store, tmp_path: Path) -> None:
    ids = build_history(store)
    path = tmp_path / "export.json"
    export_file(store, all_ids(store), "json", path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "parley-conversations" and document["version"] == 1
    assert document["exported_at"].startswith("20")
    assert len(document["conversations"]) == 3
    first = document["conversations"][0]
    assert first["pinned"] is True and first["overrides"] == {"temperature": 0.3, "system_prompt": "Plan."}
    assert len(first["messages"]) == 7  # every branch, not only the shown one
    rated = next(m for m in first["messages"] if m["rating"] == 1)
    assert rated["feedback_note"] == "concrete"
    assert rated["stats"]["tokens_per_s"] == 123.456789 and rated["stats"]["seed"] == 42
    assert rated["stats"]["settings"]["system_prompt"] == "Be brief."
    assert {m["status"] for m in first["messages"]} == {"complete", "stopped", "failed"}

    imported = import_file(fresh, path)
    assert len(imported) == 3
    again = export_document(fresh, imported)
    assert canonical(again) == canonical(document)
    assert [shown(fresh, i) for i in imported] == [shown(store, i) for i in ids.values()]
    assert shown(fresh, imported[0])[-2:] == ["How many days?", "Five days is enough."]
    assert [c.id for c in fresh.trashed_conversations()] == [imported[2]]
    assert fresh.conversation(imported[1]).title_by_user  # type: ignore[union-attr]


def test_an_unknown_conversation_is_a_sentence(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ParleyError, match="There is no conversation 7"):
        export_file(store, [7], "json", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def valid_document(tmp_path: Path) -> dict[str, Any]:
    source = Store(tmp_path / "source.db")
    try:
        build_history(source)
        return export_document(source, all_ids(source))
    finally:
        source.close()


def set_path(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value


BAD_DOCUMENTS = [
    (("format",), "parley-presets", 'format "parley-presets"'),
    (("version",), 2, "newer version of Parley"),
    (("version",), "1", "version must be 1"),
    (("version",), True, "version must be 1"),
    (("conversations",), {}, "conversations must be a list"),
    (("conversations", 1, "title"), KeyError, "conversations[1]: title is missing"),
    (("conversations", 1, "pinned"), "yes", "conversations[1]: pinned must be true or false"),
    (("conversations", 1, "messages", 1, "content"), KeyError,
     "conversations[1].messages[1]: content is missing"),
    (("conversations", 1, "messages", 1, "role"), "tool",
     "conversations[1].messages[1]: role must be system, user or assistant"),
    (("conversations", 1, "messages", 1, "status"), "done", "status must be streaming, complete"),
    (("conversations", 1, "messages", 1, "rating"), 5, "rating must be 1 or -1, or null"),
    (("conversations", 1, "messages", 1, "created_at"), "yesterday", "created_at must be a time"),
    (("conversations", 1, "messages", 1, "created_at"), 1.7e12, "created_at must be a time"),  # ms
    (("conversations", 1, "messages", 1, "parent_id"), 999,
     "conversations[1].messages[1]: parent_id 999 is not a message of this conversation"),
    (("conversations", 1, "messages", 1, "stats", "seed"), 1.5,
     "conversations[1].messages[1].stats: seed must be a whole number"),
    (("conversations", 1, "messages", 1, "id"), "x", "id must be a whole number"),
]


@pytest.mark.parametrize("path, value, problem", BAD_DOCUMENTS)
def test_a_bad_parley_file_names_the_problem_and_changes_nothing(
        store: Store, tmp_path: Path, path: tuple[Any, ...], value: Any, problem: str) -> None:
    build_history(store)
    before = export_document(store, all_ids(store))
    document = valid_document(tmp_path)
    set_path(document, path, value)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_file(store, file)
    message = str(caught.value)
    assert message.startswith("Nothing was imported from bad.json: ") and problem in message
    assert "\n" not in message and message.endswith(".")
    assert canonical(export_document(store, all_ids(store))) == canonical(before)


def test_a_cycle_or_a_repeated_id_is_rejected(store: Store, tmp_path: Path) -> None:
    document = valid_document(tmp_path)
    messages = document["conversations"][0]["messages"]
    messages[0]["parent_id"] = messages[1]["id"]  # the root's child becomes its parent
    file = tmp_path / "cycle.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"conversations\[0\]\.messages\[\d\]: parent_id \d+ makes a "
                                              "cycle"):
        import_file(store, file)
    document = valid_document(tmp_path)
    messages = document["conversations"][0]["messages"]
    messages[2]["id"] = messages[1]["id"]
    file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"conversations\[0\]\.messages\[2\]: id \d+ is used twice"):
        import_file(store, file)
    assert all_ids(store) == []


@pytest.mark.parametrize("content, problem", [
    (b'{"format": "parley-conversations", "version": 1, "conversations": [', "it is not valid JSON"),
    (b'{"title": "caf\xe9"}', "it is not UTF-8 text"),
    (b'{"settings": {}}', "it looks like a JSON object without a format (keys: settings)"),
    (b'[1, 2]', "it looks like a list of 2 items without a ChatGPT mapping"),
    (b'"hello"', "it looks like a single JSON string"),
    (b'[]', "it looks like an empty list"),
])
def test_files_that_are_not_conversations_are_rejected(store: Store, tmp_path: Path, content: bytes,
                                                       problem: str) -> None:
    file = tmp_path / "odd.json"
    file.write_bytes(content)
    with pytest.raises(ImportFileError, match=f"^Nothing was imported from odd.json: {re.escape(problem)}"):
        import_file(store, file)
    assert all_ids(store) == []


def test_a_missing_or_huge_file_is_rejected(store: Store, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImportFileError, match="cannot be read"):
        import_file(store, tmp_path / "missing.json")
    file = tmp_path / "big.json"
    file.write_text(json.dumps(valid_document(tmp_path)), encoding="utf-8")
    monkeypatch.setattr(exchange, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(ImportFileError, match=r"it is larger than .* GiB; split it"):
        import_file(store, file)
    assert all_ids(store) == []


def test_a_streaming_reply_is_imported_as_interrupted(store: Store, tmp_path: Path) -> None:
    document = valid_document(tmp_path)
    document["conversations"][0]["messages"][1]["status"] = "streaming"
    file = tmp_path / "streaming.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    (first, *_) = import_file(store, file)
    assert store.messages(first)[1].status is MessageStatus.INTERRUPTED


# -- Markdown --------------------------------------------------------------------------------


def test_markdown_shows_the_shown_branch_only(store: Store) -> None:
    ids = build_history(store)
    text = export_markdown(store, [ids["first"]])
    assert text == (
        "# Trip ideas\n\n"
        "**You**\n\nWhere should I go in spring?\n\n"
        "**Assistant (tiny.gguf)**\n\nKyoto, for the cherry blossoms.\n\n"
        "**You**\n\nHow many days?\n\n"
        "**Assistant (tiny.gguf)**\n\nFive days is enough.\n"
    )
    assert "Somewhere." not in text and "cost" not in text  # other branches are left out


def test_markdown_of_several_conversations_and_status_notes(store: Store) -> None:
    ids = build_history(store)
    first = ids["first"]
    cost = next(m for m in store.messages(first) if m.content == "How much does it cost?")
    store.show_branch(cost.id)
    text = export_markdown(store, [first, ids["second"]])
    sections = text.split("\n---\n\n")
    assert len(sections) == 2
    assert sections[0].startswith("# Trip ideas\n") and sections[1].startswith("# 中文对话（改名）\n")
    assert "*(This reply failed: The model ran out of memory.)*" in sections[0]
    assert "**Assistant (qwen-0.5b)**\n\n今天天气晴朗。" in sections[1]


# -- ChatGPT ---------------------------------------------------------------------------------


def test_chatgpt_export_keeps_branches_titles_and_times(store: Store) -> None:
    ids = import_file(store, CHATGPT)
    assert len(ids) == 2  # "Only an image" has no text to keep
    paris, weather = (store.conversation(i) for i in ids)
    assert paris is not None and weather is not None
    assert (paris.title, paris.created_at, paris.updated_at) == (
        "Weekend in Paris", 1700000000.123456, 1700000900.654321)
    assert (weather.title, weather.created_at, weather.updated_at) == (
        "天气和图片", 1710000000.5, 1710000020.0)  # no update_time: the last message's

    messages = store.messages(ids[0])
    by_id = {m.id: m for m in messages}
    tree = {m.content[:12]: by_id[m.parent_id].content[:12] if m.parent_id else None for m in messages}
    assert tree == {
        "Plan a weeke": None,  # the null root and the hidden system message are gone
        "Day 1: the L": "Plan a weeke", "Day 1: the E": "Plan a weeke",  # a regenerated reply
        "What should ": "Day 1: the E", "Which museum": "Day 1: the E",  # an edited question
        "Croissants, ": "What should ",
        "The Musée d'": "Which museum",  # the browsing node is skipped, its child moves up
    }
    assert shown(store, ids[0]) == [  # the path to current_node, not the newest messages
        "Plan a weekend in Paris.", "Day 1: the Eiffel Tower. Day 2: the Musée d'Orsay.",
        "What should I eat?", "Croissants, crêpes and a good steak frites."]
    first_reply = next(m for m in messages if m.content.startswith("Day 1: the L"))
    assert first_reply.created_at == 1700000015.25 and first_reply.role is Role.ASSISTANT
    assert first_reply.stats == GenerationStats("gpt-4", {}, 0)
    assert all(m.status is MessageStatus.COMPLETE for m in messages)
    assert all(m.stats is None for m in messages if m.role is Role.USER)

    assert shown(store, ids[1]) == ["今天北京天气怎么样？", "北京今天晴，气温二十度左右。",
                                    "这张图片里是什么？", "图片里是一只猫。"]
    last = store.messages(ids[1])[-1]
    assert last.stats is None  # no model_slug
    hits = store.search("天气")
    assert {(h.conversation_id, h.message_id) for h in hits} == {
        (ids[1], None), (ids[1], store.messages(ids[1])[0].id)}


def chatgpt_file(tmp_path: Path, change: Any) -> Path:
    data = json.loads(CHATGPT.read_text(encoding="utf-8"))
    change(data)
    file = tmp_path / "conversations.json"
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return file


@pytest.mark.parametrize("change, problem", [
    (lambda d: d[1]["mapping"]["c2-u1"].update(parent="nowhere"),
     "conversations[1].mapping.c2-u1: parent nowhere is not in the mapping"),
    (lambda d: d[1]["mapping"]["c2-root"].update(parent="c2-a2"),
     "conversations[1].mapping: the parent links form a cycle"),
    (lambda d: d[0].update(current_node="gone"), "conversations[0]: current_node gone is not in the mapping"),
    (lambda d: d[1].pop("mapping"), "conversations[1]: mapping is missing"),
    (lambda d: d[1].update(create_time="today"), "conversations[1]: create_time must be a time in seconds"),
    (lambda d: d[1]["mapping"]["c2-a2"]["message"].update(create_time=[1]),
     "conversations[1].mapping.c2-a2.message: create_time must be a time"),
    (lambda d: d.append("x"), "conversations[3]: must be an object"),
])
def test_a_bad_chatgpt_file_names_the_problem(store: Store, tmp_path: Path, change: Any,
                                              problem: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(store, chatgpt_file(tmp_path, change))
    assert problem in str(caught.value) and "ChatGPT data export" in str(caught.value)
    assert all_ids(store) == []


def test_chatgpt_import_survives_a_parley_round_trip(store: Store, fresh: Store, tmp_path: Path) -> None:
    ids = import_file(store, CHATGPT)
    export_file(store, ids, "json", tmp_path / "again.json")
    assert [shown(fresh, i) for i in import_file(fresh, tmp_path / "again.json")] == [
        shown(store, i) for i in ids]
    assert len(read_import_file(CHATGPT)[0].messages) == 7


# -- preferences -----------------------------------------------------------------------------


def test_preference_pairs_come_from_rated_alternatives(store: Store, tmp_path: Path) -> None:
    chat = store.create_conversation("prefs")
    q1 = store.add_message(chat, Role.USER, "First question")
    a, b, _unrated, d = (reply(store, chat, q1, text) for text in ("good", "bad", "unrated", "worse"))
    for message, rating in ((a, 1), (b, -1), (d, -1)):
        store.set_feedback(message.id, rating)
    q2 = store.add_message(chat, Role.USER, "Second question", a.id)
    e = reply(store, chat, q2, "nice", system_prompt="")
    f = reply(store, chat, q2, "poor")
    store.set_feedback(e.id, 1)
    store.set_feedback(f.id, -1)
    q3 = store.add_message(chat, Role.USER, "Third question", e.id)
    for text in ("also good", "good too"):  # the same rating twice: no pair
        store.set_feedback(reply(store, chat, q3, text).id, 1)
    q4 = store.add_message(chat, Role.USER, "Fourth question", e.id)
    store.set_feedback(reply(store, chat, q4, "alone").id, -1)  # a single rated reply: no pair

    trashed = store.create_conversation("trashed")
    tq = store.add_message(trashed, Role.USER, "hidden")
    store.set_feedback(reply(store, trashed, tq, "x").id, 1)
    store.set_feedback(reply(store, trashed, tq, "y").id, -1)
    store.move_to_trash(trashed)

    pairs = preference_pairs(store)
    assert [(p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in pairs] == [
        ("good", "bad"), ("good", "worse"), ("nice", "poor")]
    assert pairs[0] == {
        "prompt": [{"role": "system", "content": "Be brief."},
                   {"role": "user", "content": "First question"}],
        "chosen": [{"role": "assistant", "content": "good"}],
        "rejected": [{"role": "assistant", "content": "bad"}],
    }
    assert pairs[2]["prompt"] == [  # the history, without a system prompt (it was empty)
        {"role": "user", "content": "First question"}, {"role": "assistant", "content": "good"},
        {"role": "user", "content": "Second question"}]

    path = tmp_path / "prefs.jsonl"
    assert export_preferences(store, path) == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == pairs


def test_no_ratings_no_pairs(store: Store, tmp_path: Path) -> None:
    build_history(store)
    store.set_feedback(next(m for m in store.messages(1) if m.rating == -1).id, None)
    assert preference_pairs(store) == []
    assert export_preferences(store, tmp_path / "empty.jsonl") == 0
    assert (tmp_path / "empty.jsonl").read_text(encoding="utf-8") == ""


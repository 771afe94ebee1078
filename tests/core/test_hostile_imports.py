"""Hostile import files are refused with one sentence and change nothing already stored.

Each case is imported into a database holding history (``build_history``). A refused file must
raise ImportFileError with a one-sentence message naming the problem, and the database files
must be byte for byte what they were (every row too, for a readable failure). Files that are
odd but harmless (a 500-level metadata value in a ChatGPT export, lone surrogates, a very long
chain of messages) must import without a crash. Every case is counted in the reliability
summary. The ordinary bad files are in ``test_exchange.py``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.exchange import MAX_IMPORT_BYTES, ImportFileError, import_file
from app.core.import_checks import MAX_DEPTH
from app.core.store import Store
from tests import reliability
from tests.core.test_exchange import CHATGPT, all_ids, build_history, set_path, valid_document
from tests.fixtures.make_schema_fixtures import table_rows

JSON_SAMPLES: dict[str, Any] = {"null": None, "bool": True, "int": 7, "float": 2.5, "text": "x", "list": [],
                                "object": {}}
NUMBER = {"int", "float"}
# The JSON types each field of a Parley file accepts (fields of the same name share them).
PARLEY_TYPES: dict[str, set[str]] = {
    "format": {"text"}, "version": {"int"}, "conversations": {"list"},
    "id": {"int"}, "title": {"text"}, "title_by_user": {"bool"}, "pinned": {"bool"},
    "created_at": NUMBER, "updated_at": NUMBER, "deleted_at": NUMBER | {"null"}, "overrides": {"object"},
    "messages": {"list"}, "parent_id": {"int", "null"}, "role": {"text"}, "content": {"text"},
    "status": {"text"}, "active_at": NUMBER, "rating": {"int", "null"}, "feedback_note": {"text", "null"},
    "error": {"text", "null"}, "stats": {"object", "null"}, "model": {"text"}, "settings": {"object"},
    "seed": {"int"}, "prompt_tokens": {"int", "null"}, "completion_tokens": {"int", "null"},
    "tokens_per_s": NUMBER | {"null"}, "ttft_ms": NUMBER | {"null"},
}
PARLEY_IGNORED = {"exported_at"}
# The fields of a ChatGPT export Parley checks (the rest it reads leniently: a message it cannot
# show is left out), as paths in the first conversation of tests/fixtures/chatgpt-conversations.json.
CHATGPT_TYPES: dict[tuple[str, ...], set[str]] = {
    ("title",): {"text", "null"}, ("create_time",): NUMBER | {"null"}, ("update_time",): NUMBER | {"null"},
    ("mapping",): {"object"}, ("current_node",): {"text", "null"},
    ("mapping", "u1", "parent"): {"text", "null"}, ("mapping", "u1", "children"): {"list"},
    ("mapping", "u1", "message"): {"object", "null"},
    ("mapping", "u1", "message", "create_time"): NUMBER | {"null"},
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "parley.db")
    build_history(store)
    yield store
    store.close()


Copies = Callable[[], dict[str, Any]]


@pytest.fixture
def parley(tmp_path: Path) -> Copies:
    """A valid Parley document of three conversations (each call a new copy)."""
    document = valid_document(tmp_path)
    return lambda: copy.deepcopy(document)


def state(store: Store) -> tuple[list[str], dict[str, Any]]:
    """The database files' digests and every row of the user's tables."""
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else "" for f in files]
    return digests, table_rows(store._db)


def refuse(store: Store, file: Path, problem: str) -> str:
    """Import ``file``: it must be refused, saying ``problem`` in one sentence, changing nothing."""
    before = state(store)
    with pytest.raises(ImportFileError) as caught:
        import_file(store, file)
    message = str(caught.value)
    assert problem in message, message
    assert message.startswith(f"Nothing was imported from {file.name}: ") and message.endswith(".")
    assert "\n" not in message and len(message) < 400
    assert state(store) == before, f"{problem}: the database changed"
    reliability.record("hostile_inputs")
    return message


def write(tmp_path: Path, data: Any, name: str = "hostile.json") -> Path:
    file = tmp_path / name
    file.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return file


def chatgpt() -> list[dict[str, Any]]:
    return json.loads(CHATGPT.read_text(encoding="utf-8"))


def nested(depth: int, kind: str = "list") -> str:
    """JSON text of ``depth`` nested lists or objects."""
    opening, closing = ("[", "]") if kind == "list" else ('{"a": ', "}")
    return opening * depth + "1" + closing * depth


# -- size and nesting ------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "huge.json"
    with file.open("wb") as sparse:  # a hole, not gigabytes on the disk
        sparse.truncate(MAX_IMPORT_BYTES + 1)
    refuse(store, file, "it is larger than 1 GiB; split it into smaller files")


@pytest.mark.parametrize("kind", ["list", "object"])
def test_deep_nesting_is_refused_without_a_recursion_error(store: Store, tmp_path: Path, parley: Copies,
                                                           kind: str) -> None:
    refuse(store, write(tmp_path, nested(100_000, kind)), "it is nested too deeply to be read")
    document = parley()
    document["conversations"][1]["messages"][0]["content"] = json.loads(nested(500, kind))
    refuse(store, write(tmp_path, document), "conversations[1].messages[0]: content must be text")


def test_settings_nested_deeper_than_the_limit_are_refused(store: Store, tmp_path: Path,
                                                           parley: Copies) -> None:
    """Overrides are stored as JSON and read again whenever the chat opens: a deep one would
    raise RecursionError there, or when exported, on any thread with a deeper stack."""
    for path, where in ((("conversations", 1, "overrides"), "conversations[1]: overrides"),
                        (("conversations", 1, "messages", 1, "stats", "settings"),
                         "conversations[1].messages[1].stats: settings")):
        document = parley()
        set_path(document, path, {"stop": json.loads(nested(MAX_DEPTH, "list"))})
        refuse(store, write(tmp_path, document), f"{where} is nested more than {MAX_DEPTH} levels deep")
    document = parley()
    document["conversations"][1]["overrides"] = {"stop": json.loads(nested(MAX_DEPTH - 3))}
    assert len(import_file(store, write(tmp_path, document))) == 3  # deep, but within the limit


def test_deep_values_parley_does_not_keep_are_harmless(store: Store, tmp_path: Path) -> None:
    data = chatgpt()
    data[0]["mapping"]["u1"]["message"]["metadata"] = json.loads(nested(500, "object"))
    (first, *_) = import_file(store, write(tmp_path, data))
    assert store.messages(first)[0].content == "Plan a weekend in Paris."
    reliability.record("hostile_inputs")
    document = {"format": json.loads(nested(900)), "version": 1}  # not written out in the message
    refuse(store, write(tmp_path, document), "it looks like a file of format […], not Parley")


def test_numbers_too_long_or_not_finite_are_refused(store: Store, tmp_path: Path, parley: Copies) -> None:
    document = json.dumps(parley())
    refuse(store, write(tmp_path, document.replace('"id": 1,', '"id": ' + "9" * 5000 + ",", 1)),
           "it holds a number too long to read")
    for value in ("NaN", "Infinity", "-1e999", str(2**63)):
        text = document.replace('"created_at": ', f'"created_at": {value}, "was": ', 1)
        refuse(store, write(tmp_path, text), "conversations[0]: created_at must be a time")
    refuse(store, write(tmp_path, document.replace('"seed": 42', f'"seed": {2**64}', 1)),
           "stats: seed must be a whole number")


# -- wrong types -----------------------------------------------------------------------------


def wrong_types(accepted: set[str]) -> list[tuple[str, Any]]:
    return [(name, value) for name, value in JSON_SAMPLES.items() if name not in accepted]


def parley_fields(document: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """A path to every field of a Parley document, at each level (a conversation and a reply
    with statistics that are not the first, so the ones before them are valid)."""
    conversation = ("conversations", 1)
    reply = (*conversation, "messages", 1)
    for prefix in ((), conversation, reply, (*reply, "stats")):
        target: Any = document
        for key in prefix:
            target = target[key]
        for key in target:
            yield (*prefix, key), key


def test_a_wrong_type_in_any_field_of_a_parley_file_is_refused(store: Store, tmp_path: Path,
                                                               parley: Copies) -> None:
    document = parley()
    fields = list(parley_fields(document))
    assert {name for _, name in fields} == set(PARLEY_TYPES) | PARLEY_IGNORED  # the table is complete
    cases = [(path, value) for path, name in fields if name not in PARLEY_IGNORED
             for _, value in wrong_types(PARLEY_TYPES[name])]
    cases += [(("conversations", 1), value) for _, value in wrong_types({"object"})]
    cases += [(("conversations", 1, "messages", 1), value) for _, value in wrong_types({"object"})]
    for path, value in cases:
        changed = copy.deepcopy(document)
        set_path(changed, path, value)
        message = refuse(store, write(tmp_path, changed), "")
        if path[-1] not in ("format", "version"):
            place = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path[:-1])
            assert place.lstrip(".") in message, (path, value, message)
    assert len(cases) > 100


def chatgpt_fields(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths to the fields of the first conversation and of its node u1, message included."""
    for key, item in value.items():
        path = (*prefix, key)
        if path == ("mapping",):
            yield path
            yield from chatgpt_fields(item["u1"], ("mapping", "u1"))
            continue
        yield path
        if isinstance(item, dict):
            yield from chatgpt_fields(item, path)


def test_a_wrong_type_in_a_chatgpt_export_is_refused_or_left_out(store: Store, tmp_path: Path) -> None:
    """A field Parley checks is refused; any other only decides whether a message is shown."""
    fields = list(chatgpt_fields(chatgpt()[0]))
    assert set(CHATGPT_TYPES) <= set(fields) and len(fields) > 30
    for path in fields:
        accepted = CHATGPT_TYPES.get(path)
        for _, value in wrong_types(accepted or set()):
            data = chatgpt()
            set_path(data[0], path, value)
            file = write(tmp_path, data)
            if accepted is not None:
                refuse(store, file, "conversations[0]")
                continue
            imported = import_file(store, file)  # no crash, and the other conversations are whole
            assert len(imported) in (2, 3) and store.messages(imported[-1])
            reliability.record("hostile_inputs")
    data = chatgpt()
    data[1] = "a conversation"
    refuse(store, write(tmp_path, data), "conversations[1]: must be an object")


# -- cycles and repeated ids -----------------------------------------------------------------


def link(mapping: dict[str, Any], child: str, parent: str | None) -> None:
    mapping[child]["parent"] = parent


CHATGPT_CYCLES: dict[str, Callable[[dict[str, Any]], None]] = {
    "its own parent": lambda c: link(c["mapping"], "u1", "u1"),
    "two nodes each other's parent": lambda c: (link(c["mapping"], "root", "u1")),
    "a loop below the root": lambda c: link(c["mapping"], "u1", "a2"),
    "current_node in a loop": lambda c: (link(c["mapping"], "u1", "a2"), c.update(current_node="a2")),
    "no root at all": lambda c: [link(c["mapping"], key, key) for key in c["mapping"]],
}


@pytest.mark.parametrize("name", list(CHATGPT_CYCLES))
def test_a_cycle_in_a_chatgpt_tree_is_refused(store: Store, tmp_path: Path, name: str) -> None:
    data = chatgpt()
    CHATGPT_CYCLES[name](data[0])
    refuse(store, write(tmp_path, data), "conversations[0].mapping: the parent links form a cycle")


def test_loops_in_chatgpt_children_lists_do_not_matter(store: Store, tmp_path: Path) -> None:
    """The tree follows the parent links; children lists only order siblings."""
    data = chatgpt()
    for node in data[0]["mapping"].values():
        node["children"] = list(data[0]["mapping"]) * 3  # every node everyone's child, itself too
    (first, *_) = import_file(store, write(tmp_path, data))
    expected = import_file(store, CHATGPT)[0]
    assert [(m.parent_id is None, m.content) for m in store.messages(first)] == [
        (m.parent_id is None, m.content) for m in store.messages(expected)]
    reliability.record("hostile_inputs")


def test_a_repeated_key_is_refused_not_silently_dropped(store: Store, tmp_path: Path, parley: Copies) -> None:
    text = CHATGPT.read_text(encoding="utf-8")
    node = '"u1": {"id": "u1", "message": null, "parent": "root", "children": []}, '
    refuse(store, write(tmp_path, text.replace('"u1": {', node + '"u1": {', 1)),
           'the key "u1" appears twice')
    document = json.dumps(parley(), ensure_ascii=False)
    refuse(store, write(tmp_path, document.replace('"content": ', '"content": "mine", "content": ', 1)),
           'the key "content" appears twice')


PARLEY_CYCLES: dict[str, Callable[[list[dict[str, Any]]], None]] = {
    "its own parent": lambda ms: ms[3].update(parent_id=ms[3]["id"]),
    "two messages each other's parent": lambda ms: ms[0].update(parent_id=ms[1]["id"]),
    "a loop below the root": lambda ms: ms[1].update(parent_id=ms[3]["id"]),
    "every message in one loop": lambda ms: [m.update(parent_id=ms[i - 1]["id"]) for i, m in enumerate(ms)],
}


@pytest.mark.parametrize("name", list(PARLEY_CYCLES))
def test_a_parent_cycle_in_a_parley_file_is_refused(store: Store, tmp_path: Path, parley: Copies,
                                                    name: str) -> None:
    document = parley()
    PARLEY_CYCLES[name](document["conversations"][0]["messages"])
    refuse(store, write(tmp_path, document), "makes a cycle")


def test_a_long_chain_ending_in_a_cycle_is_refused(store: Store, tmp_path: Path, parley: Copies) -> None:
    document = parley()
    chain = [{**document["conversations"][0]["messages"][0], "id": n, "parent_id": n - 1}
             for n in range(1, 20_001)]
    chain[0]["parent_id"] = 20_000
    document["conversations"][0]["messages"] = chain
    refuse(store, write(tmp_path, document), "conversations[0].messages[1]: parent_id 1 makes a cycle")


def test_repeated_message_ids_are_refused(store: Store, tmp_path: Path, parley: Copies) -> None:
    for later in range(1, 7):
        document = parley()
        messages = document["conversations"][0]["messages"]
        messages[later]["id"] = messages[0]["id"]
        refuse(store, write(tmp_path, document), f"conversations[0].messages[{later}]: id ")


def test_repeated_conversation_ids_are_two_conversations(store: Store, tmp_path: Path,
                                                         parley: Copies) -> None:
    """Conversation ids are replaced on import, so a repeated one merges or replaces nothing."""
    document = parley()
    document["conversations"][1]["id"] = document["conversations"][0]["id"]
    before = all_ids(store)
    imported = import_file(store, write(tmp_path, document))
    assert len(imported) == 3 and not set(imported) & set(before)
    assert [len(store.messages(i)) for i in imported] == [7, 2, 1]
    reliability.record("hostile_inputs")


# -- odd but harmless ------------------------------------------------------------------------


def test_lone_surrogates_are_stored_as_replacement_characters(store: Store, tmp_path: Path,
                                                              parley: Copies) -> None:
    """``\\ud800`` is valid JSON, but SQLite cannot store it (it failed with UnicodeEncodeError)."""
    document = parley()
    conversation = document["conversations"][1]
    conversation["title"] = "bad \ud800 title"
    conversation["overrides"] = {"system_prompt \udfff": "x\ud800"}
    conversation["messages"][1]["content"] = "a\udc00b"
    conversation["messages"][1]["stats"]["model"] = "\ud83d.gguf"
    data = chatgpt()
    data[0]["title"] = "\udead"
    data[0]["mapping"]["u1"]["message"]["content"]["parts"] = ["half an emoji \ud83d"]
    for content in (document, data):
        file = tmp_path / "surrogates.json"
        file.write_text(json.dumps(content), encoding="utf-8")  # ASCII: the surrogates as \u escapes
        import_file(store, file)
        reliability.record("hostile_inputs")
    titles = {c.title for c in store.list_conversations()}
    assert {"bad \ufffd title", "\ufffd"} <= titles
    texts = {m.content for c in store.list_conversations() for m in store.messages(c.id)}
    assert {"a\ufffdb", "half an emoji \ufffd"} <= texts
    imported = next(c.id for c in store.list_conversations() if c.title == "bad \ufffd title")
    assert store.conversation_overrides(imported) == {"system_prompt \ufffd": "x\ufffd"}
    assert store.integrity_check() == "ok"


@pytest.mark.parametrize("fmt", ["parley", "chatgpt"])
def test_a_very_long_chain_imports_without_recursion(store: Store, tmp_path: Path, parley: Copies,
                                                     fmt: str) -> None:
    """5,000 messages, each answering the one before: deep as a tree, flat as JSON."""
    if fmt == "parley":
        document = parley()
        template = document["conversations"][0]["messages"][0]
        document["conversations"] = document["conversations"][:1]
        document["conversations"][0]["messages"] = [
            {**template, "id": n, "parent_id": n - 1 if n else None, "content": f"turn {n}"}
            for n in range(5000)]
        data: Any = document
    else:
        data = chatgpt()[:1]
        node = data[0]["mapping"]["u1"]
        data[0]["mapping"] = {f"n{n}": {**node, "id": f"n{n}", "parent": f"n{n - 1}" if n else None,
                                        "message": {**node["message"], "content": {
                                            "content_type": "text", "parts": [f"turn {n}"]}}}
                              for n in range(5000)}
        data[0]["current_node"] = "n4999"
    (imported,) = import_file(store, write(tmp_path, data))
    branch = store.branch(imported)
    assert len(branch) == 5000 and branch[-1].message.content == "turn 4999"
    assert store.delete_message(branch[0].message.id) == 5000
    reliability.record("hostile_inputs")


def test_a_failure_while_storing_leaves_nothing_half_imported(store: Store, tmp_path: Path, parley: Copies,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the disk fail part way through (here: the 5th message), nothing of the file stays."""
    document = parley()
    before = state(store)
    calls = {"count": 0}
    insert = Store._insert_message

    def failing(self: Store, conversation_id: int, message: Any) -> int:
        calls["count"] += 1
        if calls["count"] == 5:
            raise sqlite3.OperationalError("disk I/O error")
        return insert(self, conversation_id, message)

    monkeypatch.setattr(Store, "_insert_message", failing)
    with pytest.raises(sqlite3.OperationalError):
        import_file(store, write(tmp_path, document))
    assert state(store)[1] == before[1] and store.integrity_check() == "ok"
    reliability.record("hostile_inputs")


def test_a_branch_active_in_the_future_does_not_outrank_the_users_choice(store: Store, tmp_path: Path,
                                                                        parley: Copies) -> None:
    """Found by the store's model test: a file whose shown branch was active in 2096 kept that
    branch shown whatever the user chose (showing a branch stamped it with the earlier now)."""
    document = parley()
    for message in document["conversations"][0]["messages"]:
        message["active_at"] += 2.0e9
    data = chatgpt()
    data[0]["update_time"] = 4.0e9
    for content, as_exported in ((document, parley()), (data, chatgpt())):
        (first, *_) = import_file(store, write(tmp_path, content))
        (expected, *_) = import_file(store, write(tmp_path, as_exported, "plain.json"))
        shown = [item.message.content for item in store.branch(first)]
        assert shown == [item.message.content for item in store.branch(expected)]
        item = next(item for item in store.branch(first) if len(item.siblings) > 1)
        other = item.sibling(1) or item.sibling(-1)
        assert other is not None
        store.show_branch(other)
        assert other in [item.message.id for item in store.branch(first)]
        reliability.record("hostile_inputs")

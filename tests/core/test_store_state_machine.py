"""The store against a model of it: Hypothesis runs random sequences of what Parley does to
history (create, append, edit and regenerate as branches, show a branch, delete a subtree, trash,
restore, delete for good, import, rename, pin, rate, finish a reply, reopen the file) and after
every step checks that the database says exactly what an in-memory model says.

The model keeps its own clock: a message's ``active`` key is the step at which it was last put
on the shown branch, so the store's wall-clock ``active_at`` must order messages the same way,
even when the store's clock stops (a coarse clock: 15.6 ms on Windows before Python 3.13) or
is set back. Keys from an imported file's ``active_at`` sort before every step of the clock,
ties broken by message id as the store does, even times in the future (up to 2100).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.core import store as store_module
from app.core.exchange import export_file, import_file
from app.core.generation import ReplyTokens
from app.core.models import MessageStatus, Role
from app.core.store import Store, open_store
from tests import reliability

EXAMPLES = 200
SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

Key = tuple[int, float]  # (0, an imported active_at) or (1, a step of the model's clock)
TEXTS = st.one_of(st.text(max_size=12), st.sampled_from(["你好，世界", "今天天气怎么样？", "", "  "]))
STATUSES = st.sampled_from(list(MessageStatus))
ROLES = st.sampled_from([Role.USER, Role.ASSISTANT])
OVERRIDES = st.sampled_from([{}, {"temperature": 0.25}, {"system_prompt": "简短", "seed": 7}])


class Clock:
    """The store's ``time`` module: the real clock, or one that has stopped or was set back."""

    def __init__(self) -> None:
        self.stopped_at: float | None = None
        self.behind = 0.0

    def time(self) -> float:
        return self.stopped_at if self.stopped_at is not None else time.time() - self.behind

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


CLOCK = Clock()


@dataclass
class ModelMessage:
    """What the store must say about one message."""

    role: Role
    content: str
    parent: int | None
    status: MessageStatus
    active: Key
    rating: int | None = None
    tokens: tuple[int, ...] | None = None

    def stored(self) -> tuple[object, ...]:
        return self.role, self.content, self.parent, self.status, self.rating


@dataclass
class ModelConversation:
    """What the store must say about one conversation."""

    title: str
    overrides: dict[str, Any]
    pinned: bool = False
    trashed: bool = False
    title_by_user: bool = False
    messages: dict[int, ModelMessage] = field(default_factory=dict)

    def children(self) -> dict[int | None, list[int]]:
        found: dict[int | None, list[int]] = defaultdict(list)
        for message_id in sorted(self.messages):
            found[self.messages[message_id].parent].append(message_id)
        return found

    def shown(self) -> list[int]:
        """The shown branch: from the most recently active root, the most recently active child."""
        children, branch = self.children(), []
        while children.get(branch[-1] if branch else None):
            options = children[branch[-1] if branch else None]
            branch.append(max(options, key=lambda m: (self.messages[m].active, m)))
        return branch

    def subtree(self, message_id: int) -> list[int]:
        children, found = self.children(), [message_id]
        for below in found:
            found.extend(children.get(below, []))
        return found

    def path(self, message_id: int | None) -> list[int]:
        path = []
        while message_id is not None:
            path.append(message_id)
            message_id = self.messages[message_id].parent
        return path


def preorder(parents: dict[int, int | None]) -> list[int]:
    """Message ids parents first, siblings in id order: how an import numbers them."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for message_id in sorted(parents):
        children[parents[message_id]].append(message_id)
    order: list[int] = []
    pending = list(reversed(children[None]))
    while pending:
        message_id = pending.pop()
        order.append(message_id)
        pending.extend(reversed(children[message_id]))
    return order


def shape(order: list[int], parents: dict[int, int | None]) -> list[int]:
    """Each message's parent as a place in ``order`` (-1 for a root): the tree without its ids."""
    place = {message_id: index for index, message_id in enumerate(order)}
    return [-1 if parents[m] is None else place[parents[m]] for m in order]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid Parley JSON document: ids in any order, parents listed before or after their
    children, ties between active_at times and times in 2096, every status (streaming is
    imported as interrupted)."""
    conversations = []
    for index in range(draw(st.integers(1, 2))):
        count = draw(st.integers(0, 6))
        ids = draw(st.lists(st.integers(-5, 40), min_size=count, max_size=count, unique=True))
        messages = [{
            "id": message_id,
            "parent_id": draw(st.sampled_from([None, *ids[:position]])),
            "role": draw(ROLES).value, "content": draw(TEXTS), "status": draw(STATUSES).value,
            "created_at": 1.0, "active_at": draw(st.sampled_from([1.0, 2.0, 3.5, 4.0e9])),
            "rating": draw(st.sampled_from([None, 1, -1])), "feedback_note": None, "error": None,
            "stats": None,
        } for position, message_id in enumerate(ids)]
        conversations.append({
            "id": index, "title": draw(TEXTS), "title_by_user": draw(st.booleans()),
            "pinned": draw(st.booleans()), "created_at": 1.0, "updated_at": 4.0,
            "deleted_at": draw(st.sampled_from([None, 5.0])), "overrides": draw(OVERRIDES),
            "messages": draw(st.permutations(messages)),
        })
    return {"format": "parley-conversations", "version": 1, "conversations": conversations}


class StoreMachine(RuleBasedStateMachine):
    """One database file, the store over it, and the model it must match."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="parley-model-"))
        self.path = self.folder / "parley.db"
        self.store = Store(self.path)
        self.model: dict[int, ModelConversation] = {}
        self.clock = 0
        CLOCK.stopped_at, CLOCK.behind = None, 0.0

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        reliability.record("store_examples")

    # -- helpers ---------------------------------------------------------------------------

    def tick(self) -> Key:
        self.clock += 1
        return (1, float(self.clock))

    def conversation(self, data: st.DataObject, trashed: bool | None = None) -> int:
        return data.draw(st.sampled_from(sorted(
            cid for cid, c in self.model.items() if trashed is None or c.trashed == trashed)))

    def message(self, data: st.DataObject, role: Role | None = None,
                status: MessageStatus | None = None) -> tuple[int, int]:
        return data.draw(st.sampled_from([
            (cid, mid) for cid, c in sorted(self.model.items()) for mid, m in sorted(c.messages.items())
            if (role is None or m.role is role) and (status is None or m.status is status)]))

    def has_message(self, role: Role | None = None, status: MessageStatus | None = None) -> bool:
        return any((role is None or m.role is role) and (status is None or m.status is status)
                   for c in self.model.values() for m in c.messages.values())

    def add(self, cid: int, role: Role, content: str, parent: int | None, status: MessageStatus) -> None:
        added = self.store.add_message(cid, role, content, parent, status)
        assert added.id not in self.model[cid].messages
        self.model[cid].messages[added.id] = ModelMessage(role, content, parent, status, self.tick())

    def imported(self, sources: list[tuple[dict[str, Any], dict[int, ModelMessage]]],
                 new_ids: list[int]) -> None:
        """Add imported conversations to the model: ``sources`` are each conversation's fields
        and messages under the ids of the file, matched to the store's new ids by their place
        in the tree (siblings keep their order)."""
        assert len(new_ids) == len(sources) and not set(new_ids) & set(self.model)
        for cid, (fields, messages) in zip(new_ids, sources, strict=True):
            old_parents = {mid: m.parent for mid, m in messages.items()}
            new_parents = {m.id: m.parent_id for m in self.store.messages(cid)}
            old_order, new_order = preorder(old_parents), preorder(new_parents)
            assert shape(old_order, old_parents) == shape(new_order, new_parents)
            renumber: dict[int | None, int | None] = {None: None}
            renumber.update(zip(old_order, new_order, strict=True))
            interrupted = MessageStatus.INTERRUPTED
            self.model[cid] = ModelConversation(**fields, messages={
                renumber[old]: ModelMessage(
                    m.role, m.content, renumber[m.parent],
                    interrupted if m.status is MessageStatus.STREAMING else m.status, m.active, m.rating)
                for old, m in messages.items()})

    # -- conversations ---------------------------------------------------------------------

    @rule(title=TEXTS, overrides=OVERRIDES)
    def create(self, title: str, overrides: dict[str, Any]) -> None:
        cid = self.store.create_conversation(title, overrides)
        assert cid not in self.model
        self.model[cid] = ModelConversation(title, overrides)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), title=TEXTS)
    def rename(self, data: st.DataObject, title: str) -> None:
        cid = self.conversation(data)
        self.store.rename_conversation(cid, title)
        self.model[cid].title, self.model[cid].title_by_user = title, True

    @precondition(lambda self: self.model)
    @rule(data=st.data(), title=TEXTS)
    def automatic_title(self, data: st.DataObject, title: str) -> None:
        cid = self.conversation(data)
        conversation = self.model[cid]
        assert self.store.set_automatic_title(cid, title) == (not conversation.title_by_user)
        if not conversation.title_by_user:
            conversation.title = title

    @precondition(lambda self: self.model)
    @rule(data=st.data(), pinned=st.booleans())
    def pin(self, data: st.DataObject, pinned: bool) -> None:
        cid = self.conversation(data)
        self.store.set_pinned(cid, pinned)
        self.model[cid].pinned = pinned

    @precondition(lambda self: any(not c.trashed for c in self.model.values()))
    @rule(data=st.data())
    def move_to_trash(self, data: st.DataObject) -> None:
        cid = self.conversation(data, trashed=False)
        self.store.move_to_trash(cid)
        self.model[cid].trashed = True

    @precondition(lambda self: any(c.trashed for c in self.model.values()))
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        cid = self.conversation(data, trashed=True)
        self.store.restore(cid)
        self.model[cid].trashed = False

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def delete_for_good(self, data: st.DataObject) -> None:
        cid = self.conversation(data)
        self.store.delete_conversation(cid)
        del self.model[cid]

    @rule()
    def empty_trash(self) -> None:
        trashed = [cid for cid, c in self.model.items() if c.trashed]
        assert self.store.empty_trash() == len(trashed)
        for cid in trashed:
            del self.model[cid]

    # -- messages --------------------------------------------------------------------------

    @precondition(lambda self: self.model)
    @rule(data=st.data(), role=ROLES, content=TEXTS, status=STATUSES)
    def append(self, data: st.DataObject, role: Role, content: str, status: MessageStatus) -> None:
        """A message continuing the shown branch (sending, or a reply placeholder)."""
        cid = self.conversation(data)
        shown = self.model[cid].shown()
        self.add(cid, role, content, shown[-1] if shown else None, status)

    @precondition(lambda self: self.has_message())
    @rule(data=st.data(), content=TEXTS, status=STATUSES)
    def edit(self, data: st.DataObject, content: str, status: MessageStatus) -> None:
        """A new version of a message beside it: an edit, or a regenerated reply (a branch)."""
        cid, mid = self.message(data)
        original = self.model[cid].messages[mid]
        self.add(cid, original.role, content, original.parent, status)

    @precondition(lambda self: self.has_message())
    @rule(data=st.data())
    def show_branch(self, data: st.DataObject) -> None:
        cid, mid = self.message(data)
        conversation = self.model[cid]
        self.store.show_branch(mid)
        now = self.tick()
        for on_path in conversation.path(mid):
            conversation.messages[on_path].active = now

    @precondition(lambda self: self.has_message())
    @rule(data=st.data())
    def delete_subtree(self, data: st.DataObject) -> None:
        cid, mid = self.message(data)
        conversation = self.model[cid]
        below = conversation.subtree(mid)
        assert self.store.delete_message(mid) == len(below)
        for gone in below:
            del conversation.messages[gone]

    @precondition(lambda self: self.has_message(Role.ASSISTANT))
    @rule(data=st.data(), rating=st.sampled_from([1, -1, None]))
    def rate(self, data: st.DataObject, rating: int | None) -> None:
        cid, mid = self.message(data, Role.ASSISTANT)
        self.store.set_feedback(mid, rating)
        self.model[cid].messages[mid].rating = rating

    @precondition(lambda self: self.has_message(status=MessageStatus.STREAMING))
    @rule(data=st.data(), content=TEXTS, status=st.sampled_from([MessageStatus.COMPLETE,
                                                                  MessageStatus.STOPPED]),
          tokens=st.none() | st.lists(st.integers(0, 2**31 - 1), max_size=5).map(tuple))
    def finish(self, data: st.DataObject, content: str, status: MessageStatus,
               tokens: tuple[int, ...] | None) -> None:
        """A streaming reply is written to the end, with the exact tokens when the model gave them."""
        cid, mid = self.message(data, status=MessageStatus.STREAMING)
        self.store.finish_message(mid, content, status,
                                  tokens=None if tokens is None else ReplyTokens("model.gguf", tokens))
        message = self.model[cid].messages[mid]
        message.content, message.status, message.tokens = content, status, tokens

    # -- files -----------------------------------------------------------------------------

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def export_and_import(self, data: st.DataObject) -> None:
        """A conversation exported as Parley JSON and imported again: a copy, every branch kept."""
        cid = self.conversation(data)
        source = self.model[cid]
        export_file(self.store, [cid], "json", self.folder / "export.json")
        new_ids = import_file(self.store, self.folder / "export.json")
        fields = {"title": source.title, "overrides": dict(source.overrides), "pinned": source.pinned,
                  "trashed": source.trashed, "title_by_user": source.title_by_user}
        self.imported([(fields, source.messages)], new_ids)

    @rule(document=documents())
    def import_document(self, document: dict[str, Any]) -> None:
        (self.folder / "import.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        new_ids = import_file(self.store, self.folder / "import.json")
        sources = [({"title": c["title"], "overrides": c["overrides"], "pinned": c["pinned"],
                     "trashed": c["deleted_at"] is not None, "title_by_user": c["title_by_user"]},
                    {m["id"]: ModelMessage(Role(m["role"]), m["content"], m["parent_id"],
                                           MessageStatus(m["status"]), (0, m["active_at"]), m["rating"])
                     for m in c["messages"]})
                   for c in document["conversations"]]
        self.imported(sources, new_ids)

    @rule(change=st.sampled_from(["runs", "stops", "is set back an hour"]))
    def store_clock(self, change: str) -> None:
        """What the store's clock does from now on: nothing the model's order may depend on."""
        CLOCK.stopped_at = CLOCK.time() if change == "stops" else None
        CLOCK.behind += 3600.0 if change == "is set back an hour" else 0.0

    @rule(starting_up=st.booleans())
    def reopen(self, starting_up: bool) -> None:
        """Close the file and open it again; starting up also marks streaming replies interrupted."""
        self.store.close()
        self.store, note = open_store(self.path)
        assert note is None
        if starting_up:
            streaming = [m for c in self.model.values() for m in c.messages.values()
                         if m.status is MessageStatus.STREAMING]
            assert self.store.mark_interrupted() == len(streaming)
            for message in streaming:
                message.status = MessageStatus.INTERRUPTED

    # -- the invariant ---------------------------------------------------------------------

    @invariant()
    def database_matches_model(self) -> None:
        store, model = self.store, self.model
        assert {c.id for c in store.list_conversations()} == {i for i, c in model.items() if not c.trashed}
        assert {c.id for c in store.trashed_conversations()} == {i for i, c in model.items() if c.trashed}
        for cid, conversation in model.items():
            summary = store.conversation(cid)
            assert summary is not None
            assert (summary.title, summary.pinned, summary.deleted_at is not None, summary.title_by_user,
                    summary.message_count) == (conversation.title, conversation.pinned,
                                               conversation.trashed, conversation.title_by_user,
                                               len(conversation.messages))
            assert store.conversation_overrides(cid) == conversation.overrides
            stored = {m.id: (m.role, m.content, m.parent_id, m.status, m.rating) for m in store.messages(cid)}
            assert stored == {mid: m.stored() for mid, m in conversation.messages.items()}
            branch = store.branch(cid)
            assert [item.message.id for item in branch] == conversation.shown()
            children = conversation.children()
            for item in branch:
                assert item.siblings == tuple(children[item.message.parent_id])
        every_id = [mid for c in model.values() for mid in c.messages]
        assert store.reply_tokens(every_id) == {
            mid: ReplyTokens("model.gguf", m.tokens) for c in model.values()
            for mid, m in c.messages.items() if m.tokens is not None}
        db = store._db  # nothing left over outside the model: orphans, stale search rows, tokens
        assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == len(every_id)
        assert {r[0] for r in db.execute("SELECT rowid FROM message_search")} == set(every_id)
        assert {r[0] for r in db.execute("SELECT rowid FROM title_search")} == set(model)
        assert db.execute("SELECT COUNT(*) FROM reply_tokens").fetchone()[0] == sum(
            m.tokens is not None for c in model.values() for m in c.messages.values())
        assert store.integrity_check() == "ok"


def test_the_store_matches_its_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """At least 200 random histories, each checked against the model after every step."""
    monkeypatch.setattr(store_module, "time", CLOCK)
    before = reliability.TALLY["store_examples"]
    run_state_machine_as_test(StoreMachine, settings=SETTINGS)
    assert reliability.TALLY["store_examples"] - before >= EXAMPLES


def test_the_branch_shown_last_is_shown_even_if_the_clock_has_not_moved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the model test with a stopped clock: a reply regenerated in the same clock tick
    as the user then chose the first one (or after the clock was set back) stayed shown."""
    clock = Clock()
    clock.stopped_at = time.time()
    monkeypatch.setattr(store_module, "time", clock)
    store = Store(tmp_path / "parley.db")
    conversation = store.create_conversation("tick")
    question = store.add_message(conversation, Role.USER, "question")
    first = store.add_message(conversation, Role.ASSISTANT, "first", question.id)
    store.add_message(conversation, Role.ASSISTANT, "regenerated", question.id)
    store.show_branch(first.id)
    assert [item.message.content for item in store.branch(conversation)] == ["question", "first"]
    clock.behind, clock.stopped_at = 3600.0, None  # set back an hour: a new message is still shown
    follow = store.add_message(conversation, Role.USER, "and then?", first.id)
    assert store.branch(conversation)[-1].message.id == follow.id
    store.close()

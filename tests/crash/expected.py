"""What the database must hold after a kill: the journal's committed writes, replayed on a model.

The model follows what the checker compares: each conversation's existence, title, trash state
and overrides, and each message's role, text and status. A write still in flight when the
process died may or may not have happened, so ``possible_states`` gives every combination of
the in-flight writes (at most one per thread) applied or not; the database must equal one.
Rows a write creates have ids the journal only learns when the write returns: an in-flight
creation is expected as an unnamed row (``new_conversations``, ``new_messages``), and an
imported conversation's messages as a multiset of ``(role, content, status)``.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.crash.journal import Call, Replay

MessageKey = tuple[str, str, str]  # role, content, status


@dataclass
class MessageState:
    """A message as the checker compares it."""

    conversation_id: int
    role: str
    content: str
    status: str

    def key(self) -> MessageKey:
        return self.role, self.content, self.status


@dataclass
class ConversationState:
    """A conversation as the checker compares it; ``unnamed`` are imported messages (ids unknown)."""

    title: str
    trashed: bool = False
    title_by_user: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    unnamed: Counter[MessageKey] = field(default_factory=Counter)


@dataclass
class StoreState:
    """The store the journal proves, plus the rows of in-flight creations."""

    conversations: dict[int, ConversationState] = field(default_factory=dict)
    messages: dict[int, MessageState] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)  # conversations deleted for good
    new_conversations: list[ConversationState] = field(default_factory=list)
    new_messages: list[MessageState] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # writes to rows the model cannot name

    def message(self, message_id: int) -> MessageState | None:
        found = self.messages.get(message_id)
        if found is None:
            self.unknown.append(f"the journal writes message {message_id}, which it never created")
        return found


def _imported(record: dict[str, Any]) -> ConversationState:
    return ConversationState(record["title"], record["trashed"], record["title_by_user"],
                             record["overrides"],
                             Counter((m["role"], m["content"], m["status"]) for m in record["messages"]))


def apply(state: StoreState, call: Call, committed: bool) -> None:
    """Apply ``call`` to ``state``; ``committed`` says whether its result (new ids) is known."""
    a, name = call.args, call.name
    if name == "create_conversation":
        created = ConversationState(a["title"], overrides=a["overrides"] or {})
        if committed:
            state.conversations[call.result] = created
        else:
            state.new_conversations.append(created)
    elif name == "import_conversations":
        records = [_imported(record) for record in a["records"]]
        if committed:
            state.conversations.update(zip(call.result, records, strict=True))
        else:
            state.new_conversations += records
    elif name == "add_message":
        added = MessageState(a["conversation_id"], a["role"], a["content"], a["status"])
        if committed:
            state.messages[call.result["id"]] = added
        else:
            state.new_messages.append(added)
    elif name in ("update_message_text", "finish_message", "reopen_message"):
        message = state.message(a["message_id"])
        if message is not None:
            message.content = a.get("content", message.content)
            message.status = a.get("status", "streaming" if name == "reopen_message" else message.status)
    elif name == "mark_interrupted":
        for message in state.messages.values():
            if message.status == "streaming":
                message.status = "interrupted"
    elif name == "empty_trash":
        state.deleted |= {cid for cid, c in state.conversations.items() if c.trashed}
    elif name == "delete_conversation":
        state.deleted.add(a["conversation_id"])
    else:
        _apply_to_conversation(state, call, committed)


def _apply_to_conversation(state: StoreState, call: Call, committed: bool) -> None:
    a, name = call.args, call.name
    conversation = state.conversations.get(a["conversation_id"])
    if conversation is None:
        state.unknown.append(f"the journal writes conversation {a['conversation_id']}, "
                             "which it never created")
        return
    if name == "rename_conversation":
        conversation.title, conversation.title_by_user = a["title"], True
    elif name == "set_automatic_title":
        # Committed: the result says whether it replaced the title; in flight: it would unless
        # the user named the conversation.
        replaced = call.result if committed else not conversation.title_by_user
        if replaced:
            conversation.title = a["title"]
    elif name == "set_conversation_overrides":
        conversation.overrides = a["overrides"]
    elif name in ("move_to_trash", "restore"):
        conversation.trashed = name == "move_to_trash"
    else:
        raise ValueError(f"the checker does not know the write {name!r}")


@dataclass
class Baseline:
    """Where a run starts: the state the last run's check accepted, and the journal after it.

    Each check leaves exactly one state (the database it found, which it proved allowed), so the
    next run is checked against that, not against every old write still in flight."""

    store: StoreState = field(default_factory=StoreState)
    settings: dict[str, Any] | None = None  # the settings file's data (None: no file)
    journal_offset: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"conversations": {cid: asdict(c) for cid, c in self.store.conversations.items()},
                "messages": {mid: asdict(m) for mid, m in self.store.messages.items()},
                "settings": self.settings, "journal_offset": self.journal_offset}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        conversations = {int(cid): ConversationState(**{**c, "unnamed": Counter()})
                         for cid, c in data["conversations"].items()}
        messages = {int(mid): MessageState(**m) for mid, m in data["messages"].items()}
        return cls(StoreState(conversations, messages), data["settings"], data["journal_offset"])


def committed_state(journal: Replay, start: StoreState) -> StoreState:
    """The store after every committed write (store writes only: settings are checked apart)."""
    state = copy.deepcopy(start)
    for call in journal.committed:
        if call.name != "save_settings":
            apply(state, call, committed=True)
    return state


def possible_states(journal: Replay, start: StoreState) -> Iterator[StoreState]:
    """The committed state with each subset of the in-flight store writes applied (fewest first)."""
    base = committed_state(journal, start)
    pending = [call for call in journal.pending if call.name != "save_settings"]
    for size in range(len(pending) + 1):
        for chosen in itertools.combinations(pending, size):
            state = copy.deepcopy(base)
            for call in chosen:
                apply(state, call, committed=False)
            yield state


def possible_settings(journal: Replay, start: dict[str, Any] | None) -> tuple[dict[str, Any] | None,
                                                                             list[dict[str, Any]]]:
    """The settings last saved (``start`` if none was) and those being saved at the kill."""
    saved = [call.args["settings"] for call in journal.committed if call.name == "save_settings"]
    pending = [call.args["settings"] for call in journal.pending if call.name == "save_settings"]
    return (saved[-1] if saved else start), pending

"""History as a tree: branches, alternatives, deletion, trash, pins, feedback, fork, search."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.models import ConversationRecord, Message, MessageStatus, Role
from app.core.search_text import MATCH_END, MATCH_START, match_query, search_text
from app.core.settings import Settings
from app.core.store import Store
from app.core.turn import ReplyRecorder, Turn, continue_reply, start_reply, start_turn

SETTINGS = Settings({"seed": 5})


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "p.db")
    yield store
    store.close()


def shown(store: Store, conversation_id: int) -> list[str]:
    return [item.message.content for item in store.branch(conversation_id)]


def answer(store: Store, reply: Message, text: str) -> Message:
    return store.finish_message(reply.id, text, MessageStatus.COMPLETE)


def two_turns_then_edit(store: Store) -> tuple[Turn, Turn, Turn]:
    """"one" → "1", "two" → "2", then "two" edited to "TWO" (its reply not yet written)."""
    first = start_turn(store, None, "one", SETTINGS, "m")
    answer(store, first.reply, "1")
    second = start_turn(store, first.conversation_id, "two", SETTINGS, "m")
    answer(store, second.reply, "2")
    edited = start_turn(store, first.conversation_id, "TWO", SETTINGS, "m",
                        replacing=second.user_message)
    return first, second, edited


def test_edit_creates_a_branch_and_keeps_the_original(store: Store) -> None:
    first, second, edited = two_turns_then_edit(store)
    answer(store, edited.reply, "2b")
    conversation = first.conversation_id
    assert shown(store, conversation) == ["one", "1", "TWO", "2b"]
    assert {m.content for m in store.messages(conversation)} == {"one", "1", "two", "2", "TWO", "2b"}
    item = store.branch(conversation)[2]
    assert item.siblings == (second.user_message.id, edited.user_message.id)
    assert item.position == 2 and item.sibling(+1) is None
    store.show_branch(item.sibling(-1))
    assert shown(store, conversation) == ["one", "1", "two", "2"]  # that branch's continuation


def test_the_edited_branch_is_what_the_model_sees(store: Store) -> None:
    _, _, edited = two_turns_then_edit(store)
    assert [m.content for m in edited.request.messages] == [
        "You are a helpful assistant.", "one", "1", "TWO"]


def test_regenerated_replies_are_alternatives_and_the_chosen_one_is_continued(store: Store) -> None:
    turn = start_turn(store, None, "hi", SETTINGS, "m")
    answer(store, turn.reply, "A")
    replies = [turn.reply]
    for number in (1, 2):
        extra = start_reply(store, turn.user_message, SETTINGS, "m", alternative=number)
        assert extra.request.seed == 5 + number  # a fixed seed still gives different alternatives
        answer(store, extra.reply, "ABC"[number])
        replies.append(extra.reply)
    conversation = turn.conversation_id
    assert shown(store, conversation) == ["hi", "C"]
    assert store.branch(conversation)[1].siblings == tuple(r.id for r in replies)
    store.show_branch(replies[1].id)  # the user picks "B" with ‹ ›
    follow = start_turn(store, conversation, "more", SETTINGS, "m")
    assert [m.content for m in follow.request.messages][1:] == ["hi", "B", "more"]
    assert follow.user_message.parent_id == replies[1].id


def test_switching_back_shows_the_continuation_last_seen(store: Store) -> None:
    turn = start_turn(store, None, "q", SETTINGS, "m")
    answer(store, turn.reply, "a1")
    later = start_turn(store, turn.conversation_id, "q2", SETTINGS, "m")
    answer(store, later.reply, "x")
    answer(store, start_reply(store, later.user_message, SETTINGS, "m").reply, "y")
    store.show_branch(later.reply.id)  # "x" chosen under a1
    answer(store, start_reply(store, turn.user_message, SETTINGS, "m").reply, "a2")
    assert shown(store, turn.conversation_id) == ["q", "a2"]
    store.show_branch(turn.reply.id)
    assert shown(store, turn.conversation_id) == ["q", "a1", "q2", "x"]


def test_continue_appends_to_a_stopped_reply(store: Store) -> None:
    turn = start_turn(store, None, "tell me", SETTINGS, "m")
    stopped = store.finish_message(turn.reply.id, "Once upon", MessageStatus.STOPPED)
    again = continue_reply(store, stopped, SETTINGS)
    assert again.reply.id == stopped.id and again.reply.status is MessageStatus.STREAMING
    assert again.request.reply_prefix == "Once upon"
    assert [m.content for m in again.request.messages][1:] == ["tell me"]  # not the partial reply


def test_deleting_a_message_deletes_its_subtree_even_when_long(store: Store) -> None:
    conversation = store.create_conversation("long")
    parent = None
    ids = []
    for number in range(1500):  # deeper than SQLite's cascade limit of 1000
        parent = store.add_message(conversation, Role.USER, f"m{number}",
                                   parent_id=parent.id if parent else None)
        ids.append(parent.id)
    side = store.add_message(conversation, Role.USER, "side", parent_id=ids[0])
    assert store.delete_message(ids[1]) == 1499
    assert [m.id for m in store.messages(conversation)] == [ids[0], side.id]
    assert store.search("m1400") == []
    store.add_message(conversation, Role.USER, "again", parent_id=side.id)
    store.delete_conversation(conversation)
    assert store.messages(conversation) == []


def test_trash_restore_and_empty(store: Store) -> None:
    kept = store.create_conversation("kept")
    binned = store.create_conversation("binned")
    store.add_message(binned, Role.USER, "secret words")
    store.move_to_trash(binned)
    assert [c.id for c in store.list_conversations()] == [kept]
    assert [c.id for c in store.trashed_conversations()] == [binned]
    assert store.search("secret") == []  # the trash is not searched
    store.restore(binned)
    assert {c.id for c in store.list_conversations()} == {kept, binned}
    assert [h.message_id is not None for h in store.search("secret")] == [True]
    store.move_to_trash(binned)
    assert store.empty_trash() == 1
    assert store.conversation(binned) is None and store.conversation(kept) is not None


def test_pin_rename_and_automatic_titles(store: Store) -> None:
    conversation = store.create_conversation("first words")
    store.set_pinned(conversation, True)
    assert store.set_automatic_title(conversation, "Generated")
    summary = store.conversation(conversation)
    assert summary is not None and summary.pinned and summary.title == "Generated"
    store.rename_conversation(conversation, "Mine")
    assert not store.set_automatic_title(conversation, "Later")  # the user's title wins
    assert store.conversation(conversation).title == "Mine"


def test_feedback_is_stored_with_the_reply(store: Store) -> None:
    turn = start_turn(store, None, "hi", SETTINGS, "m")
    rated = store.set_feedback(turn.reply.id, -1, "made things up")
    assert (rated.rating, rated.feedback_note) == (-1, "made things up")
    assert store.set_feedback(turn.reply.id, None).rating is None
    with pytest.raises(ValueError):
        store.set_feedback(turn.reply.id, 5)


def test_fork_copies_the_path_to_a_message(store: Store) -> None:
    first = start_turn(store, None, "one", SETTINGS, "m", {"temperature": 0.1})
    answer(store, first.reply, "1")
    second = start_turn(store, first.conversation_id, "two", SETTINGS, "m")
    answer(store, second.reply, "2")
    forked = store.fork(first.reply.id, "one (fork)")
    assert shown(store, forked) == ["one", "1"]
    assert store.conversation_overrides(forked) == {"temperature": 0.1}
    copied = store.branch(forked)[1].message
    assert copied.stats == store.message(first.reply.id).stats
    assert shown(store, first.conversation_id) == ["one", "1", "two", "2"]  # untouched


def test_search_finds_english_words_by_prefix_with_snippets(store: Store) -> None:
    conversation = store.create_conversation("Gardening tips")
    message = store.add_message(conversation, Role.USER, "How do I grow tomatoes on a balcony?")
    hits = store.search("tomat")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(conversation, message.id)]
    assert f"{MATCH_START}tomatoes{MATCH_END}" in hits[0].snippet
    assert [h.message_id for h in store.search("garden")] == [None]  # the title
    assert store.search("grow balcony")[0].message_id == message.id  # every word, any order
    assert store.search("grow spaceship") == []


def test_search_finds_chinese_substrings(store: Store) -> None:
    conversation = store.create_conversation("闲聊")
    message = store.add_message(conversation, Role.USER, "今天北京的天气怎么样？我想去公园散步。")
    for query in ("天气", "北京", "公园散步", "园", "今天 散步"):
        hits = store.search(query)
        assert [h.message_id for h in hits] == [message.id], query
    snippet = store.search("天气")[0].snippet
    assert f"{MATCH_START}天气{MATCH_END}" in snippet.replace(f"{MATCH_END}{MATCH_START}", "")
    assert "\u200b" not in snippet
    assert store.search("气天") == []  # a substring, not the characters in any order
    assert [h.message_id for h in store.search("闲聊")] == [None]


def test_search_terms_are_literal_not_fts_syntax(store: Store) -> None:
    conversation = store.create_conversation("c")
    store.add_message(conversation, Role.USER, 'say "NEAR" AND OR NOT * ( ) quotes')
    for query in ('"', "AND", 'NEAR(', "*", "(", "OR NOT"):
        store.search(query)  # never an FTS5 syntax error
    assert len(store.search('"near"')) == 1
    assert match_query("  ?! ") is None
    assert match_query("\x00abc") == '"abc"*'  # control characters are never sent to FTS5
    store.search("\x00\x01 zero")
    assert search_text("ab今天cd") == "ab\u200b今\u200b天\u200bcd"


def test_chinese_next_to_latin_letters_and_digits_is_found(store: Store) -> None:
    conversation = store.create_conversation("c")
    message = store.add_message(conversation, Role.USER, "学习Python教程很有用，2024年的计划")
    for query in ("Python", "教程", "Python教程", "年", "2024", "习Py"):
        assert [h.message_id for h in store.search(query)] == [message.id], query
    assert "\u200b" not in store.search("Python教程")[0].snippet


def test_streamed_and_edited_text_is_searchable(store: Store) -> None:
    turn = start_turn(store, None, "q", SETTINGS, "m")
    store.update_message_text(turn.reply.id, "partial zebra")
    assert [h.message_id for h in store.search("zebra")] == [turn.reply.id]
    store.finish_message(turn.reply.id, "final giraffe", MessageStatus.COMPLETE)
    assert store.search("zebra") == []
    assert [h.message_id for h in store.search("giraffe")] == [turn.reply.id]


def test_import_is_all_or_nothing(store: Store) -> None:
    existing = store.create_conversation("existing")
    good = store.conversation(existing)
    assert good is not None
    root = Message(10, 0, None, Role.USER, "hello", MessageStatus.COMPLETE, 1.0, active_at=1.0)
    orphan = Message(11, 0, 99, Role.ASSISTANT, "lost", MessageStatus.COMPLETE, 2.0, active_at=2.0)
    with pytest.raises(ValueError, match="parent"):
        store.import_conversations([ConversationRecord(good, {}, [root]),
                                    ConversationRecord(good, {}, [root, orphan])])
    assert [c.id for c in store.list_conversations()] == [existing]
    (imported,) = store.import_conversations([ConversationRecord(good, {"seed": 3}, [root])])
    assert shown(store, imported) == ["hello"] and store.conversation_overrides(imported) == {"seed": 3}


def test_a_temporary_store_writes_nothing_to_disk(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    temporary = Store.temporary()
    turn = start_turn(temporary, None, "private", SETTINGS, "m")
    assert shown(temporary, turn.conversation_id) == ["private", ""]
    temporary.close()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_continuation_keeps_the_reply_stopped_and_in_the_prompt(store: Store) -> None:
    turn = start_turn(store, None, "poem", SETTINGS, "m")
    stopped = store.finish_message(turn.reply.id, "Roses are red", MessageStatus.STOPPED)
    again = continue_reply(store, stopped, SETTINGS)
    failed = ReplyRecorder(store, again).fail("No model is loaded; wait for it to load.")
    assert (failed.status, failed.content) == (MessageStatus.STOPPED, "Roses are red")
    assert failed.error and failed.can_continue
    follow = start_turn(store, turn.conversation_id, "more", SETTINGS, "m")
    assert "Roses are red" in [m.content for m in follow.request.messages]

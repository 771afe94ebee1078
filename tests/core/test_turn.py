"""A turn: the user message is committed first, the reply is saved as it streams."""

from __future__ import annotations

from pathlib import Path

from app.core.generation import FinishReason, GenerationResult
from app.core.models import MessageStatus, Role
from app.core.settings import Settings
from app.core.store import Store
from app.core.turn import FLUSH_INTERVAL_S, ReplyRecorder, start_turn


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_start_turn_commits_user_message_and_placeholder(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    turn = start_turn(store, None, "What is Parley?\nmore", Settings({"seed": 11}), "m.gguf")
    assert store.conversation(turn.conversation_id).title == "What is Parley?"
    stored = store.messages(turn.conversation_id)
    assert [(m.role, m.content, m.status) for m in stored] == [
        (Role.USER, "What is Parley?\nmore", MessageStatus.COMPLETE),
        (Role.ASSISTANT, "", MessageStatus.STREAMING)]
    assert stored[1].parent_id == stored[0].id
    assert (stored[1].stats.model, stored[1].stats.seed) == ("m.gguf", 11)
    assert turn.request.seed == 11
    assert [(m.role, m.content) for m in turn.request.messages] == [
        ("system", Settings()["system_prompt"]), ("user", "What is Parley?\nmore")]


def test_random_seed_is_chosen_and_recorded(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    turn = start_turn(store, None, "hi", Settings({"seed": -1}), "m")
    assert turn.request.seed >= 0
    assert store.message(turn.reply.id).stats.seed == turn.request.seed


def test_continuing_sends_the_whole_history(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    first = start_turn(store, None, "one", Settings(), "m")
    ReplyRecorder(store, first).finish(GenerationResult("reply one", FinishReason.STOP, 1, 1, None, None))
    second = start_turn(store, first.conversation_id, "two", Settings({"system_prompt": ""}), "m")
    assert [(m.role, m.content) for m in second.request.messages] == [
        ("user", "one"), ("assistant", "reply one"), ("user", "two")]


def test_recorder_saves_at_the_flush_interval_and_finishes(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    turn = start_turn(store, None, "hi", Settings(), "m")
    clock = Clock()
    recorder = ReplyRecorder(store, turn, clock=clock)
    recorder.append("Hel")
    assert store.message(turn.reply.id).content == ""  # not yet: interval not reached
    clock.now += FLUSH_INTERVAL_S
    recorder.append("lo")
    assert store.message(turn.reply.id).content == "Hello"
    recorder.append(" there")
    recorder.flush()
    assert store.message(turn.reply.id).content == "Hello there"
    done = recorder.finish(GenerationResult("Hello there", FinishReason.CANCELLED, 5, 2, 50.0, 20.0))
    assert done.status is MessageStatus.STOPPED
    assert (done.stats.prompt_tokens, done.stats.completion_tokens, done.stats.tokens_per_s) == (
        5, 2, 50.0)
    assert done.stats.seed == turn.request.seed


def test_failure_keeps_partial_text(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    turn = start_turn(store, None, "hi", Settings(), "m")
    recorder = ReplyRecorder(store, turn)
    recorder.append("partial")
    failed = recorder.fail("The model broke; try again.")
    assert (failed.status, failed.content, failed.error) == (
        MessageStatus.FAILED, "partial", "The model broke; try again.")


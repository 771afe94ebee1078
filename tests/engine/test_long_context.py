"""Long conversations with the real model: KV reuse on follow-ups, after switching chats and
after a restart (saved states), identical replies either way, and fitting the window."""

from __future__ import annotations

from pathlib import Path

import llama_cpp
import pytest

from app.core.generation import (
    ChatMessage,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    OverflowPolicy,
)
from app.core.kv_cache import SUFFIX
from app.core.settings import Settings
from app.core.turn import new_request
from app.engine.llama_engine import LlamaEngine

pytestmark = pytest.mark.model

SETTINGS = Settings({"n_ctx": 2048, "max_tokens": 60, "seed": 11, "temperature": 0.8})
QUESTIONS = ["Tell me about cats.", "And about dogs?", "Which one is easier to keep?",
             "Thanks! One more tip?"]


def engine_with(model_path: Path, state_dir: Path | None, settings: Settings = SETTINGS) -> LlamaEngine:
    engine = LlamaEngine(state_dir)
    engine.load(LoadRequest(model_path, settings), lambda _progress: None)
    return engine


def ask(engine: LlamaEngine, history: list[ChatMessage], question: str,
        settings: Settings = SETTINGS) -> tuple[GenerationRequest, GenerationResult]:
    """Ask ``question`` after ``history``; record the reply in ``history`` (as the app does:
    with its tokens) and keep the engine's state."""
    history.append(ChatMessage("user", question, len(history) + 1))
    request = new_request(list(history), settings, int(settings["seed"]))
    result = engine.generate(request, lambda _text: None)
    history.append(ChatMessage("assistant", result.text, len(history) + 1, result.tokens))
    engine.remember_state(request)
    return request, result


def evaluated_by_llama_cpp(engine: LlamaEngine) -> int:
    """Tokens llama.cpp decoded since its counters were last reset."""
    data = llama_cpp.llama_perf_context(engine._llama._ctx.ctx)
    return data.n_p_eval + data.n_eval


def conversation(system: str = "You are a helpful assistant.") -> list[ChatMessage]:
    return [ChatMessage("system", system)]


def test_a_follow_up_evaluates_only_the_new_tokens(model_path: Path, tmp_path: Path) -> None:
    engine = engine_with(model_path, None)
    history = conversation()
    ask(engine, history, QUESTIONS[0])
    previous = engine._llama.n_tokens  # the prompt and the reply, as llama.cpp holds them
    llama_cpp.llama_perf_context_reset(engine._llama._ctx.ctx)
    history.append(ChatMessage("user", QUESTIONS[1]))
    result = engine.generate(new_request(history, SETTINGS, 11), lambda _text: None)
    new_prompt_tokens = result.prompt_tokens - previous
    assert result.reused_tokens == previous  # the whole earlier reply matched, token for token
    assert new_prompt_tokens < 30
    # llama.cpp's own counters: the new prompt tokens, then one decode per generated token.
    assert evaluated_by_llama_cpp(engine) <= new_prompt_tokens + result.completion_tokens
    engine.close()


def test_replies_carry_their_exact_tokens(model_path: Path) -> None:
    engine = engine_with(model_path, None)
    _, result = ask(engine, conversation(), QUESTIONS[0])
    assert result.tokens is not None and result.tokens.model == engine.info.identity
    assert engine._llama.detokenize(list(result.tokens.ids)).decode() == result.text
    assert len(result.tokens.ids) == result.completion_tokens
    engine.close()


def test_switching_chats_and_back_restores_the_first_from_ram(model_path: Path) -> None:
    engine = engine_with(model_path, None)
    first, second = conversation(), conversation("You answer briefly.")
    ask(engine, first, QUESTIONS[0])
    ask(engine, first, QUESTIONS[1])
    held = engine._llama.n_tokens
    ask(engine, second, "What is two plus two?")  # the KV cache now holds the other chat
    _, result = ask(engine, first, QUESTIONS[2])
    assert engine._states.restored_tokens == held
    assert result.reused_tokens == held
    engine.close()


def test_a_restored_state_gives_the_same_reply_as_a_fresh_evaluation(model_path: Path,
                                                                    tmp_path: Path) -> None:
    states = tmp_path / "states"
    writer = engine_with(model_path, states)
    history = conversation()
    for question in QUESTIONS[:3]:
        ask(writer, history, question)
    writer.close()
    assert list(states.glob(f"*{SUFFIX}"))

    # After a "restart": a new engine restores the saved state from disk...
    restarted = engine_with(model_path, states)
    _, from_state = ask(restarted, list(history), QUESTIONS[3])
    assert restarted._states.restored_tokens > 200
    assert from_state.reused_tokens == restarted._states.restored_tokens
    restarted.close()
    # ...and a new engine without saved states evaluates the whole prompt: same reply.
    fresh = engine_with(model_path, None)
    _, evaluated = ask(fresh, list(history), QUESTIONS[3])
    assert evaluated.reused_tokens == 0
    assert from_state.text == evaluated.text and from_state.text.strip()
    assert from_state.prompt_tokens == evaluated.prompt_tokens
    fresh.close()


def test_a_damaged_saved_state_falls_back_to_evaluation(model_path: Path, tmp_path: Path) -> None:
    states = tmp_path / "states"
    writer = engine_with(model_path, states)
    history = conversation()
    ask(writer, history, QUESTIONS[0])
    writer.close()
    (saved,) = states.glob(f"*{SUFFIX}")
    data = bytearray(saved.read_bytes())
    for offset in range(len(data) // 2, len(data), 4096):
        data[offset] ^= 0x5A
    saved.write_bytes(bytes(data))

    damaged = engine_with(model_path, states)
    _, result = ask(damaged, list(history), QUESTIONS[1])
    assert damaged._states.restored_tokens == 0 and result.reused_tokens == 0
    damaged.close()
    fresh = engine_with(model_path, None)
    _, expected = ask(fresh, list(history), QUESTIONS[1])
    assert result.text == expected.text
    fresh.close()


def test_a_different_context_length_never_restores_a_state(model_path: Path, tmp_path: Path) -> None:
    states = tmp_path / "states"
    writer = engine_with(model_path, states)
    history = conversation()
    ask(writer, history, QUESTIONS[0])
    writer.close()
    other = Settings({**SETTINGS.as_dict(), "n_ctx": 1024})
    reader = engine_with(model_path, states, other)
    ask(reader, list(history), QUESTIONS[1], other)
    assert reader._states.restored_tokens == 0
    reader.close()


def test_overflow_drops_the_oldest_but_keeps_the_system_prompt(model_path: Path) -> None:
    small = Settings({**SETTINGS.as_dict(), "n_ctx": 512, "max_tokens": 64})
    engine = engine_with(model_path, None, small)
    system = "You are Parley's test assistant. Always be kind."
    history = [ChatMessage("system", system), ChatMessage("user", "My name is Ada.", 1)]
    for turn in range(12):
        history += [ChatMessage("assistant", f"Noted, point {turn}: " + "cats sleep a lot. " * 6,
                                2 + 2 * turn),
                    ChatMessage("user", f"Tell me fact number {turn} about cats.", 3 + 2 * turn)]
    request = new_request(list(history), small, 3)
    usage = engine.measure(request.messages, request.template, 64)
    assert usage.overflowing and usage.outside_ids and 2 not in usage.outside_ids[1:]
    result = engine.generate(request, lambda _text: None)
    assert result.finish_reason is not FinishReason.CONTEXT_FULL and result.text
    assert result.context is not None and result.prompt_tokens <= result.context.budget
    assert result.prompt_tokens + result.completion_tokens <= 512
    assert set(result.context.outside_ids) == set(usage.outside_ids)
    kept_ids = {m.message_id for m in history} - set(usage.outside_ids)
    assert 1 in kept_ids  # the first user message stays
    prompt = engine._llama.detokenize(engine._llama.input_ids[:30].tolist(), special=True).decode()
    assert system in prompt  # and the system prompt leads the prompt

    asking = new_request(list(history), small, 3)
    asking.overflow = OverflowPolicy.ASK
    held = engine.generate(asking, lambda _text: None)
    assert held.finish_reason is FinishReason.CONTEXT_FULL and held.text == ""
    assert held.context is not None and held.context.full_tokens > held.context.budget
    engine.close()


def test_measuring_an_opened_chat_restores_its_state_ahead_of_the_next_message(model_path: Path) -> None:
    engine = engine_with(model_path, None)
    first, second = conversation(), conversation("You answer briefly.")
    ask(engine, first, QUESTIONS[0])
    held = engine._llama.n_tokens
    ask(engine, second, "What is two plus two?")
    template = new_request(first, SETTINGS, 1)
    usage = engine.measure(list(first), template.template, 60, template.state_cache)  # chat opened
    # Restored: all of it that this measured prompt shares (it ends with an assistant turn
    # opened, where the saved state already holds the next user turn's opening).
    assert usage.used_tokens >= held - 5 and engine._states.restored_tokens >= held - 5
    _, result = ask(engine, first, QUESTIONS[1])
    assert result.reused_tokens == held  # nothing left to restore or evaluate again
    engine.close()

"""The llama.cpp engine, with the real bundled model."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.core.chat_templates import choose_template
from app.core.generation import ChatMessage, FinishReason, GenerationRequest
from app.core.gguf_header import ModelFileError
from app.core.settings import Settings
from app.engine.llama_engine import LlamaEngine
from tests.helpers import load_model

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def engine(model_path: Path):
    engine = load_model(model_path, Settings({"n_ctx": 2048}))
    yield engine
    engine.close()


def request(text: str, seed: int = 1, max_tokens: int = 40,
            cancel: threading.Event | None = None) -> GenerationRequest:
    sampling = Settings({"max_tokens": max_tokens}).sampling()
    messages = [ChatMessage("system", "You are a helpful assistant."), ChatMessage("user", text)]
    return GenerationRequest(messages, sampling, seed, cancel=cancel or threading.Event())


def test_streams_a_reply_with_statistics(engine: LlamaEngine) -> None:
    pieces: list[str] = []
    result = engine.generate(request("Say hello in one sentence."), pieces.append)
    assert result.text.strip()
    assert "".join(pieces) == result.text
    assert len(pieces) > 1  # streamed, not delivered at once
    assert result.finish_reason in (FinishReason.STOP, FinishReason.LENGTH)
    assert result.prompt_tokens > 10
    assert 0 < result.completion_tokens <= 41
    assert result.ttft_ms is not None and result.ttft_ms > 0
    assert engine.info is not None and engine.info.name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_same_seed_gives_the_same_reply(engine: LlamaEngine) -> None:
    first = engine.generate(request("Name three colours.", seed=123), lambda _: None)
    engine.generate(request("Something else entirely.", seed=5), lambda _: None)
    again = engine.generate(request("Name three colours.", seed=123), lambda _: None)
    assert first.text == again.text


def test_max_tokens_ends_with_length(engine: LlamaEngine) -> None:
    result = engine.generate(request("Write a long story about a dragon.", max_tokens=5),
                             lambda _: None)
    assert result.finish_reason is FinishReason.LENGTH
    assert result.completion_tokens <= 6


def test_cancel_stops_generation_and_keeps_the_partial_text(engine: LlamaEngine) -> None:
    cancel = threading.Event()
    pieces: list[str] = []

    def on_text(text: str) -> None:
        pieces.append(text)
        if len(pieces) == 3:
            cancel.set()

    result = engine.generate(request("Write a long story about a dragon.", max_tokens=200,
                                     cancel=cancel), on_text)
    assert result.finish_reason is FinishReason.CANCELLED
    assert result.text == "".join(pieces) and len(pieces) == 3


def test_cancel_before_start_stops_during_prompt_processing(engine: LlamaEngine) -> None:
    cancel = threading.Event()
    cancel.set()
    result = engine.generate(request("word " * 300, cancel=cancel), lambda _: None)
    assert result.finish_reason is FinishReason.CANCELLED and result.text == ""


def test_long_history_is_fitted_into_the_window(model_path: Path) -> None:
    engine = load_model(model_path, Settings({"n_ctx": 256}))
    history = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")]
    for turn in range(20):
        history += [ChatMessage("assistant", f"Answer number {turn} " * 5),
                    ChatMessage("user", f"Question {turn}?")]
    sampling = Settings({"max_tokens": 16}).sampling()
    result = engine.generate(GenerationRequest(history, sampling, 3), lambda _: None)
    engine.close()
    assert result.dropped_messages > 0
    assert result.prompt_tokens + 16 <= 256


def test_a_damaged_model_gives_a_reason_not_a_crash(tmp_path: Path, model_path: Path) -> None:
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(model_path.read_bytes()[:5000])
    with pytest.raises(ModelFileError, match=r"damaged\.gguf is truncated"):
        load_model(damaged, Settings())


def sampled(text: str, **settings: object) -> GenerationRequest:
    """A request with ``settings`` applied, as start_turn would build it."""
    chosen = Settings({"max_tokens": 40, **settings})
    messages = [ChatMessage("system", "You are a helpful assistant."), ChatMessage("user", text)]
    return GenerationRequest(messages, chosen.sampling(), seed=7,
                             template=choose_template(chosen["chat_template"],
                                                      chosen["custom_template"]))


def test_a_stop_sequence_ends_the_reply_before_it(engine: LlamaEngine) -> None:
    greedy = engine.generate(sampled("Describe the sea in two sentences.", temperature=0.0),
                             lambda _: None)
    words = greedy.text.split()
    assert len(words) > 6
    cut = engine.generate(sampled("Describe the sea in two sentences.", temperature=0.0,
                                  stop=[words[5]]), lambda _: None)
    assert words[5] not in cut.text and greedy.text.startswith(cut.text.rstrip())


def test_every_sampler_option_is_accepted_by_llama_cpp(engine: LlamaEngine) -> None:
    for changes in ({"mirostat_mode": 2, "mirostat_tau": 3.0, "mirostat_eta": 0.2},
                    {"typical_p": 0.5, "presence_penalty": 1.0, "frequency_penalty": 1.0,
                     "repeat_last_n": 0}):
        result = engine.generate(sampled("Name a colour.", **changes), lambda _: None)
        assert result.text.strip()


def test_a_named_template_changes_the_prompt(engine: LlamaEngine) -> None:
    auto = engine.generate(sampled("Hi", max_tokens=4), lambda _: None)
    alpaca = engine.generate(sampled("Hi", max_tokens=4, chat_template="alpaca"), lambda _: None)
    custom = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"
    plain = engine.generate(sampled("Hi", max_tokens=4, chat_template="custom",
                                    custom_template=custom), lambda _: None)
    assert len({auto.prompt_tokens, alpaca.prompt_tokens, plain.prompt_tokens}) == 3


def test_load_options_reach_llama_cpp(model_path: Path) -> None:
    engine = load_model(model_path, Settings({"n_ctx": 1024, "n_batch": 64, "n_threads": 1,
                                      "n_threads_batch": 2, "flash_attn": True,
                                      "use_mmap": False}))
    try:
        llama = engine._llama
        assert llama is not None
        assert (llama.n_ctx(), llama.n_batch, llama.n_threads, llama.n_threads_batch) == (
            1024, 64, 1, 2)
        assert engine.generate(sampled("Hi", max_tokens=4), lambda _: None).completion_tokens
    finally:
        engine.close()


def test_continuing_a_cut_reply_picks_up_where_it_ended(engine: LlamaEngine) -> None:
    def greedy(max_tokens: int, prefix: str = "") -> str:
        sampling = {**Settings({"max_tokens": max_tokens}).sampling(), "temperature": 0.0}
        messages = [ChatMessage("user", "Write a long story about a dragon.")]
        asked = GenerationRequest(messages, sampling, 1, reply_prefix=prefix)
        return engine.generate(asked, lambda _: None).text

    whole = greedy(24)
    start = greedy(10)
    assert whole.startswith(start) and len(start) < len(whole)
    continued = start + greedy(14, prefix=start)
    # It goes on mid-sentence, as if it had never stopped. (Not necessarily to the last token:
    # the stopped reply's tokens are now evaluated in a batch, and llama.cpp's CPU kernels give
    # slightly different numbers for a token decoded alone, so greedy choices can part at a
    # near-tie several tokens later.)
    assert continued[:len(start) + 12] == whole[:len(start) + 12]

"""Fuzzing model files: 5,000 mutated copies of small valid models, each loaded through Parley.

Each case is a deterministic mutation of the header of a tiny but complete llama model, with a
SentencePiece or a byte-level BPE vocabulary (bit flips, boundary values at random offsets and in
the counts, lengths, types, dimensions, offsets and values the header declares, truncations; see
``tests.gguf_mutations``), loaded by ``LlamaEngine.load`` in a child process (``tests.fuzz_pool``),
then a short prompt is counted with it. Every case must end in a sentence (a ParleyError) or a
working model: a child killed by a signal is a crash in native code that Parley's checks let
through, and fails the test (as do hangs and other exceptions). The pytest process itself never
loads a mutated file. Before ``gguf_values`` existed, 2,000 cases killed 23 children.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from app.core.gguf_header import ModelFileError, check_model_file
from tests import reliability
from tests.fuzz_pool import Outcome, run_cases
from tests.gguf_files import I32, STRING, array
from tests.gguf_mutations import (
    VOCAB,
    fuzz_case,
    header_fields,
    mutate,
    sentencepiece_tokens,
    tiny_model_bytes,
)

CASES = 5000
SEED = 20260509
CHILDREN = 2  # the development machine has two cores
SENTENCES = {"loaded", "ModelFileError", "ModelLoadError", "GenerationError"}


def _described(outcome: Outcome, folder: Path) -> str:
    """A failed case, with its mutated file written out to reproduce it."""
    data, what = fuzz_case(outcome.case, SEED)
    kept = folder / f"case-{outcome.case}.gguf"
    kept.write_bytes(data)
    return f"case {outcome.case} ({what}): {outcome.outcome} {outcome.sentence[:200]!r}; file {kept}"


@pytest.mark.model
def test_every_mutated_model_file_ends_in_a_sentence_or_a_load(tmp_path: Path) -> None:
    started = time.monotonic()
    outcomes = run_cases(CASES, SEED, CHILDREN, tmp_path)
    took = time.monotonic() - started
    crashed = [o for o in outcomes.values() if o.crashed]
    reliability.record("fuzz_cases", len(outcomes))
    reliability.record("fuzz_signals", len(crashed))

    tally = Counter(o.outcome for o in outcomes.values())
    print(f"\n{len(outcomes)} mutated model files in {took:.1f} s: {dict(tally.most_common())}")
    assert sorted(outcomes) == list(range(CASES))
    wrong = sorted((o for o in outcomes.values() if o.outcome not in SENTENCES), key=lambda o: o.case)
    assert not wrong, f"{len(wrong)} cases ended without a sentence ({len(crashed)} by a signal):\n" + \
        "\n".join(_described(o, tmp_path) for o in wrong[:20])
    for outcome in outcomes.values():
        if outcome.outcome != "loaded":
            assert outcome.sentence.endswith(".") and "\n" not in outcome.sentence, outcome


@pytest.mark.parametrize("tokenizer", ["llama", "gpt2"])
def test_the_mutations_are_deterministic_and_varied(tokenizer: str) -> None:
    base = tiny_model_bytes(tokenizer)
    walked = header_fields(base)
    assert walked.header_end < len(base) and len(walked.fields) > 300
    first = [mutate(base, walked, case, SEED) for case in range(60)]
    assert first == [mutate(base, walked, case, SEED) for case in range(60)]
    assert len({data for data, _ in first}) > 55 and all(data != base for data, _ in first[:6])
    assert {what.split()[0] for _, what in first} == {"bitflip", "overwrite", "field", "inflate", "truncate"}
    assert {fuzz_case(case, SEED)[1].split()[0] for case in range(12)} == {"llama", "gpt2"}


# -- what the fuzzing found: values llama.cpp asserts on, each aborting the process before the fix --

def _tokens_with(index: int, text: str) -> dict[str, object]:
    tokens = sentencepiece_tokens()
    tokens[index] = text
    return {"tokenizer.ggml.tokens": array(STRING, tokens)}


def _types_with(index: int, kind: int) -> dict[str, object]:
    types = [2, 3, 3] + [6] * 256 + [1] * (VOCAB - 259)
    types[index] = kind
    return {"tokenizer.ggml.token_type": array(I32, types)}


@pytest.mark.parametrize("changes, reason", [
    ({"llama.block_count": 0}, "it claims 0 layers"),  # GGML_ASSERT in llama-model.cpp
    ({"llama.block_count": 513}, "it claims 513 layers"),
    ({"llama.context_length": 2**31 - 1}, "it claims a context of 2147483647 tokens"),  # 8 GB per tokenize
    # 2 * 8 dimensions wraps around to the 16 the tensors have, then a reshape asserts in ggml.c
    ({"llama.attention.head_count_kv": 2**29 + 2},
     "it claims 536870914 key/value heads for 2 attention heads"),
    ({"llama.attention.head_count": 17}, "it claims 17 attention heads for 16 dimensions"),
    ({"llama.attention.key_length": 2**31 + 8}, "it claims attention heads of 2147483656 dimensions"),
    (_tokens_with(299, "<0x41>"), "tokens 68 and 299 are the same"),  # GGML_ASSERT in llama-vocab.cpp
    (_tokens_with(299, "<0x41>\0junk"), "tokens 68 and 299 are the same"),  # as C strings
    ({**_tokens_with(68, "x41"), **_types_with(68, 1)},  # at() throws for "A" in a message
     "its vocabulary has no token for the byte 0x41"),
])
def test_values_llama_cpp_would_abort_on_are_refused_first(changes: dict[str, object], reason: str,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(tiny_model_bytes("llama", changes))
    with pytest.raises(ModelFileError) as refused:
        check_model_file(path)
    assert str(refused.value) == (f"The model file tiny.gguf cannot be used ({reason}); download it again "
                                  "or use another file.")


@pytest.mark.parametrize("tokenizer", ["llama", "gpt2"])
def test_the_tiny_models_pass_the_checks(tokenizer: str, tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(tiny_model_bytes(tokenizer))
    assert check_model_file(path).block_count == 1


def test_empty_tokens_are_not_taken_for_duplicates(tmp_path: Path) -> None:
    """llama.cpp names each empty token (or one starting with NUL) ``[EMPTY_i]`` and loads the file."""
    tokens = sentencepiece_tokens()
    tokens[-2], tokens[-1] = "", "\0junk"
    path = tmp_path / "tiny.gguf"
    path.write_bytes(tiny_model_bytes("llama", {"tokenizer.ggml.tokens": array(STRING, tokens)}))
    assert check_model_file(path).block_count == 1

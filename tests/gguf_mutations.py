"""Tiny, valid llama models and deterministic mutations of their GGUF headers, for the fuzz test.

``tiny_model_bytes`` builds a complete model llama.cpp loads in a few milliseconds: one layer of
F32 weights and a 300-token vocabulary, either SentencePiece (``"llama"``, with byte tokens) or
byte-level BPE (``"gpt2"``, with merges, as the bundled SmolLM2 has), so the header is mostly
what llama.cpp parses (metadata, vocabulary, tensor list) and little else.

``fuzz_case(case, seed)`` picks one of the two models (alternating every six cases) and mutates
it with ``mutate``, a pure function of its arguments: the same case always gives the same bytes,
so a failure is reproduced from its number alone. Mutations:

- ``bitflip``: one to four bits flipped anywhere in the header;
- ``overwrite``: 1, 2, 4 or 8 bytes at a random header offset set to a boundary value
  (0, 0xFF.., 2**31, 2**63, -1...);
- ``field``: a count, length, type, dimension, offset or value the header declares, found by
  walking it (``header_fields``), set to a boundary value;
- ``inflate``: such a field grown or shrunk a little (+1, -1, +2**32...) or doubled;
- ``truncate``: the file cut short, in the header or in the tensor data.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from app.core.chat_templates import NAMED_TEMPLATES
from tests.gguf_files import F32, F32_TYPE, I32, STRING, U32, Value, array, gguf_bytes

BOUNDARY_VALUES = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 2**31 - 1, 2**31, 2**32 - 1, 2**32,
                   2**62, 2**63 - 1, 2**63, 2**64 - 1)
NUDGES = (1, -1, 2, -2, 7, 64, 2**16, 2**32, -(2**32))
KINDS = ("bitflip", "overwrite", "field", "inflate", "truncate", "field")
TOKENIZERS = ("llama", "gpt2")

EMBED, HEADS, FEED_FORWARD, VOCAB = 16, 2, 32, 300


def sentencepiece_tokens() -> list[str]:
    """The tiny SentencePiece vocabulary: three special tokens, the 256 byte tokens, then words."""
    return ["<unk>", "<s>", "</s>", *(f"<0x{b:02X}>" for b in range(256)),
            *(f"\u2581t{i}" for i in range(VOCAB - 259))]


def _sentencepiece_vocabulary() -> dict[str, object]:
    tokens = sentencepiece_tokens()
    return {"tokenizer.ggml.model": "llama", "tokenizer.ggml.tokens": array(STRING, tokens),
            "tokenizer.ggml.scores": array(F32, [0.0] * VOCAB),
            # unknown, control, byte, normal
            "tokenizer.ggml.token_type": array(I32, [2, 3, 3] + [6] * 256 + [1] * (VOCAB - 259))}


def _byte_level_bpe_vocabulary() -> dict[str, object]:
    """GPT-2's byte-level alphabet (each byte as a printable character), merges of a few pairs."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\xa1"), ord("\xac") + 1),
                 *range(ord("\xae"), ord("\xff") + 1)]
    alphabet = [chr(b) if b in printable else chr(256 + sorted(set(range(256)) - set(printable)).index(b))
                for b in range(256)]
    pairs = [(a, b) for a in "ehlot\u0120" for b in "ehlo"][:VOCAB - 259]
    tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", *alphabet, *(a + b for a, b in pairs)]
    return {"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "smollm",
            "tokenizer.ggml.tokens": array(STRING, tokens),
            "tokenizer.ggml.token_type": array(I32, [3, 3, 3] + [1] * (len(tokens) - 3)),
            "tokenizer.ggml.merges": array(STRING, [f"{a} {b}" for a, b in pairs])}


def tiny_model_bytes(tokenizer: str = "llama", changes: Mapping[str, Any] | None = None) -> bytes:
    """A complete one-layer llama model with a small vocabulary of ``tokenizer``'s kind:
    ``"llama"`` (SentencePiece) or ``"gpt2"`` (byte-level BPE); about 40 KB. ``changes`` replace
    metadata values (the tensors keep their shapes)."""
    vocabulary = _sentencepiece_vocabulary() if tokenizer == "llama" else _byte_level_bpe_vocabulary()
    n_vocab = len(vocabulary["tokenizer.ggml.tokens"].value)  # type: ignore[attr-defined]
    metadata = {
        "general.architecture": "llama", "general.name": "fuzz-tiny", "general.file_type": Value(U32, 0),
        "llama.context_length": 256, "llama.embedding_length": EMBED, "llama.block_count": 1,
        "llama.feed_forward_length": FEED_FORWARD, "llama.attention.head_count": HEADS,
        "llama.attention.head_count_kv": HEADS, "llama.attention.layer_norm_rms_epsilon": 1e-5,
        "llama.rope.dimension_count": EMBED // HEADS, **vocabulary, "tokenizer.ggml.bos_token_id": 1,
        "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.unknown_token_id": 0,
        "tokenizer.chat_template": NAMED_TEMPLATES["chatml"].source,
    }
    layer = [("attn_norm", [EMBED]), ("attn_q", [EMBED, EMBED]), ("attn_k", [EMBED, EMBED]),
             ("attn_v", [EMBED, EMBED]), ("attn_output", [EMBED, EMBED]), ("ffn_norm", [EMBED]),
             ("ffn_gate", [EMBED, FEED_FORWARD]), ("ffn_up", [EMBED, FEED_FORWARD]),
             ("ffn_down", [FEED_FORWARD, EMBED])]
    metadata.update(changes or {})
    tensors = [("token_embd.weight", [EMBED, n_vocab], F32_TYPE, None),
               ("output_norm.weight", [EMBED], F32_TYPE, None),
               *((f"blk.0.{name}.weight", dims, F32_TYPE, None) for name, dims in layer)]
    return gguf_bytes(metadata, tensors)


@dataclass(frozen=True)
class Field:
    """A number the header declares: where it is, how wide, and what it means."""

    offset: int
    size: int  # bytes: 4 or 8
    group: str  # "fixed", "entry", "value", "array", "string", "tensor": mutations pick a group first
    name: str


class HeaderFields(NamedTuple):
    """The numbers in a GGUF header and where the tensor data starts."""

    fields: list[Field]
    header_end: int


_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def header_fields(data: bytes) -> HeaderFields:
    """Walk a well-formed GGUF file's header, listing every count, length, type, dimension and
    offset in it, and every scalar metadata value of 4 or 8 bytes."""
    fields = [Field(4, 4, "fixed", "version"), Field(8, 8, "fixed", "tensor count"),
              Field(16, 8, "fixed", "metadata count")]
    tensor_count, kv_count = struct.unpack_from("<QQ", data, 8)
    pos = 24
    for _ in range(kv_count):
        key, pos = _string(data, pos, fields, "entry", "key length")
        fields.append(Field(pos, 4, "entry", f"type of {key}"))
        (value_type,) = struct.unpack_from("<I", data, pos)
        pos = _value(data, pos + 4, value_type, key, fields)
    for _ in range(tensor_count):
        name, pos = _string(data, pos, fields, "tensor", "name length")
        fields.append(Field(pos, 4, "tensor", f"dimensions of {name}"))
        (n_dims,) = struct.unpack_from("<I", data, pos)
        pos += 4
        for axis in range(n_dims):
            fields.append(Field(pos, 8, "tensor", f"dimension {axis} of {name}"))
            pos += 8
        fields += [Field(pos, 4, "tensor", f"type of {name}"),
                   Field(pos + 4, 8, "tensor", f"offset of {name}")]
        pos += 12
    return HeaderFields(fields, pos + -pos % 32)


def _string(data: bytes, pos: int, fields: list[Field], group: str, what: str) -> tuple[str, int]:
    (length,) = struct.unpack_from("<Q", data, pos)
    text = data[pos + 8:pos + 8 + length].decode("utf-8", "replace")
    fields.append(Field(pos, 8, group, f"{what} of {text[:40]!r}"))
    return text, pos + 8 + length


def _value(data: bytes, pos: int, value_type: int, key: str, fields: list[Field]) -> int:
    if value_type == 8:
        return _string(data, pos, fields, "string", f"string length in {key}")[1]
    if value_type != 9:
        size = _SCALAR_SIZES[value_type]
        if size >= 4:
            fields.append(Field(pos, size, "value", f"value of {key}"))
        return pos + size
    item_type, count = struct.unpack_from("<IQ", data, pos)
    fields += [Field(pos, 4, "array", f"item type of {key}"), Field(pos + 4, 8, "array", f"length of {key}")]
    pos += 12
    if item_type != 8:
        return pos + count * _SCALAR_SIZES[item_type]
    for _ in range(count):
        pos = _string(data, pos, fields, "string", f"string length in {key}")[1]
    return pos


def mutate(base: bytes, walked: HeaderFields, case: int, seed: int) -> tuple[bytes, str]:
    """Case ``case`` of the fuzz run ``seed``: the mutated file and what was done to it."""
    rng = random.Random(f"{seed}:{case}")
    kind = KINDS[case % len(KINDS)]
    data = bytearray(base)
    end = walked.header_end
    if kind == "bitflip":
        flips = sorted(rng.randrange(end * 8) for _ in range(rng.randint(1, 4)))
        for bit in flips:
            data[bit // 8] ^= 1 << bit % 8
        return bytes(data), f"bitflip at bits {flips}"
    if kind == "overwrite":
        width, offset = rng.choice((1, 2, 4, 8)), rng.randrange(end)
        value = rng.choice(BOUNDARY_VALUES) % 256**width
        data[offset:offset + width] = value.to_bytes(width, "little")
        return bytes(data[:len(base)]), f"overwrite {width} bytes at {offset} with {value:#x}"
    if kind == "truncate":
        cut = rng.randrange(end) if rng.random() < 0.8 else rng.randrange(end, len(base))
        return bytes(data[:cut]), f"truncate at {cut} of {len(base)}"
    group = rng.choice(sorted({f.group for f in walked.fields}))
    target = rng.choice([f for f in walked.fields if f.group == group])
    old = int.from_bytes(data[target.offset:target.offset + target.size], "little")
    if kind == "field":
        new = rng.choice(BOUNDARY_VALUES)
    else:
        new = old * 2 if rng.random() < 0.25 else old + rng.choice(NUDGES)
    new %= 256**target.size
    data[target.offset:target.offset + target.size] = new.to_bytes(target.size, "little")
    return bytes(data), f"{kind} {target.name} (at {target.offset}): {old:#x} -> {new:#x}"


@cache
def _base(tokenizer: str) -> tuple[bytes, HeaderFields]:
    data = tiny_model_bytes(tokenizer)
    return data, header_fields(data)


def fuzz_case(case: int, seed: int) -> tuple[bytes, str]:
    """Case ``case`` of fuzz run ``seed``: a mutated tiny model and what was done to it."""
    tokenizer = TOKENIZERS[case // len(KINDS) % len(TOKENIZERS)]
    data, what = mutate(*_base(tokenizer), case, seed)
    return data, f"{tokenizer} model: {what}"

"""Values in a GGUF header that llama.cpp asserts instead of reporting, checked before it sees them.

``gguf_header`` proves the file's structure sound (every count, length and offset within the
file). llama.cpp then checks most of what the values mean and reports a problem as an error; but
some values it trusts until a ``GGML_ASSERT`` or an uncaught C++ exception aborts the whole process.
Each check here was found by fuzzing (``tests/engine/test_gguf_fuzz.py``) against the llama.cpp
that llama-cpp-python 0.3.36 bundles:

- a layer count outside 1..512 (``LLAMA_MAX_LAYERS``, asserted in llama-model.cpp);
- more attention heads than embedding dimensions, more key/value heads than heads, or a head
  size over 65,536: llama.cpp multiplies them in 32 bits, so a huge count can wrap around to
  match the tensors' shapes and then fail an assertion while the context is built;
- a training context length above 2**24: llama-cpp-python allocates that many tokens for every
  text it tokenizes (2**31 - 1 is 8 GB a call, a hang in the fuzz test; more reads back through
  the C API as a negative number);
- two tokens with the same text, as llama.cpp reads them (up to a NUL byte): llama-vocab.cpp
  asserts its two token maps are the same size;
- a SentencePiece vocabulary that cannot spell every byte: its tokenizer falls back to byte
  tokens for text it has no token for, through ``std::unordered_map::at``, so a message with
  such text would throw through the C API and abort.

The vocabulary is read straight from the file (memory-mapped) in one pass.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from app.core.errors import Phrase
from app.core.gguf_header import ArrayInfo, GgufHeader, ModelFileError
from app.core.i18n import QT_TRANSLATE_NOOP

MAX_LAYERS = 512  # LLAMA_MAX_LAYERS in llama-hparams.h
MAX_CONTEXT = 1 << 24  # the longest real context is 10M tokens (Llama 4 Scout)
MAX_HEAD_SIZE = 1 << 16  # real heads have 64 to 512 dimensions
_U64 = struct.Struct("<Q")
TOKENS, TOKENIZER = "tokenizer.ggml.tokens", "tokenizer.ggml.model"


def check_values(header: GgufHeader) -> None:
    """Raise ModelFileError with one sentence if a value in ``header`` would abort llama.cpp."""
    if header.block_count is not None and not 1 <= header.block_count <= MAX_LAYERS:
        raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "it claims {count} layers"),
                        count=header.block_count)
    if header.context_length is not None and not 0 <= header.context_length <= MAX_CONTEXT:
        raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "it claims a context of {count} tokens"),
                        count=header.context_length)
    _check_attention(header)
    try:
        tokens = _strings(header, TOKENS)
    except (OSError, ValueError, struct.error):  # the file changed since its header was read
        raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "it changed while it was being read")) from None
    if tokens is None:
        return
    seen: dict[bytes, int] = {}
    for index, token in enumerate(tokens):
        token = token or f"[EMPTY_{index}]".encode()  # as llama.cpp names an empty token
        if seen.setdefault(token, index) != index:
            raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "tokens {first} and {second} are the same"),
                            first=seen[token], second=index)
    if header.metadata.get(TOKENIZER) == "llama":  # SentencePiece: unknown text falls back to bytes
        for byte in range(256):
            if f"<0x{byte:02X}>".encode() not in seen and bytes([byte]) not in seen:
                raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "its vocabulary has no token for the "
                                                                    "byte {byte}"), byte=f"0x{byte:02X}")


def _check_attention(header: GgufHeader) -> None:
    """Head counts and sizes that llama.cpp's 32-bit arithmetic could wrap around."""
    heads, kv_heads, embedding = header.head_count, header.head_count_kv, header.embedding_length
    if heads is not None and embedding is not None and not 0 <= heads <= embedding:
        raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "it claims {count} attention heads for {size} "
                                                            "dimensions"), count=heads, size=embedding)
    if kv_heads is not None and heads is not None and not 0 <= kv_heads <= heads:
        raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "it claims {count} key/value heads for {heads} "
                                                            "attention heads"), count=kv_heads, heads=heads)
    for size in (header.key_length, header.value_length):
        if size is not None and not 0 <= size <= MAX_HEAD_SIZE:
            raise _unusable(header, QT_TRANSLATE_NOOP("Errors", "it claims attention heads of {size} "
                                                                "dimensions"), size=size)


def _unusable(header: GgufHeader, reason: str, /, **values: object) -> ModelFileError:
    return ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} cannot be used ({reason}); "
                                                      "download it again or use another file."),
                          file=header.path.name, reason=Phrase(reason, **values))


def _strings(header: GgufHeader, key: str) -> list[bytes] | None:
    """The string array ``key`` as llama.cpp sees it (C strings: up to the first NUL byte), or
    None if the header has none."""
    value, offset = header.metadata.get(key), header.array_offsets.get(key)
    count = value.length if isinstance(value, ArrayInfo) and value.type_name == "string" else \
        len(value) if isinstance(value, tuple) and all(isinstance(v, str) for v in value) else None
    if count is None or offset is None:
        return None
    strings, pos = [], offset
    with _mapped(header.path) as data:
        for _ in range(count):  # every length was checked against the file when the header was read
            end = pos + 8 + _U64.unpack_from(data, pos)[0]
            strings.append(data[pos + 8:end].partition(b"\0")[0])
            pos = end
    return strings


def _mapped(path: Path) -> mmap.mmap:
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)

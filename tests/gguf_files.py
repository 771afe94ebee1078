"""Building GGUF files for tests: well-formed ones, ones whose header lies, and edited copies of a real model.

A metadata value can carry its GGUF type explicitly (``Value(U64, 5)``, ``array(STRING, [...])``);
plain Python values get a default: str -> string, bool -> bool, int -> uint32 (int64 when it does
not fit), float -> float32, list or tuple -> array of its first element's default type.
The ``*_bytes`` helpers encode single pieces, so a test can assemble a header that claims
anything (``fixed_header(tensor_count=0, kv_count=2**63)``) with ``raw_gguf``.
"""

from __future__ import annotations

import math
import mmap
import shutil
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from app.core.gguf_header import GGML_TYPES

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_FORMATS = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?",
            U64: "Q", I64: "q", F64: "d"}
F32_TYPE, F16_TYPE, Q4_0_TYPE, Q4_1_TYPE, Q8_0_TYPE = 0, 1, 2, 3, 8  # a few ggml tensor types

Tensor = tuple[str, Sequence[int], int, "bytes | None"]  # name, dims, ggml type, data (None: zeros)


@dataclass(frozen=True)
class Value:
    """A metadata value with its GGUF type; ``item_type`` is the element type of an array."""

    type: int
    value: Any
    item_type: int = U32


def array(item_type: int, items: Iterable[Any]) -> Value:
    """An array value whose elements are all of ``item_type`` (nested arrays: items are Values)."""
    return Value(ARRAY, list(items), item_type)


def typed(value: Any) -> Value:
    """``value`` as a Value, choosing the default GGUF type for a plain Python value."""
    if isinstance(value, Value):
        return value
    if isinstance(value, bool):
        return Value(BOOL, value)
    if isinstance(value, int):
        return Value(U32 if 0 <= value < 2**32 else I64, value)
    if isinstance(value, float):
        return Value(F32, value)
    if isinstance(value, (str, bytes)):
        return Value(STRING, value)
    if isinstance(value, (list, tuple)):
        return array(typed(value[0]).type if value else U32, value)
    raise TypeError(f"no GGUF type for {value!r}")


def u32(number: int) -> bytes:
    return struct.pack("<I", number)


def u64(number: int) -> bytes:
    return struct.pack("<Q", number)


def string_bytes(text: str | bytes) -> bytes:
    """A GGUF string: u64 length, then the bytes (str is encoded as UTF-8)."""
    data = text.encode() if isinstance(text, str) else text
    return u64(len(data)) + data


def payload_bytes(value: Value) -> bytes:
    """A value's encoding without its type tag."""
    if value.type == STRING:
        return string_bytes(value.value)
    if value.type == ARRAY:
        items = [item if isinstance(item, Value) else Value(value.item_type, item) for item in value.value]
        return u32(value.item_type) + u64(len(items)) + b"".join(map(payload_bytes, items))
    return struct.pack("<" + _FORMATS[value.type], value.value)


def kv_bytes(key: str | bytes, value: Any) -> bytes:
    """One metadata entry: key, value type, value."""
    chosen = typed(value)
    return string_bytes(key) + u32(chosen.type) + payload_bytes(chosen)


def fixed_header(tensor_count: int, kv_count: int, version: int = 3, magic: bytes = b"GGUF") -> bytes:
    """The 24-byte start of a GGUF file, claiming whatever counts it is given."""
    return magic + u32(version) + u64(tensor_count) + u64(kv_count)


def tensor_info_bytes(name: str | bytes, dims: Sequence[int], ggml_type: int, offset: int) -> bytes:
    """One tensor's entry in the tensor list (``offset`` is relative to the data section)."""
    return string_bytes(name) + u32(len(dims)) + b"".join(map(u64, dims)) + u32(ggml_type) + u64(offset)


def tensor_nbytes(dims: Sequence[int], ggml_type: int) -> int:
    """The bytes a tensor of this shape and type takes in the data section."""
    _, block, block_bytes = GGML_TYPES[ggml_type]
    return math.prod(dims) // block * block_bytes


def raw_gguf(entries: Sequence[bytes] = (), infos: Sequence[bytes] = (), data: bytes = b"", *,
             version: int = 3, alignment: int = 32, kv_count: int | None = None,
             tensor_count: int | None = None) -> bytes:
    """A file from encoded pieces; the counts default to the pieces given but may lie."""
    head = fixed_header(len(infos) if tensor_count is None else tensor_count,
                        len(entries) if kv_count is None else kv_count, version)
    head += b"".join(entries) + b"".join(infos)
    if infos:
        head += bytes(-len(head) % alignment)
    return head + data


def gguf_bytes(metadata: Mapping[str, Any], tensors: Sequence[Tensor] = (), *, version: int = 3,
               alignment: int = 32) -> bytes:
    """A well-formed GGUF file; ``general.alignment`` is added when ``alignment`` is not the default."""
    if alignment != 32 and "general.alignment" not in metadata:
        metadata = {"general.alignment": Value(U32, alignment), **metadata}
    infos, blobs, offset = [], [], 0
    for name, dims, ggml_type, data in tensors:
        blob = bytes(tensor_nbytes(dims, ggml_type)) if data is None else data
        blob += bytes(-len(blob) % alignment)
        infos.append(tensor_info_bytes(name, dims, ggml_type, offset))
        blobs.append(blob)
        offset += len(blob)
    entries = [kv_bytes(key, value) for key, value in metadata.items()]
    return raw_gguf(entries, infos, b"".join(blobs), version=version, alignment=alignment)


def write_gguf(path: Path, metadata: Mapping[str, Any], tensors: Sequence[Tensor] = (), *,
               version: int = 3, alignment: int = 32) -> Path:
    """Write a well-formed GGUF file to ``path`` and return it."""
    path.write_bytes(gguf_bytes(metadata, tensors, version=version, alignment=alignment))
    return path


class Layout(NamedTuple):
    """Where the parts of a GGUF file start (byte offsets) and its raw metadata entries."""

    version: int
    tensor_count: int
    entries: dict[str, bytes]  # key -> value type + encoded value
    tensor_list: int
    tensor_list_end: int
    data_start: int


def layout(source: Path) -> Layout:
    """Walk a well-formed GGUF file's header without interpreting values."""
    with source.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        version, tensor_count, kv_count = struct.unpack_from("<IQQ", buf, 4)
        pos, entries = 24, {}
        for _ in range(kv_count):
            (key_length,) = struct.unpack_from("<Q", buf, pos)
            key, start = bytes(buf[pos + 8:pos + 8 + key_length]).decode(), pos + 8 + key_length
            pos = _value_end(buf, start + 4, struct.unpack_from("<I", buf, start)[0])
            entries[key] = bytes(buf[start:pos])
        tensor_list = pos
        for _ in range(tensor_count):
            pos += 8 + struct.unpack_from("<Q", buf, pos)[0]
            pos += 4 + 8 * struct.unpack_from("<I", buf, pos)[0] + 4 + 8
    return Layout(version, tensor_count, entries, tensor_list, pos, pos + -pos % _alignment(entries))


def _alignment(entries: Mapping[str, bytes]) -> int:
    raw = entries.get("general.alignment")
    return struct.unpack("<I", raw[4:])[0] if raw else 32


def _value_end(buf: mmap.mmap, pos: int, value_type: int) -> int:
    if value_type == STRING:
        return pos + 8 + struct.unpack_from("<Q", buf, pos)[0]
    if value_type != ARRAY:
        return pos + struct.calcsize(_FORMATS[value_type])
    item_type, count = struct.unpack_from("<IQ", buf, pos)
    pos += 12
    if item_type in _FORMATS:
        return pos + count * struct.calcsize(_FORMATS[item_type])
    for _ in range(count):
        pos = _value_end(buf, pos, item_type)
    return pos


def rewrite_metadata(source: Path, dest: Path, changes: Mapping[str, Any]) -> Path:
    """Copy a GGUF file with some metadata changed (a value of None removes the key).

    Changed keys keep their place, new ones come last; the tensor list and the tensor data are
    copied unchanged (their offsets are relative to the data section), so the copy is complete.
    """
    parts = layout(source)
    entries = dict(parts.entries)
    for key, value in changes.items():
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = kv_bytes(key, value)[len(string_bytes(key)):]
    with source.open("rb") as handle, dest.open("wb") as out:
        handle.seek(parts.tensor_list)
        infos = handle.read(parts.tensor_list_end - parts.tensor_list)
        head = fixed_header(parts.tensor_count, len(entries), parts.version)
        head += b"".join(string_bytes(key) + value for key, value in entries.items()) + infos
        out.write(head + bytes(-len(head) % _alignment(parts.entries)))  # the source's alignment
        handle.seek(parts.data_start)
        shutil.copyfileobj(handle, out, 1 << 20)
    return dest

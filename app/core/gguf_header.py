"""Reading and checking a GGUF model file's header in plain Python, before llama.cpp sees the file.

The header tells what a model is (architecture, size, quantization, context length, chat template)
without loading any weights. Every count, length and offset in it is checked against the file's size
before anything is read or allocated, so a damaged or hostile file is refused with one sentence
instead of reaching native code. Only small values are kept: long arrays such as the token
vocabulary are skipped and recorded as ``ArrayInfo``, and so are strings over 1 MiB.
"""

from __future__ import annotations

import math
import os
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from app.core.errors import ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
FIXED_HEADER_SIZE = 24  # magic, version (u32), tensor count (u64), metadata count (u64)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_TENSOR_NAME_BYTES = 63  # GGML_MAX_NAME - 1
MAX_ARRAY_DEPTH = 2  # llama.cpp itself reads no arrays of arrays; the format allows them
MAX_KEPT_ITEMS = 64  # longer arrays are skipped, so the vocabulary is never held in memory
MAX_KEPT_STRING = 1 << 20  # some files embed a whole tokenizer.json; a chat template is a few KB
# Claims above these are corrupt whatever the file's size (llama.cpp refuses longer strings and arrays,
# and 2^30 entries would need a 14 GiB header); smaller claims that run past the end mean a cut-short file.
MAX_STRING_BYTES = 1 << 30
MAX_COUNT = 1 << 30
INT64_MAX = (1 << 63) - 1

# ggml type id -> (name, values per block, bytes per block), as ggml's type_traits in this build.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
    28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
    42: ("Q2_0", 64, 18),
}
# general.file_type (enum llama_ftype) -> the name people know the quantization by.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0", 41: "Q2_0",
}

UNKNOWN_QUANTIZATION = "unknown"  # a file that names no type and holds no tensors

STRING, ARRAY, UINT32 = 8, 9, 4
VALUE_TYPE_NAMES = {0: "uint8", 1: "int8", 2: "uint16", 3: "int16", 4: "uint32", 5: "int32", 6: "float32",
                    7: "bool", 8: "string", 9: "array", 10: "uint64", 11: "int64", 12: "float64"}
_SCALARS = {type_id: struct.Struct("<" + code) for type_id, code in
            zip((0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12), "BbHhIif?Qqd", strict=True)}
_MIN_VALUE_BYTES = {**{t: s.size for t, s in _SCALARS.items()}, STRING: 8, ARRAY: 12}
_MIN_ENTRY_BYTES = 8 + 1 + 4 + 1  # key length, a one-byte key, value type, a one-byte value
_MIN_TENSOR_BYTES = 8 + 4 + 4 + 8  # name length, n_dims, ggml type, offset
_U32, _U64 = _SCALARS[4], _SCALARS[10]
T = TypeVar("T")


class ModelFileError(ParleyError):
    """The model file cannot be used; the message says why in one sentence."""


# Where in the file a truncation was found (translatable pieces of the message).
_IN_HEADER = Phrase(QT_TRANSLATE_NOOP("Errors", "in the header"))
_IN_METADATA = Phrase(QT_TRANSLATE_NOOP("Errors", "in the metadata"))
_IN_TENSOR_LIST = Phrase(QT_TRANSLATE_NOOP("Errors", "in the tensor list"))
_IN_TENSOR_DATA = Phrase(QT_TRANSLATE_NOOP("Errors", "in the tensor data"))


@dataclass(frozen=True)
class ArrayInfo:
    """A metadata array too long to keep: only its element type and length are recorded.

    A string too long to keep is recorded as ``ArrayInfo("long string", its length in bytes)``.
    """

    type_name: str
    length: int


class _Field(Generic[T]):
    """A header property reading one metadata value: None when absent or of another type.

    ``{arch}`` in the key stands for the model's architecture (``llama.context_length``).
    """

    def __init__(self, key: str, kind: type[T]) -> None:
        self.key, self.kind = key, kind

    def __get__(self, header: GgufHeader | None, owner: type | None = None) -> T | None:
        if header is None:  # looked up on the class, as help() does
            return self  # type: ignore[return-value]
        architecture = header.metadata.get("general.architecture")
        if "{arch}" in self.key and not isinstance(architecture, str):
            return None
        value = header.metadata.get(self.key.replace("{arch}", str(architecture)))
        return value if isinstance(value, self.kind) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class GgufHeader:
    """What a GGUF file's header says about its model; weights are never read."""

    path: Path
    file_size: int
    version: int
    tensor_count: int
    metadata: Mapping[str, Any]
    parameter_count: int
    tensor_data_bytes: int
    tensor_type_bytes: Mapping[str, int] = field(default_factory=dict)  # ggml type name -> bytes
    array_offsets: Mapping[str, int] = field(default_factory=dict)  # key -> where its items start

    architecture = _Field("general.architecture", str)
    name = _Field("general.name", str)
    license = _Field("general.license", str)
    chat_template = _Field("tokenizer.chat_template", str)
    context_length = _Field("{arch}.context_length", int)
    block_count = _Field("{arch}.block_count", int)
    embedding_length = _Field("{arch}.embedding_length", int)
    head_count = _Field("{arch}.attention.head_count", int)
    _file_type = _Field("general.file_type", int)
    _head_count_kv = _Field("{arch}.attention.head_count_kv", int)
    _key_length = _Field("{arch}.attention.key_length", int)
    _value_length = _Field("{arch}.attention.value_length", int)

    @property
    def quantization(self) -> str:
        """The file type's name, else the type holding most tensor bytes, else "unknown"."""
        named = FILE_TYPES.get(self._file_type)  # type: ignore[arg-type]
        if named:
            return named
        if self.tensor_type_bytes:
            return max(self.tensor_type_bytes.items(), key=lambda item: item[1])[0]
        return UNKNOWN_QUANTIZATION

    @property
    def has_chat_template(self) -> bool:
        return bool(self.chat_template)

    @property
    def head_count_kv(self) -> int | None:
        return self._head_count_kv or self.head_count

    @property
    def key_length(self) -> int | None:
        return self._key_length or self._head_size()

    @property
    def value_length(self) -> int | None:
        return self._value_length or self._head_size()

    def _head_size(self) -> int | None:
        embedding, heads = self.embedding_length, self.head_count
        return embedding // heads if embedding and heads else None


def parameter_text(count: int) -> str:
    """A parameter count as people write it: "135M", "1.7B", "70B"."""
    value = float(count)
    for suffix in ("", "K", "M", "B", "T"):
        text = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
        if float(text) < 1000 or suffix == "T":  # 999.6M reads better as 1B than as 1000M
            return text.removesuffix(".0") + suffix
        value /= 1000
    raise AssertionError("unreachable")


def check_model_file(path: Path) -> GgufHeader:
    """Raise ModelFileError with a one-sentence reason unless ``path`` is a usable GGUF file: its
    structure sound, and none of the values llama.cpp asserts on wrong (``gguf_values``)."""
    from app.core.gguf_values import check_values  # it builds on this module

    header = read_header(path)
    check_values(header)
    return header


def read_header(path: Path) -> GgufHeader:
    """Read and check the header of the GGUF file at ``path``; raise ModelFileError if it is unusable."""
    path = Path(path)
    _check_is_file(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                raise ModelFileError(QT_TRANSLATE_NOOP(
                    "Errors", "The model file {file} is empty; download it again."), file=path.name)
            return _Parser(handle, size, path).header()
    except OSError as exc:
        raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} cannot be read ({reason}); "
                                                         "check its permissions."),
                             file=path.name, reason=exc.strerror or exc) from exc


def _check_is_file(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} does not exist; choose "
                                                         "another model file."), file=path) from None
    except OSError as exc:
        raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} cannot be read ({reason}); "
                                                         "check its permissions."),
                             file=path, reason=exc.strerror or exc) from exc
    if stat.S_ISDIR(mode):
        raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "{path} is a folder, not a model file; choose a "
                                                         ".gguf file."), path=path)
    if not stat.S_ISREG(mode):  # a pipe or device would block or never end
        raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "{path} is not a regular file; choose a .gguf "
                                                         "file."), path=path)


def _shown(text: str) -> str:
    """A name from the file, made safe and short for a message."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


class _Parser:
    """Walks a GGUF header front to back; no read may run past the end of the file."""

    def __init__(self, handle: BinaryIO, size: int, path: Path) -> None:
        self.handle, self.size, self.path = handle, size, path
        self.pos = 0
        self.section = _IN_METADATA
        self.array_offsets: dict[str, int] = {}

    # -- messages ------------------------------------------------------------------------------

    def corrupt(self, reason: str, /, **values: object) -> ModelFileError:
        """The header is corrupt: ``reason`` is a template marked for translation, with ``values``."""
        return ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} has a corrupt header "
                                                          "({reason}); download it again or use another "
                                                          "file."),
                              file=self.path.name, reason=Phrase(reason, **values))

    def truncated(self, short: int) -> ModelFileError:
        if short == 1:
            return ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} is truncated (at least "
                                                              "1 byte short {section}); download it again."),
                                  file=self.path.name, section=self.section)
        return ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} is truncated (at least "
                                                          "{count} bytes short {section}); download it "
                                                          "again."),
                              file=self.path.name, count=f"{short:,}", section=self.section)

    # -- reading -------------------------------------------------------------------------------

    def need(self, count: int) -> None:
        if count > self.size - self.pos:
            raise self.truncated(count - (self.size - self.pos))

    def take(self, count: int) -> bytes:
        self.need(count)
        data = self.handle.read(count)
        if len(data) != count:  # the file shrank while it was being read
            raise self.truncated(count - len(data))
        self.pos += count
        return data

    def skip(self, count: int) -> None:
        self.need(count)
        self.handle.seek(count, os.SEEK_CUR)
        self.pos += count

    def unpack(self, layout: struct.Struct) -> Any:
        return layout.unpack(self.take(layout.size))[0]

    def string_length(self) -> int:
        length = self.unpack(_U64)
        if length > MAX_STRING_BYTES:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "it claims a {length}-byte string"), length=length)
        return length

    def string_bytes(self) -> bytes:
        return self.take(self.string_length())

    # -- sections ------------------------------------------------------------------------------

    def header(self) -> GgufHeader:
        version, tensor_count, kv_count = self.fixed_header()
        metadata = self.metadata(kv_count)
        alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
        if alignment <= 0 or alignment & (alignment - 1):
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "its alignment {alignment} is not a power of two"),
                               alignment=alignment)
        parameters, data_bytes, type_bytes = self.tensors(tensor_count, alignment)
        return GgufHeader(self.path, self.size, version, tensor_count, metadata, parameters, data_bytes,
                          type_bytes, self.array_offsets)

    def fixed_header(self) -> tuple[int, int, int]:
        head = self.handle.read(FIXED_HEADER_SIZE)
        if head[:4] != GGUF_MAGIC[:len(head)]:
            raise ModelFileError(QT_TRANSLATE_NOOP(
                "Errors", "The model file {file} is not a GGUF model file; Parley runs models in "
                          "llama.cpp's GGUF format."), file=self.path.name)
        self.section = _IN_HEADER
        self.pos = len(head)
        self.need(FIXED_HEADER_SIZE - self.pos)
        version, tensor_count, kv_count = struct.unpack("<IQQ", head[4:])
        self.check_version(version)
        if kv_count > MAX_COUNT:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "it claims {count} metadata entries"),
                               count=kv_count)
        if tensor_count > MAX_COUNT:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "it claims {count} tensors"), count=tensor_count)
        self.section = _IN_METADATA
        self.need(kv_count * _MIN_ENTRY_BYTES + tensor_count * _MIN_TENSOR_BYTES)
        return version, tensor_count, kv_count

    def check_version(self, version: int) -> None:
        name = self.path.name
        if version in SUPPORTED_VERSIONS:
            return
        if version and version & 0xFFFF == 0:  # a small version number read with the wrong byte order
            raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} is stored big-endian, "
                                                             "which this Parley cannot read; use a "
                                                             "little-endian build of the model."), file=name)
        if version == 1:
            raise ModelFileError(QT_TRANSLATE_NOOP(
                "Errors", "The model file {file} uses GGUF version 1, which is no longer supported; "
                          "convert the model again with a current llama.cpp."), file=name)
        raise ModelFileError(QT_TRANSLATE_NOOP("Errors", "The model file {file} uses GGUF version {version}, "
                                                         "which this Parley's llama.cpp cannot read; update "
                                                         "Parley or convert the model again."),
                             file=name, version=version)

    def metadata(self, count: int) -> dict[str, Any]:
        metadata: dict[str, Any] = {}
        for index in range(count):
            try:
                key = self.string_bytes().decode("utf-8")
            except UnicodeDecodeError:
                raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "metadata key {index} is not valid UTF-8"),
                                   index=index) from None
            if not key:
                raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "metadata key {index} is empty"), index=index)
            if key in metadata:
                raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "the key {key} appears twice"),
                                   key=_shown(key))
            value_type = self.unpack(_U32)
            if key == "general.alignment" and value_type != UINT32:
                raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "general.alignment is not a uint32"))
            if value_type == ARRAY:
                self.array_offsets[key] = self.pos + 12  # after the item type and the count
            metadata[key] = self.value(value_type, key, 0)
        return metadata

    def value(self, value_type: int, key: str, depth: int) -> Any:
        layout = _SCALARS.get(value_type)
        if layout is not None:
            return self.unpack(layout)
        if value_type == STRING:
            length = self.string_length()
            if length > MAX_KEPT_STRING:
                self.skip(length)
                return ArrayInfo("long string", length)
            # llama.cpp does not insist on UTF-8 in values, so neither do we
            return self.take(length).decode("utf-8", "replace")
        if value_type != ARRAY:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "key {key} has the unknown value type {type}"),
                               key=_shown(key), type=value_type)
        if depth >= MAX_ARRAY_DEPTH:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "key {key} nests arrays more than {depth} deep"),
                               key=_shown(key), depth=MAX_ARRAY_DEPTH)
        item_type, count = self.unpack(_U32), self.unpack(_U64)
        if item_type not in _MIN_VALUE_BYTES:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "key {key} has the unknown value type {type}"),
                               key=_shown(key), type=item_type)
        if count > MAX_COUNT:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "key {key} claims an array of {count} elements"),
                               key=_shown(key), count=count)
        self.need(count * _MIN_VALUE_BYTES[item_type])
        if count <= MAX_KEPT_ITEMS:
            return tuple(self.value(item_type, key, depth + 1) for _ in range(count))
        self.skip_values(item_type, count, key, depth + 1)
        return ArrayInfo(VALUE_TYPE_NAMES[item_type], count)

    def skip_values(self, item_type: int, count: int, key: str, depth: int) -> None:
        layout = _SCALARS.get(item_type)
        if layout is not None:
            self.skip(count * layout.size)
        elif item_type == STRING:
            self.skip_strings(count)
        else:
            for _ in range(count):
                self.value(item_type, key, depth)

    def skip_strings(self, count: int) -> None:
        """Skip ``count`` strings a block at a time: a vocabulary has hundreds of thousands."""
        while count:
            block = self.handle.read(min(1 << 18, self.size - self.pos))
            used = 0
            while count and used + 8 <= len(block):
                end = used + 8 + _U64.unpack_from(block, used)[0]
                if end > len(block):
                    break
                used, count = end, count - 1
            self.handle.seek(used - len(block), os.SEEK_CUR)  # give back what belongs to later strings
            self.pos += used
            if count and not used:  # one string longer than a block, or the end of the file
                self.skip(self.string_length())
                count -= 1

    def tensors(self, count: int, alignment: int) -> tuple[int, int, dict[str, int]]:
        """Check every tensor's shape, type and place; sum parameters and bytes by type."""
        self.section = _IN_TENSOR_LIST
        self.need(count * _MIN_TENSOR_BYTES)
        names: set[str] = set()
        parameters = data_bytes = expected_offset = data_end = 0
        type_bytes: dict[str, int] = {}
        for _ in range(count):
            name, elements, type_name, nbytes, offset = self.tensor_info(names)
            if offset % alignment:
                raise self.corrupt(QT_TRANSLATE_NOOP(
                    "Errors", "tensor {name} is not aligned to {alignment} bytes"),
                    name=_shown(name), alignment=alignment)
            if offset < expected_offset:
                raise self.corrupt(QT_TRANSLATE_NOOP(
                    "Errors", "tensor {name} overlaps the tensor before it at offset {offset}"),
                    name=_shown(name), offset=offset)
            if offset != expected_offset:
                raise self.corrupt(QT_TRANSLATE_NOOP(
                    "Errors", "tensor {name} leaves a gap at offset {offset}"),
                    name=_shown(name), offset=offset)
            expected_offset = offset + -(-nbytes // alignment) * alignment
            parameters += elements
            data_bytes += nbytes
            type_bytes[type_name] = type_bytes.get(type_name, 0) + nbytes
            data_end = offset + nbytes
        if count:
            self.section = _IN_TENSOR_DATA
            data_start = -(-self.pos // alignment) * alignment
            self.need(data_start - self.pos + data_end)
        return parameters, data_bytes, type_bytes

    def tensor_info(self, names: set[str]) -> tuple[str, int, str, int, int]:
        raw = self.string_bytes()
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.corrupt(QT_TRANSLATE_NOOP(
                "Errors", "tensor {index} has a name that is not valid UTF-8"), index=len(names)) from None
        if len(raw) > MAX_TENSOR_NAME_BYTES:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "tensor name {name} is longer than {limit} bytes"),
                               name=_shown(name), limit=MAX_TENSOR_NAME_BYTES)
        if name in names:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "the tensor {name} appears twice"),
                               name=_shown(name))
        names.add(name)
        n_dims = self.unpack(_U32)
        if n_dims > MAX_DIMS:
            raise self.corrupt(QT_TRANSLATE_NOOP(
                "Errors", "tensor {name} has {count} dimensions, more than {limit}"),
                name=_shown(name), count=n_dims, limit=MAX_DIMS)
        dims = struct.unpack(f"<{n_dims}Q", self.take(8 * n_dims))
        elements = math.prod(dims)
        if elements == 0 or elements > INT64_MAX:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "tensor {name} has the impossible shape {shape}"),
                               name=_shown(name), shape=list(dims))
        type_id = self.unpack(_U32)
        if type_id not in GGML_TYPES:
            raise ModelFileError(QT_TRANSLATE_NOOP(
                "Errors", "The model file {file} uses a tensor type ({type}) that this Parley's "
                          "llama.cpp does not know; update Parley or use another file."),
                file=self.path.name, type=type_id)
        type_name, block, block_bytes = GGML_TYPES[type_id]
        row = dims[0] if dims else 1
        if row % block:
            raise self.corrupt(QT_TRANSLATE_NOOP("Errors", "tensor {name} has rows of {row} values, not a "
                                                           "multiple of the {type} block of {block}"),
                               name=_shown(name), row=row, type=type_name, block=block)
        return name, elements, type_name, elements // block * block_bytes, self.unpack(_U64)

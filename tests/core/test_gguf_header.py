"""The GGUF header reader: what the bundled model's header says, and a reason for every bad file.

Bad files are built in the test (tests/gguf_files.py) so each one breaks exactly one rule and must
be refused with its own sentence, before anything large is read or allocated.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import random
import re
import shutil
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.gguf_header import (
    FILE_TYPES,
    GGML_TYPES,
    ArrayInfo,
    GgufHeader,
    ModelFileError,
    check_model_file,
    parameter_text,
    read_header,
)
from tests.gguf_files import (
    ARRAY,
    F16_TYPE,
    F32_TYPE,
    Q4_0_TYPE,
    Q4_1_TYPE,
    Q8_0_TYPE,
    STRING,
    U8,
    U32,
    U64,
    Value,
    array,
    fixed_header,
    gguf_bytes,
    kv_bytes,
    layout,
    raw_gguf,
    rewrite_metadata,
    string_bytes,
    tensor_info_bytes,
    u32,
    u64,
    write_gguf,
)

# -- the bundled model ---------------------------------------------------------------------------


def test_the_bundled_model_header(model_path: Path) -> None:
    header = check_model_file(model_path)
    assert isinstance(header, GgufHeader) and header.path == model_path
    assert header.file_size == model_path.stat().st_size
    assert (header.version, header.tensor_count) == (3, 272)
    assert header.architecture == "llama" and header.license == "apache-2.0"
    assert header.name == "Smollm2 135M 8k Lc100K Mix1 Ep2"
    assert header.parameter_count == 134_515_008  # what llama_model_n_params says
    assert parameter_text(header.parameter_count) == "135M"
    assert header.metadata["general.file_type"] == 3 and header.quantization == "Q4_1"
    assert header.context_length == 8192
    assert header.has_chat_template and "<|im_start|>" in (header.chat_template or "")
    assert (header.block_count, header.embedding_length, header.head_count, header.head_count_kv) \
        == (30, 576, 9, 3)
    assert header.key_length == header.value_length == 64  # 576 / 9: the file does not say
    assert header.tensor_data_bytes == 96_576_768  # what llama_model_size says
    assert 0.9 * header.file_size < header.tensor_data_bytes <= header.file_size
    assert dict(header.tensor_type_bytes) == {"Q4_1": 66_355_200, "Q8_0": 30_081_024, "F32": 140_544}


def test_the_vocabulary_is_skipped_not_kept(model_path: Path) -> None:
    tracemalloc.start()
    try:
        header = read_header(model_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert header.metadata["tokenizer.ggml.tokens"] == ArrayInfo("string", 49152)
    assert header.metadata["tokenizer.ggml.merges"] == ArrayInfo("string", 48900)
    assert header.metadata["tokenizer.ggml.token_type"] == ArrayInfo("int32", 49152)
    assert header.metadata["general.languages"] == ("en",)
    assert peak < 2_000_000


# -- files written by the test writer -----------------------------------------------------------


def test_a_written_file_round_trips(tmp_path: Path) -> None:
    metadata = {
        "general.architecture": "tiny", "general.name": "Tiny ünï", "tiny.context_length": Value(U64, 2048),
        "tiny.block_count": 2, "tiny.embedding_length": 64, "tiny.attention.head_count": 4,
        "tiny.attention.head_count_kv": Value(U8, 2), "tiny.rope.freq_base": 0.5, "tiny.flag": True,
        "tiny.signed": -7, "tiny.short_list": [1, 2, 3], "tiny.long_list": array(U32, range(65)),
        "tiny.nested": array(ARRAY, [array(STRING, ["a", "b"]), array(STRING, [])]),
        "tokenizer.chat_template": "{{ messages }}",
    }
    tensors = [("token_embd.weight", [64, 100], Q4_1_TYPE, None), ("norm.weight", [64], F32_TYPE, None),
               ("output.weight", [64, 10], F16_TYPE, None)]
    header = read_header(write_gguf(tmp_path / "tiny.gguf", metadata, tensors, alignment=64))
    assert header.metadata["general.name"] == "Tiny ünï" and header.metadata["tiny.signed"] == -7
    assert header.metadata["tiny.rope.freq_base"] == 0.5 and header.metadata["tiny.flag"] is True
    assert header.metadata["tiny.short_list"] == (1, 2, 3)
    assert header.metadata["tiny.long_list"] == ArrayInfo("uint32", 65)
    assert header.metadata["tiny.nested"] == (("a", "b"), ())
    assert header.metadata["general.alignment"] == 64
    assert (header.architecture, header.context_length, header.block_count) == ("tiny", 2048, 2)
    assert (header.head_count, header.head_count_kv, header.key_length, header.value_length) == (4, 2, 16, 16)
    assert header.tensor_count == 3 and header.parameter_count == 6400 + 64 + 640
    assert header.tensor_data_bytes == 200 * 20 + 64 * 4 + 640 * 2
    assert header.quantization == "Q4_1"  # no general.file_type: the type holding most bytes
    assert header.has_chat_template and header.license is None


def test_quantization_prefers_the_file_type_and_falls_back_to_unknown(tmp_path: Path) -> None:
    tensors = [("a", [256], Q8_0_TYPE, None)]
    named = read_header(write_gguf(tmp_path / "a.gguf", {"general.file_type": 15}, tensors))
    assert named.quantization == "Q4_K_M"
    odd = read_header(write_gguf(tmp_path / "b.gguf", {"general.file_type": 1024}, tensors))
    assert odd.quantization == "Q8_0"
    empty = read_header(write_gguf(tmp_path / "c.gguf", {"general.file_type": "Q4"}))
    assert empty.quantization == "unknown" and empty.tensor_count == empty.parameter_count == 0


def test_missing_or_mistyped_values_read_as_none(tmp_path: Path) -> None:
    header = read_header(write_gguf(tmp_path / "m.gguf", {"general.name": 5, "x.context_length": 9}))
    assert header.architecture is header.name is header.context_length is header.head_count_kv is None
    assert header.key_length is None and not header.has_chat_template


def test_a_huge_string_value_is_recorded_not_kept(tmp_path: Path) -> None:
    big = "x" * (1 << 20 | 1)
    metadata = {"general.name": "ok", "tokenizer.huggingface.json": big}
    header = read_header(write_gguf(tmp_path / "big.gguf", metadata))
    assert header.metadata["tokenizer.huggingface.json"] == ArrayInfo("long string", len(big))
    assert header.name == "ok"


def test_long_string_arrays_are_skipped_exactly(tmp_path: Path) -> None:
    words = [f"word{index}" * (index % 7) for index in range(70_000)]
    words[5] = "y" * 300_000  # longer than the block the skipping reads at a time
    metadata = {"tokenizer.ggml.tokens": array(STRING, words), "general.name": "after the vocabulary"}
    header = read_header(write_gguf(tmp_path / "vocab.gguf", metadata))
    assert header.metadata["tokenizer.ggml.tokens"] == ArrayInfo("string", 70_000)
    assert header.name == "after the vocabulary"


def test_rewrite_metadata_makes_a_complete_file(model_path: Path, tmp_path: Path) -> None:
    copy = rewrite_metadata(model_path, tmp_path / "other.gguf",
                            {"general.architecture": "parleyunknownarch", "general.name": None,
                             "parley.extra": Value(U64, 7)})
    original, header = read_header(model_path), read_header(copy)
    assert header.architecture == "parleyunknownarch" and header.name is None
    assert header.metadata["parley.extra"] == 7 and header.context_length is None  # keys are per arch
    assert header.metadata["llama.context_length"] == 8192
    assert (header.parameter_count, header.tensor_data_bytes) == (original.parameter_count,
                                                                  original.tensor_data_bytes)
    data_size = model_path.stat().st_size - layout(model_path).data_start
    assert copy.stat().st_size - layout(copy).data_start == data_size


# -- files that must be refused, each with its own reason ---------------------------------------

# A 70-string array (so it is skipped, not kept) whose 11th string claims 2^62 bytes.
HUGE_TOKEN = kv_bytes("v", array(STRING, ["a"] * 70))[:-9 * 60] + u64(2**62) + bytes(500)
LIES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", r"is empty; download it again"),
    "random bytes": (random.Random(0).randbytes(4000), r"is not a GGUF model file; Parley runs models"),
    "bad magic": (fixed_header(0, 0, magic=b"GGML"), r"is not a GGUF model file"),
    "version 1": (fixed_header(0, 0, version=1), r"GGUF version 1, which is no longer supported"),
    "version 99": (fixed_header(0, 0, version=99), r"GGUF version 99, which this Parley's llama.cpp cannot"),
    "big-endian": (fixed_header(0, 0, version=3 << 24), r"is stored big-endian"),
    "short header": (b"GGUF\x03\x00", r"truncated \(at least 18 bytes short in the header\)"),
    "after the header": (fixed_header(2, 3), r"truncated \(at least 90 bytes short in the metadata\)"),
    "mid-string": (fixed_header(0, 1) + u64(20) + b"general.", r"truncated \(.* in the metadata\)"),
    "2^63 keys": (fixed_header(0, 2**63),
                  r"corrupt header \(it claims 9223372036854775808 metadata entries\); download it again or"),
    "2^63 tensors": (fixed_header(2**63, 0), r"corrupt header \(it claims 9223372036854775808 tensors\)"),
    "2^62-byte key": (fixed_header(0, 1) + u64(2**62) + b"general.name" + bytes(16),
                      r"corrupt header \(it claims a 4611686018427387904-byte string\)"),
    "2^62-byte value": (raw_gguf([string_bytes("general.name") + u32(STRING) + u64(2**62) + b"x" * 20]),
                        r"it claims a 4611686018427387904-byte string"),
    "2^62-byte token": (raw_gguf([HUGE_TOKEN]),
                        r"it claims a 4611686018427387904-byte string"),
    "cut vocabulary": (raw_gguf([kv_bytes("v", array(STRING, ["abc"] * 70))[:-300]]),
                       r"truncated \(at least \d+ bytes short in the metadata\)"),
    "2^60 u64 array": (raw_gguf([string_bytes("a") + u32(ARRAY) + u32(U64) + u64(2**60) + bytes(64)]),
                       r"key 'a' claims an array of 1152921504606846976 elements"),
    "2^30 strings": (raw_gguf([string_bytes("a") + u32(ARRAY) + u32(STRING) + u64(2**30) + bytes(64)]),
                     r"truncated \(at least 8,589,934,\d+ bytes short in the metadata\)"),
    "value type 200": (raw_gguf([string_bytes("weird") + u32(200) + bytes(8)]),
                       r"key 'weird' has the unknown value type 200"),
    "array of type 77": (raw_gguf([string_bytes("a") + u32(ARRAY) + u32(77) + u64(1) + bytes(8)]),
                         r"key 'a' has the unknown value type 77"),
    "arrays 3 deep": (gguf_bytes({"a": array(ARRAY, [array(ARRAY, [array(U8, [1])])])}),
                      r"key 'a' nests arrays more than 2 deep"),
    "key not UTF-8": (raw_gguf([kv_bytes(b"\xff\xfe", 1)]), r"metadata key 0 is not valid UTF-8"),
    "empty key": (raw_gguf([kv_bytes("", 1)]), r"metadata key 0 is empty"),
    "repeated key": (raw_gguf([kv_bytes("a", 1), kv_bytes("a", 2)]), r"the key 'a' appears twice"),
    "alignment 48": (gguf_bytes({"general.alignment": 48}), r"its alignment 48 is not a power of two"),
    "alignment 0": (gguf_bytes({"general.alignment": 0}), r"its alignment 0 is not a power of two"),
    "alignment u64": (gguf_bytes({"general.alignment": Value(U64, 32)}),
                      r"general\.alignment is not a uint32"),
    "5 dims": (gguf_bytes({}, [("t", [1, 1, 1, 1, 1], F32_TYPE, None)]), r"tensor 't' has 5 dimensions"),
    "dim 0": (gguf_bytes({}, [("t", [4, 0], F32_TYPE, b"")]),
              r"tensor 't' has the impossible shape \[4, 0\]"),
    "overflowing dims": (gguf_bytes({}, [("t", [2**32, 2**32], F32_TYPE, b"")]), r"impossible shape"),
    "unknown tensor type": (gguf_bytes({}, [("t", [32], 99, bytes(32))]),
                            r"uses a tensor type \(99\) that this Parley's llama.cpp does not know"),
    "row not in blocks": (gguf_bytes({}, [("t", [33, 2], Q4_0_TYPE, bytes(36))]),
                          r"tensor 't' has rows of 33 values, not a multiple of the Q4_0 block of 32"),
    "repeated tensor": (gguf_bytes({}, [("t", [8], F32_TYPE, None), ("t", [8], F32_TYPE, None)]),
                        r"the tensor 't' appears twice"),
    "long tensor name": (gguf_bytes({}, [("n" * 64, [8], F32_TYPE, None)]), r"is longer than 63 bytes"),
    "unaligned offset": (raw_gguf([], [tensor_info_bytes("t", [8], F32_TYPE, 4)], bytes(64)),
                         r"tensor 't' is not aligned to 32 bytes"),
    "overlapping": (raw_gguf([], [tensor_info_bytes("a", [16], F32_TYPE, 0),
                                  tensor_info_bytes("b", [16], F32_TYPE, 32)], bytes(128)),
                    r"tensor 'b' overlaps the tensor before it at offset 32"),
    "gap": (raw_gguf([], [tensor_info_bytes("t", [8], F32_TYPE, 2**62)], bytes(32)),
            r"tensor 't' leaves a gap at offset 4611686018427387904"),
    "tensor list cut": (fixed_header(1, 0) + tensor_info_bytes("token_embd.weight", [8], F32_TYPE, 0)[:40],
                        r"truncated \(at least 1 byte short in the tensor list\)"),
    "data cut": (raw_gguf([], [tensor_info_bytes("t", [8], F32_TYPE, 0)], bytes(20)),
                 r"truncated \(at least 12 bytes short in the tensor data\)"),
}


@pytest.mark.parametrize("content, reason", LIES.values(), ids=LIES.keys())
def test_each_bad_file_gets_its_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=reason) as caught:
        read_header(path)
    assert_one_sentence(str(caught.value), "model.gguf")


def assert_one_sentence(message: str, name: str) -> None:
    """Messages name the file and are one sentence: what happened; what to do."""
    assert name in message and message.endswith(".") and "\n" not in message
    assert message.count("; ") == 1 and ". " not in message, message


@pytest.mark.parametrize("cut", [24, 100, 1000, 200_000, 1_700_000, 1_780_000])
def test_the_bundled_model_cut_short_in_its_header(model_path: Path, tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.gguf"
    with model_path.open("rb") as source:
        path.write_bytes(source.read(cut))
    with pytest.raises(ModelFileError, match=r"cut\.gguf is truncated \(at least [\d,]+ bytes short in the"):
        read_header(path)


@pytest.fixture(scope="module")
def model_copy(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full copy of the bundled model per module (it is ~100 MB), for tests that damage it."""
    return Path(shutil.copyfile(model_path, tmp_path_factory.mktemp("copy") / "copy.gguf"))


def test_the_bundled_model_cut_short_in_its_tensor_data(model_copy: Path) -> None:
    os.truncate(model_copy, model_copy.stat().st_size - 4096)
    with pytest.raises(ModelFileError, match=r"truncated \(at least 4,096 bytes short in the tensor data\)"):
        read_header(model_copy)


@pytest.mark.parametrize("make, reason", [
    (lambda path: path.mkdir(), r"is a folder, not a model file; choose a \.gguf file"),
    (lambda path: None, r"does not exist; choose another model file"),
    (lambda path: os.mkfifo(path), r"is not a regular file; choose a \.gguf file"),
], ids=["folder", "missing", "pipe"])
def test_things_that_are_not_files(tmp_path: Path, make: Callable[[Path], None], reason: str) -> None:
    path = tmp_path / "model.gguf"
    make(path)
    with pytest.raises(ModelFileError, match=reason) as caught:
        read_header(path)
    assert_one_sentence(str(caught.value), "model.gguf")


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_gguf(tmp_path / "locked.gguf", {})

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ModelFileError, match=r"locked\.gguf cannot be read \(Permission denied\); check its"):
        read_header(path)


@pytest.mark.parametrize("lie", ["2^63 keys", "2^62-byte key", "2^62-byte value", "2^60 u64 array",
                                 "2^30 strings", "gap", "overflowing dims"])
def test_huge_claims_allocate_nothing_and_fail_at_once(tmp_path: Path, lie: str) -> None:
    path = tmp_path / "lie.gguf"
    path.write_bytes(LIES[lie][0])
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ModelFileError):
            read_header(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000
    assert time.perf_counter() - started < 1.0  # a guard against walking the claim, not a benchmark


# -- tables and helpers --------------------------------------------------------------------------


@pytest.mark.parametrize("count, text", [
    (0, "0"), (999, "999"), (1500, "1.5K"), (134_515_008, "135M"), (999_600_000, "1B"),
    (1_711_376_384, "1.7B"), (7_241_732_096, "7.2B"), (70_000_000_000, "70B"), (1_200_000_000_000, "1.2T"),
])
def test_parameter_text(count: int, text: str) -> None:
    assert parameter_text(count) == text


def _llama_cpp_dir() -> Path:
    spec = importlib.util.find_spec("llama_cpp")  # finds the package without importing (loading) it
    if spec is None or spec.origin is None:
        pytest.skip("llama-cpp-python is not installed")
    return Path(spec.origin).parent


def test_tensor_types_match_the_bundled_ggml() -> None:
    libraries = sorted((_llama_cpp_dir() / "lib").glob("*ggml-base.*"))
    if not libraries:
        pytest.skip("no ggml-base library next to llama_cpp")
    ggml = ctypes.CDLL(str(libraries[0]))
    ggml.ggml_blck_size.restype, ggml.ggml_type_size.restype = ctypes.c_int64, ctypes.c_size_t
    ggml.ggml_type_name.restype = ctypes.c_char_p
    declared = re.search(r"^GGML_TYPE_COUNT = (\d+)$", (_llama_cpp_dir() / "llama_cpp.py").read_text(), re.M)
    assert declared
    count = int(declared.group(1))  # asking ggml about ids past its count would read past its table
    native = {type_id: (ggml.ggml_type_name(type_id).decode().upper(), ggml.ggml_blck_size(type_id),
                        ggml.ggml_type_size(type_id)) for type_id in range(count)}
    assert {type_id: traits for type_id, traits in native.items() if traits[1]} == GGML_TYPES


def test_file_types_match_llama_h() -> None:
    source = (_llama_cpp_dir() / "llama_cpp.py").read_text()
    declared = {int(number): name for name, number in
                re.findall(r"^LLAMA_FTYPE_(?:ALL|MOSTLY)_(\w+) = (\d+)$", source, re.MULTILINE)}
    assert declared == FILE_TYPES

"""Loading through the real llama.cpp: bad files, progress, cancel, GPU fallback, memory.

Each bad file gets its own sentence, and the same engine then loads the good model: a failed
load never leaves the engine unusable.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import llama_cpp
import pytest

from app.core.errors import ParleyError
from app.core.generation import ChatMessage, GenerationRequest, LoadRequest
from app.core.gguf_header import read_header
from app.core.load_errors import LoadCancelled
from app.core.memory import estimate_memory
from app.core.offload import GpuDevice, OffloadSupport
from app.core.settings import Settings
from app.engine import gpu, llama_log, loading
from app.engine.llama_engine import LlamaEngine
from tests.gguf_files import fixed_header, raw_gguf, rewrite_metadata

pytestmark = pytest.mark.model

SMALL = Settings({"n_ctx": 512})


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaEngine]:
    engine = LlamaEngine()
    yield engine
    engine.close()


def load(engine: LlamaEngine, path: Path, settings: Settings = SMALL,
         on_progress: Callable[[float], None] = lambda _: None, request: LoadRequest | None = None):
    return engine.load(request or LoadRequest(path, settings), on_progress)


@pytest.fixture(scope="module")
def truncated_model(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model with its last 64 KB of tensor data missing."""
    path = tmp_path_factory.mktemp("bad") / "cut-short.gguf"
    path.write_bytes(model_path.read_bytes()[:-65536])
    return path


def _bad_file(kind: str, folder: Path, model_path: Path) -> Path:
    path = folder / f"{kind}.gguf"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "random":
        path.write_bytes(os.urandom(4096))
    elif kind == "bad-magic":
        path.write_bytes(b"GGML" + model_path.read_bytes()[4:4096])
    elif kind == "after-header":
        path.write_bytes(model_path.read_bytes()[:24])
    elif kind == "huge-key-count":
        path.write_bytes(fixed_header(tensor_count=0, kv_count=2**63) + b"\0" * 64)
    elif kind == "huge-string":
        path.write_bytes(raw_gguf([struct.pack("<Q", 2**62) + b"general.name"], kv_count=1))
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize("kind, reason", [
    ("empty", "is empty"),
    ("random", "not a GGUF model file"),
    ("bad-magic", "not a GGUF model file"),
    ("after-header", "truncated"),
    ("huge-key-count", "corrupt header"),
    ("huge-string", "corrupt header"),
    ("folder", "is a folder"),
    ("missing", "does not exist"),
])
def test_each_bad_file_has_its_own_reason_and_the_engine_stays_usable(
        engine: LlamaEngine, tmp_path: Path, model_path: Path, kind: str, reason: str) -> None:
    path = tmp_path / "absent.gguf" if kind == "missing" else _bad_file(kind, tmp_path, model_path)
    with pytest.raises(ParleyError, match=reason) as failure:
        load(engine, path)
    assert path.name in str(failure.value) and str(failure.value).count(";") >= 1  # what to do
    assert load(engine, model_path).name == model_path.name


def test_truncated_tensor_data_is_caught_before_llama_cpp(engine: LlamaEngine,
                                                          truncated_model: Path) -> None:
    llama_log.clear()
    with pytest.raises(ParleyError, match=r"cut-short\.gguf is truncated"):
        load(engine, truncated_model)
    assert llama_log.lines() == []  # llama.cpp never saw the file


def test_an_unknown_architecture_is_named_from_llama_cpp_s_log(
        engine: LlamaEngine, model_path: Path, tmp_path: Path) -> None:
    odd = rewrite_metadata(model_path, tmp_path / "odd.gguf", {"general.architecture": "parleynet"})
    with pytest.raises(ParleyError, match=r"architecture 'parleynet'.*does not support") as failure:
        load(engine, odd)
    assert "update Parley" in str(failure.value)


def test_a_broken_chat_template_is_named(engine: LlamaEngine, model_path: Path, tmp_path: Path) -> None:
    broken = rewrite_metadata(model_path, tmp_path / "broken-template.gguf",
                              {"tokenizer.chat_template": "{% for message in messages %}{{ oops"})
    with pytest.raises(ParleyError, match=r"chat template inside broken-template\.gguf is broken"):
        load(engine, broken)


def test_progress_comes_from_llama_cpp_and_reaches_the_end(engine: LlamaEngine, model_path: Path) -> None:
    seen: list[float] = []
    load(engine, model_path, Settings({"n_ctx": 512, "use_mmap": False}), seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_cancelling_from_the_progress_callback_stops_the_load(engine: LlamaEngine,
                                                              model_path: Path) -> None:
    request = LoadRequest(model_path, Settings({"n_ctx": 512, "use_mmap": False}))
    with pytest.raises(LoadCancelled):
        load(engine, model_path, on_progress=lambda _: request.cancel.set(), request=request)
    assert engine.info is None
    assert load(engine, model_path).name == model_path.name  # and a new load works


def test_the_progress_hook_is_removed_after_a_load(engine: LlamaEngine, model_path: Path) -> None:
    factory = llama_cpp.llama_cpp.llama_model_default_params
    load(engine, model_path)
    assert llama_cpp.llama_cpp.llama_model_default_params is factory


def _buffer_mib(kind: str) -> float:
    sizes = [float(m.group(1)) for line in llama_log.lines()
             if (m := re.search(rf"{kind} buffer size =\s+([\d.]+) MiB", line))]
    return sum(sizes)


def test_the_memory_estimate_matches_what_llama_cpp_allocates(engine: LlamaEngine,
                                                              model_path: Path) -> None:
    settings = Settings({"n_ctx": 2048, "n_batch": 512})
    load(engine, model_path, settings)
    allocated = (_buffer_mib("model") + _buffer_mib("KV") + _buffer_mib("compute")) * 2**20
    estimate = estimate_memory(read_header(model_path), 2048, 512)
    assert _buffer_mib("KV") * 2**20 == pytest.approx(estimate.kv_bytes, rel=0.02)
    assert estimate.total_bytes == pytest.approx(allocated, rel=0.15)


def test_gpu_out_of_memory_falls_back_to_the_cpu_and_says_so(
        engine: LlamaEngine, model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A simulated 24 GB GPU that fails every allocation: the model must end up on the CPU."""
    fake_gpu = OffloadSupport(True, (GpuDevice("CUDA0", "Simulated GPU", 24 * 2**30, 24 * 2**30),))
    monkeypatch.setattr(loading, "probe_offload", lambda: fake_gpu)
    real_llama = llama_cpp.Llama
    attempts: list[int] = []

    def llama_on_a_full_gpu(**params):
        attempts.append(params["n_gpu_layers"])
        if params["n_gpu_layers"]:
            llama_log.clear()
            raise ValueError("Failed to load model from file")
        return real_llama(**params)

    monkeypatch.setattr(llama_cpp, "Llama", llama_on_a_full_gpu)
    info = load(engine, model_path, Settings({"n_ctx": 512, "n_gpu_layers": -1}))
    assert attempts == [31, 15, 0]
    assert info.gpu_layers == 0 and str(info.placement) == "CPU"
    assert info.note is not None and str(info.note).startswith("Loaded on CPU:")
    assert "at all layers" in str(info.note)
    generated = engine.generate(GenerationRequest([ChatMessage("user", "Hi")],
                                                  Settings({"max_tokens": 4}).sampling(), 1),
                                lambda _: None)
    assert generated.completion_tokens > 0


def test_this_build_reports_its_offload_truthfully() -> None:
    support = gpu.probe_offload()
    assert support.supported == bool(llama_cpp.llama_supports_gpu_offload())
    assert all(device.total_bytes > 0 for device in support.devices)


@pytest.mark.skipif(not gpu.probe_offload().usable, reason="no GPU build and GPU here")
def test_a_real_gpu_gets_the_layers(engine: LlamaEngine, model_path: Path) -> None:
    info = load(engine, model_path, Settings({"n_ctx": 512, "n_gpu_layers": -1}))
    assert info.gpu_layers == info.total_layers == 31
    assert llama_log.offloaded_layers() == (31, 31)


def test_too_little_memory_is_a_sentence_not_a_crash(model_path: Path, tmp_path: Path) -> None:
    """With the address space capped, the KV cache of a huge context cannot be allocated."""
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from app.core.generation import LoadRequest\n"
        "from app.core.settings import Settings\n"
        "from app.engine.llama_engine import LlamaEngine\n"
        "from app.core.errors import ParleyError\n"
        "engine = LlamaEngine()\n"
        "limit = 3 * 2**30\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "try:\n"
        "    engine.load(LoadRequest(Path(sys.argv[1]), Settings({'n_ctx': 131072})), lambda _: None)\n"
        "except ParleyError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(model_path)], capture_output=True,
                            text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "not enough memory to load SmolLM2-135M-Instruct.Q4_1.gguf" in result.stdout


"""GPU layer planning and the fallback ladder, with simulated GPUs and simulated failures."""

from __future__ import annotations

import pytest

from app.core.load_errors import LoadFailure, ModelLoadError
from app.core.memory import MemoryEstimate
from app.core.offload import (
    AUTO,
    GpuDevice,
    OffloadSupport,
    fewer_layers,
    load_with_fallback,
    placement_text,
    plan_gpu_layers,
)

GIB = 2**30
# A 7B-like model: 32 repeating layers + output = 33 offloadable, 4 GiB of weights.
ESTIMATE = MemoryEstimate(weights_bytes=4 * GIB, kv_bytes=1 * GIB, compute_bytes=GIB // 2,
                          n_ctx=4096, offloadable_layers=33)
NO_GPU_BUILD = OffloadSupport(False)


def gpu(free_gib: float) -> OffloadSupport:
    return OffloadSupport(True, (GpuDevice("CUDA0", "Test GPU", int(free_gib * GIB), 24 * GIB),))


def test_zero_layers_always_means_the_cpu() -> None:
    assert plan_gpu_layers(0, gpu(24), ESTIMATE).layers == 0


def test_auto_on_a_cpu_build_is_the_cpu_without_a_complaint() -> None:
    plan = plan_gpu_layers(AUTO, NO_GPU_BUILD, ESTIMATE)
    assert plan.layers == 0 and plan.note is None


def test_asking_for_layers_on_a_cpu_build_says_why_they_are_not_used() -> None:
    plan = plan_gpu_layers(20, NO_GPU_BUILD, ESTIMATE)
    assert plan.layers == 0
    assert "cannot use a GPU" in str(plan.note)
    assert "sees no GPU" in str(plan_gpu_layers(20, OffloadSupport(True), ESTIMATE).note)


def test_auto_offloads_everything_when_the_gpu_has_room() -> None:
    assert plan_gpu_layers(AUTO, gpu(24), ESTIMATE).layers == 33


def test_auto_fits_part_of_the_model_into_the_free_video_memory() -> None:
    plan = plan_gpu_layers(AUTO, gpu(3), ESTIMATE)
    per_layer = (5 * GIB) // 33
    budget = 3 * GIB - 512 * 2**20 - GIB // 2
    assert plan.layers == budget // per_layer
    assert 0 < plan.layers < 33


def test_auto_on_a_full_gpu_stays_on_the_cpu_and_says_so() -> None:
    plan = plan_gpu_layers(AUTO, gpu(0.5), ESTIMATE)
    assert plan.layers == 0 and "only 536.9 MB free" in str(plan.note)


def test_a_number_is_capped_at_the_model_s_layers() -> None:
    assert plan_gpu_layers(99, gpu(24), ESTIMATE).layers == 33
    assert plan_gpu_layers(10, gpu(24), ESTIMATE).layers == 10


def test_the_ladder_halves_then_goes_to_the_cpu() -> None:
    assert fewer_layers(33, 33) == [16, 0]
    assert fewer_layers(AUTO, 33) == [16, 0]
    assert fewer_layers(1, 33) == [0]
    assert fewer_layers(0, 33) == []


class SimulatedGpu:
    """Fails every attempt with more than ``fits`` layers the way llama.cpp does."""

    def __init__(self, fits: int, kind: LoadFailure = LoadFailure.MEMORY) -> None:
        self.fits = fits
        self.kind = kind
        self.attempts: list[int] = []

    def __call__(self, layers: int) -> str:
        self.attempts.append(layers)
        if layers > self.fits:
            raise ModelLoadError("cudaMalloc failed: out of memory", self.kind)
        return f"model with {layers} layers"


def test_a_gpu_out_of_memory_falls_back_to_the_cpu_and_says_exactly_that() -> None:
    gpu_attempts = SimulatedGpu(fits=0)
    model, layers, note = load_with_fallback(gpu_attempts, plan_gpu_layers(33, gpu(24), ESTIMATE))
    assert (model, layers) == ("model with 0 layers", 0)
    assert gpu_attempts.attempts == [33, 16, 0]
    assert str(note) == "Loaded on CPU: the GPU ran out of memory at all layers."


def test_fewer_layers_are_kept_when_they_fit() -> None:
    gpu_attempts = SimulatedGpu(fits=20)
    _, layers, note = load_with_fallback(gpu_attempts, plan_gpu_layers(30, gpu(24), ESTIMATE))
    assert layers == 15 and gpu_attempts.attempts == [30, 15]
    assert str(note) == "Loaded with 15 layers on the GPU: the GPU ran out of memory at 30 layers."


def test_a_broken_file_is_not_retried() -> None:
    gpu_attempts = SimulatedGpu(fits=-1, kind=LoadFailure.ARCHITECTURE)
    with pytest.raises(ModelLoadError):
        load_with_fallback(gpu_attempts, plan_gpu_layers(33, gpu(24), ESTIMATE))
    assert gpu_attempts.attempts == [33]


def test_when_even_the_cpu_fails_its_reason_is_raised() -> None:
    gpu_attempts = SimulatedGpu(fits=-1)
    with pytest.raises(ModelLoadError, match="out of memory"):
        load_with_fallback(gpu_attempts, plan_gpu_layers(33, gpu(24), ESTIMATE))
    assert gpu_attempts.attempts == [33, 16, 0]


def test_placement_text() -> None:
    assert str(placement_text(0, 31)) == "CPU"
    assert str(placement_text(31, 31)) == "GPU 31/31 layers"
    assert str(placement_text(31, None)) == "GPU 31 layers"
    assert str(gpu(2).describe()) == "GPUs: Test GPU (2.1 GB of 25.8 GB free)"
    assert "CPU only" in str(NO_GPU_BUILD.describe())

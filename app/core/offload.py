"""GPU offload: how many layers to put on the GPU, the fallback when that fails, and the truth
about where the model ended up.

The "GPU layers" setting is Auto (-1), 0 (CPU only) or a number. Auto fits as many layers as
the free video memory holds, after a safety margin. If llama.cpp fails to load with some
layers on the GPU, the load is retried with half as many, then on the CPU, and the user is
told exactly what happened ("Loaded on CPU: the GPU ran out of memory at 33 layers").
Plain logic, no llama.cpp: the engine supplies the devices and the attempts. What the user is
told is a ``Phrase``: English as ``str()``, translated where the GUI shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from app.core.errors import Joined, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.load_errors import LoadFailure, ModelLoadError
from app.core.memory import MemoryEstimate
from app.core.units import size_text

AUTO = -1
MARGIN_BYTES = 512 * 2**20     # left free on the GPU for the driver and other programs
MARGIN_FRACTION = 0.10

T = TypeVar("T")


@dataclass(frozen=True)
class GpuDevice:
    """A device llama.cpp can offload to, with its memory as the driver reports it."""

    name: str
    description: str
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class OffloadSupport:
    """Whether this llama.cpp build can offload, and the GPUs it sees."""

    supported: bool
    devices: tuple[GpuDevice, ...] = ()

    @property
    def usable(self) -> bool:
        """Offloading is possible: a GPU build with at least one GPU."""
        return self.supported and bool(self.devices)

    @property
    def free_bytes(self) -> int:
        """Free video memory over every GPU."""
        return sum(device.free_bytes for device in self.devices)

    def describe(self) -> Phrase:
        """One line for the About box and ``parley models``: the build and its GPUs."""
        if not self.supported:
            return Phrase(QT_TRANSLATE_NOOP(
                "Errors", "This llama.cpp build runs on the CPU only (no GPU support compiled in)."))
        if not self.devices:
            return Phrase(QT_TRANSLATE_NOOP(
                "Errors", "This llama.cpp build supports GPUs, but it sees none."))
        return Phrase(QT_TRANSLATE_NOOP("Errors", "GPUs: {devices}"), devices=Joined("; ", (
            Phrase(QT_TRANSLATE_NOOP("Errors", "{name} ({free} of {total} free)"),
                   name=d.description or d.name, free=size_text(d.free_bytes),
                   total=size_text(d.total_bytes))
            for d in self.devices)))


@dataclass(frozen=True)
class LayerPlan:
    """The layers to ask llama.cpp for first, and a note when the setting could not be honoured."""

    layers: int
    total: int | None
    note: Phrase | None = None


def plan_gpu_layers(setting: int, support: OffloadSupport, estimate: MemoryEstimate | None,
                    ) -> LayerPlan:
    """The first attempt's GPU layers for the ``n_gpu_layers`` ``setting``."""
    total = estimate.offloadable_layers if estimate else None
    if setting == 0:
        return LayerPlan(0, total)
    if not support.usable:
        if setting == AUTO:
            return LayerPlan(0, total)
        if not support.supported:
            return LayerPlan(0, total, Phrase(QT_TRANSLATE_NOOP(
                "Errors", "The model runs on the CPU because this llama.cpp build cannot use a GPU; "
                          "install a GPU build as the README explains.")))
        return LayerPlan(0, total, Phrase(QT_TRANSLATE_NOOP(
            "Errors", "The model runs on the CPU because llama.cpp sees no GPU; check the GPU driver.")))
    if setting != AUTO:
        return LayerPlan(min(setting, total) if total else setting, total)
    if estimate is None or not total:
        return LayerPlan(AUTO, total)  # nothing to measure with: let llama.cpp try them all
    budget = support.free_bytes - max(MARGIN_BYTES, int(support.free_bytes * MARGIN_FRACTION))
    fitting = max(0, min(total, int((budget - estimate.compute_bytes) // estimate.bytes_per_layer)))
    note = None if fitting else Phrase(QT_TRANSLATE_NOOP(
        "Errors", "The model runs on the CPU because the GPU has only {free} free."),
        free=size_text(support.free_bytes))
    return LayerPlan(fitting, total, note)


def fewer_layers(layers: int, total: int | None) -> list[int]:
    """The attempts after ``layers`` failed: half as many, then none (the CPU)."""
    first = total if layers == AUTO and total else layers
    if first == AUTO or first <= 1:
        return [0] if first != 0 else []
    return [first // 2, 0]


def load_with_fallback(attempt: Callable[[int], T], plan: LayerPlan,
                       ) -> tuple[T, int, Phrase | None]:
    """Call ``attempt(layers)`` with the plan's layers, then fewer after a GPU failure.

    Returns the result, the layers it loaded with, and a note for the user when it fell back.
    Failures that fewer layers cannot fix (a broken file) are raised at once.
    """
    try:
        return attempt(plan.layers), plan.layers, plan.note
    except ModelLoadError as first_error:
        if plan.layers == 0 or not first_error.worth_retrying_with_fewer_gpu_layers:
            raise
        failed_at, error = plan.layers, first_error
    for layers in fewer_layers(plan.layers, plan.total):
        try:
            result = attempt(layers)
        except ModelLoadError as again:
            if not again.worth_retrying_with_fewer_gpu_layers:
                raise
            error = again
            continue
        return result, layers, fallback_note(layers, failed_at, plan.total, error)
    raise error


def fallback_note(layers: int, failed_at: int, total: int | None, error: ModelLoadError) -> Phrase:
    """ "Loaded on CPU: the GPU ran out of memory at 33 layers", and the like."""
    asked = (Phrase(QT_TRANSLATE_NOOP("Errors", "all layers")) if failed_at in (AUTO, total)
             else Phrase(QT_TRANSLATE_NOOP("Errors", "{layers} layers"), layers=failed_at))
    why = (Phrase(QT_TRANSLATE_NOOP("Errors", "the GPU ran out of memory"))
           if error.kind is LoadFailure.MEMORY
           else Phrase(QT_TRANSLATE_NOOP("Errors", "loading on the GPU failed ({error})"), error=error))
    where = (Phrase(QT_TRANSLATE_NOOP("Errors", "on CPU")) if layers == 0
             else Phrase(QT_TRANSLATE_NOOP("Errors", "with {layers} layers on the GPU"), layers=layers))
    return Phrase(QT_TRANSLATE_NOOP("Errors", "Loaded {where}: {why} at {asked}."),
                  where=where, why=why, asked=asked)


def placement_text(gpu_layers: int, total: int | None) -> Phrase:
    """Where the model runs, for the status bar: "CPU" or "GPU 33/33 layers"."""
    if gpu_layers <= 0:
        return Phrase(QT_TRANSLATE_NOOP("Errors", "CPU"))
    if total:
        return Phrase(QT_TRANSLATE_NOOP("Errors", "GPU {layers}/{total} layers"),
                      layers=gpu_layers, total=total)
    return Phrase(QT_TRANSLATE_NOOP("Errors", "GPU {layers} layers"), layers=gpu_layers)


"""How much memory a model will need, and how much the machine has free.

The estimate is read from the GGUF header alone: the weights (the tensor data), the KV cache
for the chosen context length (keys and values in f16 for every layer), and llama.cpp's compute
buffer (dominated by one batch of logits, or of attention scores on long contexts). For the
bundled model a test compares it with the buffer sizes llama.cpp itself logs.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import Phrase
from app.core.gguf_header import GgufHeader
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.units import size_text

KV_BYTES_PER_VALUE = 2          # f16 keys and values, llama.cpp's default cache type
FLOAT_BYTES = 4
MAX_MICRO_BATCH = 512           # llama.cpp's default n_ubatch caps the batch a step computes
MEMINFO = Path("/proc/meminfo")


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a model needs at one context length."""

    weights_bytes: int
    kv_bytes: int
    compute_bytes: int
    n_ctx: int
    offloadable_layers: int | None  # llama.cpp's n_gpu_layers counts the output layer too

    @property
    def total_bytes(self) -> int:
        """Weights, KV cache and compute buffer together."""
        return self.weights_bytes + self.kv_bytes + self.compute_bytes

    @property
    def bytes_per_layer(self) -> int:
        """What one offloaded layer costs on the GPU (weights and its share of the cache)."""
        return (self.weights_bytes + self.kv_bytes) // max(1, self.offloadable_layers or 1)


def estimate_memory(header: GgufHeader, n_ctx: int, n_batch: int = MAX_MICRO_BATCH) -> MemoryEstimate:
    """The memory ``header``'s model needs with a context of ``n_ctx`` tokens."""
    layers = header.block_count
    kv_per_token = 0
    if layers and header.head_count_kv and header.key_length and header.value_length:
        kv_per_token = layers * header.head_count_kv * (header.key_length + header.value_length)
    micro_batch = min(n_batch, MAX_MICRO_BATCH)
    widest = max(_vocabulary_size(header), n_ctx * (header.head_count or 1))
    return MemoryEstimate(
        weights_bytes=header.tensor_data_bytes,
        kv_bytes=kv_per_token * n_ctx * KV_BYTES_PER_VALUE,
        compute_bytes=micro_batch * widest * FLOAT_BYTES,
        n_ctx=n_ctx,
        offloadable_layers=layers + 1 if layers else None,
    )


def _vocabulary_size(header: GgufHeader) -> int:
    declared = header.metadata.get(f"{header.architecture}.vocab_size")
    if isinstance(declared, int):
        return declared
    tokens = header.metadata.get("tokenizer.ggml.tokens")
    length = getattr(tokens, "length", None)
    if isinstance(length, int):
        return length
    return len(tokens) if isinstance(tokens, tuple) else 0


def fit_warning(file_name: str, estimate: MemoryEstimate, free_ram: int | None,
                free_vram: int = 0) -> Phrase | None:
    """A plain sentence when the model will not fit in free RAM plus free video memory."""
    if free_ram is None:
        return None
    free = free_ram + free_vram
    if estimate.total_bytes <= free:
        return None
    where = (Phrase(QT_TRANSLATE_NOOP("Errors", "memory")) if not free_vram
             else Phrase(QT_TRANSLATE_NOOP("Errors", "memory (RAM and GPU together)")))
    return Phrase(QT_TRANSLATE_NOOP(
        "Errors", "{file} needs about {needed} at a context of {tokens} tokens, but only {free} of "
                  "{where} is free, so it will not fit; choose a smaller model or quantization, or "
                  "lower the context length."),
        file=file_name, needed=size_text(estimate.total_bytes), tokens=f"{estimate.n_ctx:,}",
        free=size_text(free), where=where)


def available_ram() -> int | None:
    """Bytes of RAM available to a new program now, or None where that cannot be told."""
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if sys.platform == "win32":
        return _windows_available_ram()
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _windows_available_ram() -> int | None:
    class MemoryStatus(ctypes.Structure):
        _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong),
                    ("total_phys", ctypes.c_ulonglong), ("avail_phys", ctypes.c_ulonglong),
                    ("total_page", ctypes.c_ulonglong), ("avail_page", ctypes.c_ulonglong),
                    ("total_virtual", ctypes.c_ulonglong), ("avail_virtual", ctypes.c_ulonglong),
                    ("avail_extended", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.length = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None
    return int(status.avail_phys)


"""What Parley tells people about a model file, from its header alone: the one description
shared by the Models dialog and ``parley models``.
"""

from __future__ import annotations

from typing import Any

from app.core.gguf_header import GgufHeader, parameter_text
from app.core.memory import MemoryEstimate, fit_warning
from app.core.offload import OffloadSupport
from app.core.units import size_text


def model_facts(header: GgufHeader, estimate: MemoryEstimate) -> dict[str, Any]:
    """The header's facts and the memory estimate, JSON-ready."""
    return {
        "general_name": header.name, "license": header.license,
        "architecture": header.architecture, "parameters": header.parameter_count,
        "quantization": header.quantization, "trained_context": header.context_length,
        "chat_template": header.has_chat_template, "file_size": header.file_size,
        "memory": {"n_ctx": estimate.n_ctx, "total": estimate.total_bytes,
                   "weights": estimate.weights_bytes, "kv_cache": estimate.kv_bytes,
                   "compute": estimate.compute_bytes},
    }


def fact_lines(header: GgufHeader, estimate: MemoryEstimate) -> list[str]:
    """The facts as lines of plain text."""
    lines = []
    if header.name or header.license:
        lines.append(" · ".join(part for part in (
            header.name and f"Name: {header.name}",
            header.license and f"License: {header.license}") if part))
    trained = f"{header.context_length:,} tokens" if header.context_length else "not stated"
    lines += [
        f"Architecture: {header.architecture or 'not stated'} · "
        f"Parameters: {parameter_text(header.parameter_count)} · "
        f"Quantization: {header.quantization}",
        f"Trained context: {trained} · "
        f"Chat template: {'included' if header.has_chat_template else 'none (a generic one is used)'}",
        f"File size: {size_text(header.file_size)}",
        f"Memory at a context of {estimate.n_ctx:,} tokens: about {size_text(estimate.total_bytes)} "
        f"(weights {size_text(estimate.weights_bytes)}, KV cache {size_text(estimate.kv_bytes)}, "
        f"working buffers {size_text(estimate.compute_bytes)})",
    ]
    return lines


def free_memory_line(free_ram: int | None, support: OffloadSupport) -> str:
    """Free RAM and, with a GPU, free video memory, as one line."""
    ram = size_text(free_ram) if free_ram is not None else "unknown"
    gpu = f"GPU {size_text(support.free_bytes)}" if support.usable else "no GPU in use"
    return f"Free now: RAM {ram} · {gpu}"


def memory_warning(header: GgufHeader, estimate: MemoryEstimate, free_ram: int | None,
                   support: OffloadSupport) -> str | None:
    """The plain warning when the model will not fit, else None."""
    return fit_warning(header.path.name, estimate, free_ram,
                       support.free_bytes if support.usable else 0)

"""What Parley tells people about a model file, from its header alone: the one description
shared by the Models dialog and ``parley models``. The lines are ``Phrase``s: English as
``str()`` for the command line, translated where the dialog shows them.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import Joined, Phrase
from app.core.gguf_header import UNKNOWN_QUANTIZATION, GgufHeader, parameter_text
from app.core.i18n import QT_TRANSLATE_NOOP
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


def fact_lines(header: GgufHeader, estimate: MemoryEstimate) -> list[Phrase]:
    """The facts as lines of plain text (``str()`` of each is the English line)."""
    lines: list[Phrase] = []
    names: list[Phrase] = []
    if header.name:
        names.append(Phrase(QT_TRANSLATE_NOOP("Errors", "Name: {name}"), name=header.name))
    if header.license:
        names.append(Phrase(QT_TRANSLATE_NOOP("Errors", "License: {license}"), license=header.license))
    if names:
        lines.append(Joined(" · ", names))
    not_stated = Phrase(QT_TRANSLATE_NOOP("Errors", "not stated"))
    trained = (Phrase(QT_TRANSLATE_NOOP("Errors", "{tokens} tokens"), tokens=f"{header.context_length:,}")
               if header.context_length else not_stated)
    quantization = (Phrase(QT_TRANSLATE_NOOP("Errors", "unknown"))
                    if header.quantization == UNKNOWN_QUANTIZATION else header.quantization)
    template = (Phrase(QT_TRANSLATE_NOOP("Errors", "included")) if header.has_chat_template
                else Phrase(QT_TRANSLATE_NOOP("Errors", "none (a generic one is used)")))
    lines += [
        Phrase(QT_TRANSLATE_NOOP(
            "Errors", "Architecture: {architecture} · Parameters: {parameters} · "
                      "Quantization: {quantization}"),
            architecture=header.architecture or not_stated,
            parameters=parameter_text(header.parameter_count), quantization=quantization),
        Phrase(QT_TRANSLATE_NOOP("Errors", "Trained context: {trained} · Chat template: {template}"),
               trained=trained, template=template),
        Phrase(QT_TRANSLATE_NOOP("Errors", "File size: {size}"), size=size_text(header.file_size)),
        Phrase(QT_TRANSLATE_NOOP(
            "Errors", "Memory at a context of {tokens} tokens: about {total} (weights {weights}, "
                      "KV cache {kv_cache}, working buffers {compute})"),
            tokens=f"{estimate.n_ctx:,}", total=size_text(estimate.total_bytes),
            weights=size_text(estimate.weights_bytes), kv_cache=size_text(estimate.kv_bytes),
            compute=size_text(estimate.compute_bytes)),
    ]
    return lines


def free_memory_line(free_ram: int | None, support: OffloadSupport) -> Phrase:
    """Free RAM and, with a GPU, free video memory, as one line."""
    ram = size_text(free_ram) if free_ram is not None else Phrase(QT_TRANSLATE_NOOP("Errors", "unknown"))
    gpu = (f"GPU {size_text(support.free_bytes)}" if support.usable
           else Phrase(QT_TRANSLATE_NOOP("Errors", "no GPU in use")))
    return Phrase(QT_TRANSLATE_NOOP("Errors", "Free now: RAM {ram} · {gpu}"), ram=ram, gpu=gpu)


def memory_warning(header: GgufHeader, estimate: MemoryEstimate, free_ram: int | None,
                   support: OffloadSupport) -> Phrase | None:
    """The plain warning when the model will not fit, else None."""
    return fit_warning(header.path.name, estimate, free_ram,
                       support.free_bytes if support.usable else 0)

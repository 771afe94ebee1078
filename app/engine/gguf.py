"""Checking a model file before llama.cpp sees it, so a bad file gets a clear reason.

llama.cpp reports every bad file as "Failed to load model from file"; reading the GGUF header
in Python first tells missing, unreadable, non-GGUF and truncated files apart.
"""

from __future__ import annotations

import struct
from pathlib import Path

from app.core.errors import ParleyError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
HEADER_SIZE = 24  # magic, version (u32), tensor count (u64), metadata count (u64)


class ModelFileError(ParleyError):
    """The model file cannot be used."""


def check_model_file(path: Path) -> None:
    """Raise ModelFileError with a one-sentence reason if ``path`` is not a usable GGUF file."""
    if not path.exists():
        raise ModelFileError(f"The model file {path} does not exist; choose another model file.")
    if not path.is_file():
        raise ModelFileError(f"{path} is not a file; choose a .gguf model file.")
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except OSError as exc:
        raise ModelFileError(f"The model file {path} cannot be read ({exc.strerror}); "
                             "check its permissions.") from exc
    if header[:4] != GGUF_MAGIC:
        raise ModelFileError(f"{path.name} is not a GGUF model file; "
                             "Parley runs models in llama.cpp's GGUF format.")
    if len(header) < HEADER_SIZE:
        raise ModelFileError(f"The model file {path.name} is truncated; download it again.")
    (version,) = struct.unpack("<I", header[4:8])
    if version not in SUPPORTED_VERSIONS:
        raise ModelFileError(f"{path.name} uses GGUF version {version}, which this llama.cpp "
                             "cannot read; convert the model again or update Parley.")

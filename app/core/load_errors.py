"""Why a model failed to load, in one sentence with what to do next.

llama.cpp reports every failure as "Failed to load model from file"; the cause is only in its
log. The engine passes the first error line it logged here, and ``load_failure`` turns it
into a ``ModelLoadError`` of the right kind. The kind matters beyond the wording: only
memory failures (and unexplained ones) are worth retrying with fewer GPU layers.
"""

from __future__ import annotations

import enum
import re

from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP


class LoadFailure(enum.Enum):
    """What went wrong while llama.cpp loaded a model."""

    MEMORY = "memory"
    ARCHITECTURE = "architecture"
    TEMPLATE = "template"
    CORRUPT = "corrupt"
    OTHER = "other"


class ModelLoadError(ParleyError):
    """A model could not be loaded; the message says why and what to do."""

    def __init__(self, template: str = "", kind: LoadFailure = LoadFailure.OTHER, /,
                 **values: object) -> None:
        super().__init__(template, **values)
        self.kind = kind

    @property
    def worth_retrying_with_fewer_gpu_layers(self) -> bool:
        """Memory runs out on the GPU first; a broken file fails the same way on the CPU."""
        return self.kind in (LoadFailure.MEMORY, LoadFailure.OTHER)


class LoadCancelled(ParleyError):
    """The user stopped a model from loading."""


_ARCHITECTURE = re.compile(r"unknown (?:model )?architecture:? '?([^'\s]+)'?", re.IGNORECASE)
_MEMORY_WORDS = ("out of memory", "insufficient memory", "failed to allocate", "unable to allocate",
                 "cannot allocate", "bad_alloc", "not enough memory", "allocation failed",
                 "mmap failed")
_CORRUPT_WORDS = ("tensor", "data is not within the file bounds", "corrupt", "invalid",
                  "read error", "unexpectedly reached end of file", "wrong number")


def load_failure(file_name: str, detail: str, out_of_memory: bool = False) -> ModelLoadError:
    """The error for llama.cpp failing on ``file_name``, given the first error it logged."""
    lowered = detail.lower()
    if out_of_memory or any(word in lowered for word in _MEMORY_WORDS):
        return ModelLoadError(
            QT_TRANSLATE_NOOP("Errors", "There is not enough memory to load {file}; close other "
                                        "programs, lower the context length or the GPU layers, or "
                                        "choose a smaller model."),
            LoadFailure.MEMORY, file=file_name)
    if match := _ARCHITECTURE.search(detail):
        return ModelLoadError(
            QT_TRANSLATE_NOOP("Errors", "{file} uses the model architecture '{architecture}', which "
                                        "this version of llama.cpp does not support; update Parley or "
                                        "choose another model."),
            LoadFailure.ARCHITECTURE, file=file_name, architecture=match.group(1))
    if any(word in lowered for word in _CORRUPT_WORDS):
        return ModelLoadError(QT_TRANSLATE_NOOP("Errors", "{file} is damaged ({detail}); download it again."),
                              LoadFailure.CORRUPT, file=file_name, detail=detail.strip())
    if not detail.strip():
        return ModelLoadError(
            QT_TRANSLATE_NOOP("Errors", "llama.cpp could not load {file} (no reason given); the file "
                                        "may be damaged or need a newer Parley, so try downloading it "
                                        "again."),
            file=file_name)
    return ModelLoadError(
        QT_TRANSLATE_NOOP("Errors", "llama.cpp could not load {file} ({detail}); the file may be "
                                    "damaged or need a newer Parley, so try downloading it again."),
        file=file_name, detail=detail.strip())


def broken_template(file_name: str, problem: object) -> ModelLoadError:
    """The chat template stored in the model file does not compile."""
    return ModelLoadError(
        QT_TRANSLATE_NOOP("Errors", "The chat template inside {file} is broken ({problem}), so "
                                    "llama.cpp cannot use the file; choose another model file."),
        LoadFailure.TEMPLATE, file=file_name, problem=problem)


def runaway_template(file_name: str, problem: object) -> ModelLoadError:
    """The chat template stored in the model file was stopped by its limits on a sample chat."""
    return ModelLoadError(
        QT_TRANSLATE_NOOP("Errors", "The chat template inside {file} was stopped because {problem}, "
                                    "so Parley will not use the file; choose another model file."),
        LoadFailure.TEMPLATE, file=file_name, problem=problem)


def unsafe_template(file_name: str, problem: object) -> ModelLoadError:
    """The chat template stored in the model file reached for what its sandbox forbids."""
    return ModelLoadError(
        QT_TRANSLATE_NOOP("Errors", "The chat template inside {file} tried to reach outside its "
                                    "sandbox ({problem}), so Parley will not use the file; choose "
                                    "another model file."),
        LoadFailure.TEMPLATE, file=file_name, problem=problem)


def oversized_template(file_name: str, size: int) -> ModelLoadError:
    """The model file claims a chat template far longer than any real one."""
    return ModelLoadError(
        QT_TRANSLATE_NOOP("Errors", "The chat template inside {file} is {size} bytes long, far too long "
                                    "for a chat template; choose another model file."),
        LoadFailure.TEMPLATE, file=file_name, size=f"{size:,}")

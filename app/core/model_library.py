"""The model library: the bundled default, Parley's models folder, and files linked from anywhere.

Models added from elsewhere are linked in place (their path is remembered), not copied, unless
the user asks for a copy. Only finished ``.gguf`` files in the models folder are listed, so an
unfinished download (``.gguf.part``) is never taken for a model. Removing a model either keeps
its file (a folder model is then hidden from the list) or deletes it; nothing is deleted
without that choice. The list of links is a versioned JSON document written atomically.
"""

from __future__ import annotations

import enum
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.bundled_model import bundled_model_path
from app.core.errors import ParleyError, Phrase
from app.core.gguf_header import read_header
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.json_file import read_document, write_document

log = logging.getLogger(__name__)

KIND = "parley-model-library"
VERSION = 1
MODEL_SUFFIX = ".gguf"


class Origin(enum.Enum):
    """Where a library model comes from."""

    BUNDLED = "bundled with Parley"
    FOLDER = "models folder"
    LINKED = "linked"


@dataclass(frozen=True)
class LibraryModel:
    """One model in the library."""

    path: Path
    origin: Origin

    @property
    def name(self) -> str:
        """The name shown in lists and accepted by ``--model``: the file name."""
        return self.path.name

    @property
    def available(self) -> bool:
        """Whether the file is there (a linked file may have been moved or deleted)."""
        return self.path.is_file()


class ModelLibrary:
    """The models Parley knows about, for one profile."""

    def __init__(self, models_dir: Path, index_file: Path,
                 bundled: Callable[[], Path] = bundled_model_path) -> None:
        self.models_dir = _absolute(models_dir)
        self._index_file = index_file
        self._bundled = bundled
        self._bundled_path: Path | None = None
        document = read_document(index_file, KIND, VERSION,
                                 Phrase(QT_TRANSLATE_NOOP("Errors", "model library")))
        self.warning = document.warning
        data = document.data if isinstance(document.data, dict) else {}
        self._linked = _paths(data.get("linked"))
        self._hidden = _paths(data.get("hidden"))

    # -- reading -----------------------------------------------------------------------------

    def models(self) -> list[LibraryModel]:
        """The bundled default first, then the models folder, then linked files (by name)."""
        found: list[LibraryModel] = []
        bundled = self.bundled_path()
        if bundled is not None:
            found.append(LibraryModel(bundled, Origin.BUNDLED))
        if self.models_dir.is_dir():
            folder = sorted((path for path in self.models_dir.iterdir()
                             if path.suffix == MODEL_SUFFIX and path.is_file()
                             and path not in self._hidden), key=lambda p: p.name.lower())
            found += [LibraryModel(path, Origin.FOLDER) for path in folder]
        known = {model.path for model in found}
        found += [LibraryModel(path, Origin.LINKED)
                  for path in sorted(self._linked, key=lambda p: p.name.lower()) if path not in known]
        return found

    def bundled_path(self) -> Path | None:
        """The bundled model's file, or None when it is not installed."""
        if self._bundled_path is None:
            try:
                self._bundled_path = self._bundled()
            except ParleyError:
                return None
        return self._bundled_path

    def model_for(self, path: Path) -> LibraryModel | None:
        """The library entry for ``path``, if it is in the library."""
        wanted = _absolute(path)
        return next((model for model in self.models() if model.path == wanted), None)

    def find(self, text: str) -> Path:
        """The model ``text`` names: a library name (file name, with or without .gguf) or a path."""
        as_path = Path(text).expanduser()
        if as_path.suffix == MODEL_SUFFIX and (as_path.exists() or os.sep in text):
            return _absolute(as_path)
        lowered = text.lower()
        matches = [model.path for model in self.models()
                   if lowered in (model.name.lower(), model.path.stem.lower())]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "Several models are called {name}; give the path of the one to use."), name=text)
        if as_path.exists():
            return _absolute(as_path)
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "There is no model called {name} in the library; list them with "
                      "`parley models`, or give the path of a .gguf file."), name=text)

    # -- changing ----------------------------------------------------------------------------

    def add(self, path: Path, copy: bool = False) -> LibraryModel:
        """Add the GGUF file at ``path``: linked in place, or copied into the models folder."""
        return self.register(self.prepare(path, copy))

    def prepare(self, path: Path, copy: bool = False) -> Path:
        """Check the file's header (ModelFileError with the reason when it is not a usable
        model) and make the copy if asked; the path to register. Changes no library state,
        so it may run on a background thread. A copy never overwrites a file in the folder."""
        source = _absolute(path)
        read_header(source)
        if copy and source.parent != self.models_dir:
            return self._copy_in(source)
        return source

    def register(self, path: Path) -> LibraryModel:
        """List a prepared file (see ``prepare``)."""
        path = _absolute(path)
        self._hidden.discard(path)
        if self._origin(path) is Origin.LINKED:
            self._linked.add(path)
        self._save()
        return LibraryModel(path, self._origin(path))

    def remove(self, model: LibraryModel, delete_file: bool = False) -> None:
        """Take ``model`` out of the library; with ``delete_file`` its file is deleted too."""
        if model.origin is Origin.BUNDLED:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The bundled model ships with Parley and cannot be removed; "
                          "choose another model to use instead."))
        if delete_file:
            try:
                model.path.unlink(missing_ok=True)
            except OSError as exc:
                raise ParleyError(QT_TRANSLATE_NOOP(
                    "Errors", "Cannot delete {path} ({reason}); check its permissions."),
                    path=model.path, reason=exc.strerror or exc) from exc
        self._linked.discard(model.path)
        if model.origin is Origin.FOLDER and not delete_file:
            self._hidden.add(model.path)
        self._save()

    def _copy_in(self, source: Path) -> Path:
        target = self.models_dir / source.name
        if target.exists():
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The models folder already has a file called {file}; rename one of them first."),
                file=source.name)
        partial = target.with_name(target.name + ".part")
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, partial)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "Cannot copy {file} into {folder} ({reason}); check the free space."),
                file=source.name, folder=self.models_dir, reason=exc.strerror or exc) from exc
        return target

    def _origin(self, path: Path) -> Origin:
        if path == self.bundled_path():
            return Origin.BUNDLED
        return Origin.FOLDER if path.parent == self.models_dir else Origin.LINKED

    def _save(self) -> None:
        data = {"linked": sorted(map(str, self._linked)), "hidden": sorted(map(str, self._hidden))}
        try:
            write_document(self._index_file, KIND, VERSION, data)
        except OSError as exc:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "Cannot save the model library to {path} ({reason}); check the free space."),
                path=self._index_file, reason=exc.strerror or exc) from exc


def _paths(raw: object) -> set[Path]:
    """The paths in a stored list (anything else in it is ignored)."""
    if not isinstance(raw, list):
        return set()
    return {Path(item) for item in raw if isinstance(item, str) and item}


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path.expanduser()))

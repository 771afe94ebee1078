"""The model library: what is listed and in what order, linking, copying, removing, finding, persistence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.errors import ParleyError
from app.core.gguf_header import ModelFileError
from app.core.model_library import LibraryModel, ModelLibrary, Origin
from tests.gguf_files import F32_TYPE, gguf_bytes, write_gguf


def tiny(path: Path, name: str = "tiny") -> Path:
    """A small well-formed GGUF file (one F32 tensor) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_gguf(path, {"general.architecture": "llama", "general.name": name},
                      [("w", [32], F32_TYPE, None)])


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    return tiny(tmp_path / "package" / "Bundled.gguf", "bundled")


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "models"


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return tmp_path / "data" / "model-library.json"


@pytest.fixture
def open_library(models_dir: Path, index: Path, bundled: Path) -> Callable[[], ModelLibrary]:
    """A factory: each call is a fresh ModelLibrary over the same folder and index (a restart)."""
    return lambda: ModelLibrary(models_dir, index, bundled=lambda: bundled)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def listed(library: ModelLibrary) -> list[tuple[str, Origin]]:
    return [(model.name, model.origin) for model in library.models()]


def test_folder_lists_only_finished_gguf_files(open_library: Callable[[], ModelLibrary],
                                               models_dir: Path) -> None:
    tiny(models_dir / "b.gguf")
    tiny(models_dir / "A.gguf")
    tiny(models_dir / "c.gguf")
    for name in ("x.gguf.part", "x.bad", "notes.txt"):
        (models_dir / name).write_bytes(gguf_bytes({}))
    (models_dir / "x.gguf.part.json").write_text("{}")
    (models_dir / "y.gguf").mkdir()
    assert listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED), ("A.gguf", Origin.FOLDER),
                                      ("b.gguf", Origin.FOLDER), ("c.gguf", Origin.FOLDER)]


def test_order_is_bundled_then_folder_then_linked(open_library: Callable[[], ModelLibrary],
                                                  models_dir: Path, elsewhere: Path) -> None:
    library = open_library()
    for name in ("z.gguf", "M.gguf"):
        library.add(tiny(elsewhere / name))
    tiny(models_dir / "q.gguf")
    assert listed(library) == [("Bundled.gguf", Origin.BUNDLED), ("q.gguf", Origin.FOLDER),
                               ("M.gguf", Origin.LINKED), ("z.gguf", Origin.LINKED)]


def test_missing_bundled_model_is_left_out(models_dir: Path, index: Path, elsewhere: Path) -> None:
    def not_installed() -> Path:
        raise ParleyError("The bundled model is not installed.")

    library = ModelLibrary(models_dir, index, bundled=not_installed)
    assert library.bundled_path() is None and library.models() == []
    library.add(tiny(elsewhere / "only.gguf"))
    assert listed(library) == [("only.gguf", Origin.LINKED)]


def test_add_links_in_place_and_persists(open_library: Callable[[], ModelLibrary], models_dir: Path,
                                         elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tiny(elsewhere / "linked.gguf")
    monkeypatch.chdir(elsewhere)
    model = open_library().add(Path("linked.gguf"))  # relative: remembered as an absolute path
    assert model == LibraryModel(source, Origin.LINKED) and model.path.is_absolute()
    assert not models_dir.exists() or list(models_dir.iterdir()) == []
    monkeypatch.chdir(models_dir.parent.parent)
    again = open_library()
    assert again.models()[-1] == LibraryModel(source, Origin.LINKED)
    assert again.model_for(source) == LibraryModel(source, Origin.LINKED)
    assert source.is_file()


def test_add_copy_puts_an_identical_copy_in_the_folder(open_library: Callable[[], ModelLibrary],
                                                       models_dir: Path, elsewhere: Path) -> None:
    source = tiny(elsewhere / "copied.gguf")
    model = open_library().add(source, copy=True)
    target = models_dir / "copied.gguf"
    assert model == LibraryModel(target, Origin.FOLDER)
    assert source.read_bytes() == target.read_bytes()
    assert sorted(p.name for p in models_dir.iterdir()) == ["copied.gguf"]  # no .part left
    assert listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED), ("copied.gguf", Origin.FOLDER)]


def test_copy_never_overwrites_a_file_of_the_same_name(open_library: Callable[[], ModelLibrary],
                                                       models_dir: Path, elsewhere: Path) -> None:
    existing = tiny(models_dir / "same.gguf", "first")
    before = existing.read_bytes()
    library = open_library()
    with pytest.raises(ParleyError, match=r"already has a file called same\.gguf"):
        library.add(tiny(elsewhere / "same.gguf", "second-one"), copy=True)
    assert existing.read_bytes() == before
    assert sorted(p.name for p in models_dir.iterdir()) == ["same.gguf"]
    assert listed(library) == [("Bundled.gguf", Origin.BUNDLED), ("same.gguf", Origin.FOLDER)]


@pytest.mark.parametrize("content", [b"<html>not a model</html>" * 4, gguf_bytes(
    {"general.architecture": "llama"}, [("w", [64], F32_TYPE, None)])[:200]], ids=["not-gguf", "truncated"])
@pytest.mark.parametrize("copy", [False, True])
def test_a_bad_file_is_refused_and_nothing_changes(open_library: Callable[[], ModelLibrary], models_dir: Path,
                                                   index: Path, elsewhere: Path, content: bytes,
                                                   copy: bool) -> None:
    bad = elsewhere / "bad.gguf"
    bad.write_bytes(content)
    library = open_library()
    with pytest.raises(ModelFileError, match=r"bad\.gguf"):
        library.add(bad, copy=copy)
    assert listed(library) == [("Bundled.gguf", Origin.BUNDLED)]
    assert not index.exists() and not models_dir.exists()
    assert bad.read_bytes() == content


def test_removing_a_linked_model_forgets_it_but_keeps_the_file(open_library: Callable[[], ModelLibrary],
                                                               elsewhere: Path) -> None:
    library = open_library()
    model = library.add(tiny(elsewhere / "linked.gguf"))
    library.remove(model)
    assert model.path.is_file()
    assert listed(library) == listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED)]


def test_removing_a_folder_model_hides_it_until_added_again(open_library: Callable[[], ModelLibrary],
                                                            models_dir: Path) -> None:
    path = tiny(models_dir / "kept.gguf")
    library = open_library()
    library.remove(LibraryModel(path, Origin.FOLDER))
    assert path.is_file()
    assert listed(library) == listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED)]
    assert open_library().model_for(path) is None
    assert open_library().add(path) == LibraryModel(path, Origin.FOLDER)
    assert listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED), ("kept.gguf", Origin.FOLDER)]


@pytest.mark.parametrize("where", ["folder", "linked"])
def test_remove_with_delete_file_deletes_it(open_library: Callable[[], ModelLibrary], models_dir: Path,
                                            elsewhere: Path, where: str) -> None:
    library = open_library()
    model = library.add(tiny((models_dir if where == "folder" else elsewhere) / "gone.gguf"))
    library.remove(model, delete_file=True)
    assert not model.path.exists()
    assert listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED)]


def test_the_bundled_model_cannot_be_removed(open_library: Callable[[], ModelLibrary], bundled: Path) -> None:
    library = open_library()
    for delete_file in (False, True):
        with pytest.raises(ParleyError, match="cannot be removed"):
            library.remove(library.models()[0], delete_file=delete_file)
    assert bundled.is_file() and listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED)]


def test_a_deleted_linked_file_stays_listed_as_unavailable(open_library: Callable[[], ModelLibrary],
                                                           elsewhere: Path) -> None:
    model = open_library().add(tiny(elsewhere / "moved.gguf"))
    model.path.unlink()
    [entry] = [m for m in open_library().models() if m.origin is Origin.LINKED]
    assert entry.path == model.path and entry.available is False
    assert open_library().models()[0].available is True


def test_find_by_name_stem_case_and_path(open_library: Callable[[], ModelLibrary], models_dir: Path,
                                         elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(elsewhere.parent)  # no model files in the working directory
    folder_model = tiny(models_dir / "Llama-Small.Q4.gguf")
    library = open_library()
    linked = library.add(tiny(elsewhere / "other.gguf")).path
    for text in ("Llama-Small.Q4.gguf", "Llama-Small.Q4", "llama-small.q4.GGUF", "LLAMA-SMALL.Q4"):
        assert library.find(text) == folder_model
    assert library.find("OTHER") == linked
    assert library.find("bundled") == library.bundled_path()
    outside = tiny(elsewhere / "not-added.gguf")
    assert library.find(str(outside)) == outside  # any path to a file works, listed or not
    assert library.find("elsewhere/not-added.gguf") == outside  # relative to the working directory


def test_find_refuses_ambiguous_and_unknown_names(open_library: Callable[[], ModelLibrary],
                                                  elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(elsewhere.parent)
    library = open_library()
    first = library.add(tiny(elsewhere / "one" / "same.gguf")).path
    library.add(tiny(elsewhere / "two" / "same.gguf"))
    with pytest.raises(ParleyError, match="Several models are called same"):
        library.find("same")
    assert library.find(str(first)) == first  # the path tells them apart
    with pytest.raises(ParleyError) as caught:
        library.find("no-such-model")
    message = str(caught.value)
    assert "no-such-model" in message and "`parley models`" in message and message.endswith(".")


def test_a_corrupt_index_is_kept_aside_and_the_library_starts_empty(
        open_library: Callable[[], ModelLibrary], index: Path, elsewhere: Path) -> None:
    index.parent.mkdir(parents=True)
    index.write_text("{not json", encoding="utf-8")
    library = open_library()
    warning = str(library.warning)
    assert library.warning and warning.startswith("The model library file") \
        and warning.endswith(".") and "kept as" in warning
    [kept] = index.parent.glob("model-library.json.damaged-*")
    assert kept.read_text(encoding="utf-8") == "{not json" and str(kept) in warning
    assert not index.exists() and listed(library) == [("Bundled.gguf", Origin.BUNDLED)]
    library.add(tiny(elsewhere / "fresh.gguf"))
    assert json.loads(index.read_text(encoding="utf-8"))["format"] == "parley-model-library"
    assert open_library().warning is None


def test_prepare_changes_nothing_until_registered(open_library: Callable[[], ModelLibrary], index: Path,
                                                  elsewhere: Path) -> None:
    source = tiny(elsewhere / "later.gguf")
    library = open_library()
    assert library.prepare(source) == source
    assert listed(library) == listed(open_library()) == [("Bundled.gguf", Origin.BUNDLED)]
    assert not index.exists()
    assert library.register(source) == LibraryModel(source, Origin.LINKED)
    assert listed(open_library())[-1] == ("later.gguf", Origin.LINKED)


def test_the_real_bundled_model_comes_first(models_dir: Path, index: Path, model_path: Path) -> None:
    library = ModelLibrary(models_dir, index)
    assert library.models() == [LibraryModel(model_path, Origin.BUNDLED)]
    assert library.find("SmolLM2-135M-Instruct.Q4_1") == model_path
    assert library.model_for(model_path) == LibraryModel(model_path, Origin.BUNDLED)

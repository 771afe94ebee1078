"""The crash marker: present only while a model loads, and found at the next start when the app died."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.load_marker import LoadMarker

MODEL = Path("/models/Some Model.Q4_K_M.gguf")


@pytest.fixture
def marker(tmp_path: Path) -> LoadMarker:
    return LoadMarker(tmp_path / "profile" / "loading-model.json")


def test_the_marker_exists_only_while_loading(marker: LoadMarker) -> None:
    assert marker.left_over() is None and not marker.path.exists()
    with marker.loading(MODEL):
        assert marker.path.is_file()
        assert marker.left_over() == MODEL
    assert not marker.path.exists() and marker.left_over() is None
    assert list(marker.path.parent.iterdir()) == []  # no temporary file left beside it


def test_the_marker_is_removed_when_the_load_fails(marker: LoadMarker) -> None:
    with pytest.raises(ValueError, match="Failed to load"), marker.loading(MODEL):
        assert marker.path.is_file()
        raise ValueError("Failed to load model from file")
    assert not marker.path.exists() and marker.left_over() is None


def test_an_app_that_died_while_loading_leaves_the_model_named(marker: LoadMarker) -> None:
    dying = marker.loading(MODEL)  # kept referenced: collecting the generator would run its cleanup
    dying.__enter__()  # the process dies here: the context is never left
    found = LoadMarker(marker.path).left_over()  # the next start
    assert found == MODEL
    assert LoadMarker(marker.path).left_over() == MODEL  # still there until a load ends
    with marker.loading(Path("/models/other.gguf")):  # a later load ends normally
        pass
    assert marker.left_over() is None


@pytest.mark.parametrize("content", [b'{"model": "/models/a.gg', b"\x00\x00\x00", b"",
                                     b'{"other": 1}', b'{"model": 42}', b"[1, 2]", b"\xff\xfe{"])
def test_a_torn_or_garbage_marker_still_counts(marker: LoadMarker, content: bytes) -> None:
    marker.path.parent.mkdir(parents=True)
    marker.path.write_bytes(content)
    found = marker.left_over()
    assert isinstance(found, Path) and found.name
    assert str(marker.crash_message(found)).startswith("Parley closed unexpectedly")


def test_the_crash_message_names_the_file_and_says_it_was_not_loaded(marker: LoadMarker) -> None:
    message = str(marker.crash_message(MODEL))
    assert "Some Model.Q4_K_M.gguf" in message and "/models" not in message
    assert "not loaded" in message and message.endswith(".") and "\n" not in message

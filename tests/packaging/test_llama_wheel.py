"""The portable llama-cpp-python wheel is built once per requirement and arguments, never half."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.packaging import packaging_module

llama_wheel = packaging_module("llama_wheel")
REQUIREMENT = "llama-cpp-python==0.3.36"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "parley" / "llama-wheels"


def fake_pip(builds: list[dict[str, str]], fail: bool = False):
    def run(command: list[str], env: dict[str, str], check: bool) -> None:
        builds.append(env)
        folder = Path(command[command.index("--wheel-dir") + 1])
        folder.mkdir(parents=True)
        if fail:
            (folder / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl").write_bytes(b"half")
            raise subprocess.CalledProcessError(1, command)
        (folder / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl").write_bytes(b"wheel")
    return run


def test_each_requirement_and_arguments_get_their_own_folder(cache: Path) -> None:
    folders = {llama_wheel.cache_folder(REQUIREMENT, "-DGGML_NATIVE=OFF"),
               llama_wheel.cache_folder(REQUIREMENT, "-DGGML_NATIVE=OFF -DGGML_CUDA=on"),
               llama_wheel.cache_folder("llama-cpp-python==0.3.37", "-DGGML_NATIVE=OFF")}
    assert len(folders) == 3 and all(folder.parent == cache for folder in folders)


def test_built_once_with_the_arguments_then_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[dict[str, str]] = []
    monkeypatch.setattr(llama_wheel.subprocess, "run", fake_pip(builds))
    first = llama_wheel.built_wheel(REQUIREMENT, "-DGGML_NATIVE=OFF")
    again = llama_wheel.built_wheel(REQUIREMENT, "-DGGML_NATIVE=OFF")
    assert first == again and first.read_bytes() == b"wheel"
    assert [build["CMAKE_ARGS"] for build in builds] == ["-DGGML_NATIVE=OFF"]


def test_an_interrupted_build_is_never_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[dict[str, str]] = []
    monkeypatch.setattr(llama_wheel.subprocess, "run", fake_pip(builds, fail=True))
    with pytest.raises(subprocess.CalledProcessError):
        llama_wheel.built_wheel(REQUIREMENT, "-DGGML_NATIVE=OFF")
    assert not llama_wheel.cache_folder(REQUIREMENT, "-DGGML_NATIVE=OFF").exists()
    monkeypatch.setattr(llama_wheel.subprocess, "run", fake_pip(builds))
    assert llama_wheel.built_wheel(REQUIREMENT, "-DGGML_NATIVE=OFF").read_bytes() == b"wheel"
    assert len(builds) == 2

"""The packaged app's smoke test (``make package-test``, run by CI after ``make test``).

The archive ``make package`` made is unpacked and its executable run as on a machine without
Python (``tests/package/frozen.py``): ``--version``, a chat with the bundled model, the window
started offscreen, and a check that it writes nothing outside the platformdirs folders. Its
time to window is measured against the source checkout's in the same run; both go with the
archive's size to ``dist/package-test.json`` for the README.
"""

from __future__ import annotations

import filecmp
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import __version__
from app.core.settings import Settings, save_settings
from app.paths import AppPaths
from app.resources import BUNDLED_MODEL, resource_path
from app.ui.startup_check import MODEL_FAILED
from bench.startup import measure_startup
from tests.package.frozen import ROOT, Sandbox, package_report, sandbox, tree_state, unpack
from tests.packaging import packaging_module

pytestmark = pytest.mark.model
RESULTS = ROOT / "dist" / "package-test.json"


@dataclass(frozen=True)
class Unpacked:
    """The archive unpacked: its folder and the command-line executable in it."""

    folder: Path
    executable: Path
    archive: Path


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Unpacked:
    report = package_report()
    archive = ROOT / report["archive"]
    into = tmp_path_factory.mktemp("unpacked")
    unpack(archive, into)
    built = ROOT / report["folder"]
    folder = into / built.name
    return Unpacked(folder, folder / (ROOT / report["executable"]).relative_to(built), archive)


@pytest.fixture
def clean(tmp_path: Path, unpacked: Unpacked) -> Sandbox:
    """A sandbox with a fresh home, every Python hidden where this user can hide it."""
    home = tmp_path / "home"
    home.mkdir()
    return sandbox(home, keep_visible=[unpacked.folder, home, tmp_path])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working folder (nothing may be written into it)."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


def test_the_archive_is_named_with_version_and_platform(unpacked: Unpacked) -> None:
    tag = packaging_module("build").platform_tag()
    assert re.fullmatch(r"(linux|windows|macos)-(x86_64|arm64)", tag)
    assert unpacked.archive.name in (f"parley-{__version__}-{tag}.tar.gz", f"parley-{__version__}-{tag}.zip")
    assert unpacked.executable.is_file()


def test_the_package_carries_python_qt_llama_cpp_and_resources(unpacked: Unpacked) -> None:
    inside = unpacked.folder / "_internal"
    assert list(inside.glob("libpython3*")), "no Python runtime"
    plugins = inside / "PySide6" / "Qt" / "plugins" / "platforms"
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= {path.name for path in plugins.iterdir()}
    assert (inside / "llama_cpp" / "lib" / "libllama.so").is_file()
    ours = inside / "resources"
    for parts in [("i18n", "parley_zh_CN.qm"), ("icons", "parley.svg"), ("icons", "parley-256.png"),
                  ("licenses", "LGPL-3.0.txt"), ("licenses", "llama.cpp.txt"),
                  ("linux", "io.parley.Parley.desktop"), BUNDLED_MODEL]:
        assert filecmp.cmp(ours.joinpath(*parts), resource_path(*parts), shallow=False), parts


@pytest.mark.skipif(platform.machine() != "x86_64", reason="checks x86-64 code")
def test_llama_cpp_is_built_for_any_cpu_not_the_build_machine(unpacked: Unpacked) -> None:
    """A build for the build machine's CPU (GGML_NATIVE) dies with SIGILL on most laptops: the
    package's llama.cpp may use AVX2 but no AVX-512 (no zmm registers). Every copy is checked:
    llama_cpp loads some by plain name and the rest load each other by soname."""
    assert shutil.which("objdump"), "objdump (binutils) is needed to check the package's machine code"
    libraries = sorted((unpacked.folder / "_internal" / "llama_cpp" / "lib").glob("lib*.so*"))
    assert any(library.name.startswith("libggml-cpu.so") for library in libraries)
    for library in libraries:
        code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library)], capture_output=True,
                              text=True, check=True).stdout
        assert "%zmm" not in code, f"{library.name} uses AVX-512"
        if library.name.startswith("libggml-cpu.so"):
            assert "%ymm" in code  # and still AVX2, not a slow baseline build


def test_the_sandbox_hides_python(clean: Sandbox, workdir: Path) -> None:
    if not clean.hides_python:
        pytest.skip("this user cannot make a mount namespace, so Python could not be hidden")
    assert clean.run(["true"], cwd=workdir).returncode == 0  # everything was covered
    for python in (sys.executable, os.__file__, Path(sys.base_prefix) / "bin", ROOT / "app"):
        assert clean.run(["test", "-e", str(python)], cwd=workdir).returncode == 1, python
    assert clean.run(["sh", "-c", "python3 -c 1"], cwd=workdir).returncode != 0
    for file in clean.hidden_files:  # /usr/bin/python3.11, libpython3.11.so.1.0, ...: emptied
        assert clean.run(["test", "-s", str(file)], cwd=workdir).returncode == 1, file


def test_version(unpacked: Unpacked, clean: Sandbox, workdir: Path) -> None:
    done = clean.run([str(unpacked.executable), "--version"], cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"parley {__version__}"


def test_chat_answers_with_the_bundled_model(unpacked: Unpacked, clean: Sandbox, workdir: Path,
                                             tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = clean.run([str(unpacked.executable), "chat", "--data-dir", str(data), "--json",
                      "--set", "max_tokens=24", "--set", "seed=7", "hello"], cwd=workdir)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["reply"].strip()
    assert (data / "parley.db").is_file()


def test_the_window_shows_and_time_to_window_is_recorded(unpacked: Unpacked, clean: Sandbox,
                                                          workdir: Path) -> None:
    frozen = measure_startup(3, lambda data: clean.command([str(unpacked.executable), "gui", "--self-test",
                                                            "--data-dir", str(data)]), clean.env(), workdir)
    source = measure_startup(3)
    report = package_report()
    results = {"archive": unpacked.archive.name, "archive_bytes": unpacked.archive.stat().st_size,
               "folder_bytes": report["folder_bytes"], "python_hidden": clean.hides_python,
               "frozen_window_ms": frozen, "source_window_ms": source,
               "frozen_to_source": round(frozen["window_ms"] / source["window_ms"], 2)}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


def test_it_writes_only_to_the_platformdirs_folders(unpacked: Unpacked, clean: Sandbox, workdir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_state(unpacked.folder)
    for argv in (["--version"], ["chat", "--set", "max_tokens=8", "hi"], ["gui", "--self-test"],
                 ["models", "--json"], ["conversations"]):
        done = clean.run([str(unpacked.executable), *argv], cwd=workdir)
        assert done.returncode == 0, (argv, done.stderr)
    assert tree_state(unpacked.folder) == before
    assert not any(workdir.iterdir())
    monkeypatch.setenv("HOME", str(clean.home))
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    user_dirs = AppPaths.from_data_dir(None)
    allowed = (user_dirs.data_dir, user_dirs.config_dir, user_dirs.cache_dir, user_dirs.log_dir)
    written = [path for path in clean.home.rglob("*") if path.is_file()]
    assert written, "the app saved nothing"
    assert [path for path in written if not any(path.is_relative_to(folder) for folder in allowed)] == []


def test_the_frozen_app_finds_its_own_bundled_model(unpacked: Unpacked, clean: Sandbox, workdir: Path,
                                                    tmp_path: Path) -> None:
    done = clean.run([str(unpacked.executable), "models", "--json", "--data-dir", str(tmp_path / "d")],
                     cwd=workdir)
    assert done.returncode == 0, done.stderr
    paths = [Path(model["path"]) for model in json.loads(done.stdout)]
    assert unpacked.folder.joinpath("_internal", "resources", *BUNDLED_MODEL) in paths


def test_the_frozen_app_finds_its_translations(unpacked: Unpacked, clean: Sandbox, workdir: Path,
                                               tmp_path: Path) -> None:
    data = tmp_path / "data"
    save_settings(AppPaths.from_data_dir(data).settings_file, Settings({"language": "zh_CN"}))
    missing = tmp_path / "missing.gguf"
    done = clean.run([str(unpacked.executable), "--model", str(missing), "gui", "--self-test",
                      "--data-dir", str(data)], cwd=workdir)
    assert done.returncode == 1  # no model, on purpose: its reason is shown in the window's language
    assert f"{MODEL_FAILED}: 模型文件 {missing} 不存在" in done.stdout, done.stdout + done.stderr


def test_the_frozen_api_server_answers(unpacked: Unpacked, clean: Sandbox, workdir: Path,
                                       tmp_path: Path) -> None:
    """``parley serve`` imports its modules lazily: they must be in the package all the same."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path / "data"
    server = subprocess.Popen(clean.command([str(unpacked.executable), "serve", "--data-dir", str(data),
                                             "--port", str(port)]), env=clean.env(), cwd=workdir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                token = (data / "api-token").read_text().strip()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models",
                                                 headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    models = json.load(response)
                break
            except (OSError, ValueError):
                running = server.poll() is None and time.monotonic() < deadline
                assert running, server.stderr and server.stderr.read()
                time.sleep(0.2)
        assert [model["id"] for model in models["data"]] == [BUNDLED_MODEL[-1]]
    finally:
        server.terminate()
        server.wait(timeout=30)

"""The bundled licence notices a package build writes (packaging/notices.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import llama_cpp
import platformdirs
import pytest

from tests.packaging import packaging_module

notices = packaging_module("notices")


def libraries_of(module: object) -> list[Path]:
    return sorted((Path(module.__file__).parent / "lib").glob("libllama.so*"))  # type: ignore[attr-defined]


def test_python_every_distribution_and_system_libraries_are_covered(tmp_path: Path) -> None:
    places = ("/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib64/libz.so.1")
    zlib = next((Path(path) for path in places if Path(path).exists()), None)
    pure = [("platformdirs.unix", platformdirs.__file__, "PYMODULE"), ("json.decoder", "", "PYMODULE")]
    binaries = [(f"llama_cpp/lib/{path.name}", str(path), "BINARY") for path in libraries_of(llama_cpp)]
    if zlib:
        binaries.append(("libz.so.1", str(zlib), "BINARY"))
    text = notices.write_notices(pure, binaries, tmp_path / "NOTICES.txt").read_text(encoding="utf-8")
    assert f"Python {sys.version.split()[0]} and its standard library" in text
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in text
    assert "platformdirs " in text and "--- LICENSE ---" in text
    assert "llama_cpp_python 0.3.36" in text and "Licence: MIT" in text
    assert "libllama.so, from" not in text  # a wheel's library is its distribution's
    if zlib and shutil.which("dpkg"):
        assert "libz.so.1 (Debian package zlib1g)" in text
    elif zlib:
        assert f"libz.so.1, from {zlib}" in text


@pytest.mark.parametrize(("path", "system"), [("/usr/lib/x86_64-linux-gnu/libc.so.6", True),
                                              (sys.executable, False), (platformdirs.__file__, False)])
def test_system_libraries_are_those_outside_python(path: str, system: bool) -> None:
    assert notices.is_system_library(Path(path)) is system

"""Install llama-cpp-python built for any CPU, not this one: the wheel a package is made with.

    python packaging/llama_wheel.py 'llama-cpp-python==0.3.36' '-DGGML_NATIVE=OFF'

installs that requirement into the running interpreter's environment, compiled with those CMake
arguments. pip's own wheel cache is keyed by the version only, so it would hand back the build
``.venv`` made for this machine's CPU (with AVX-512 here); this script builds with
``--no-cache-dir`` instead and keeps the result in ``$XDG_CACHE_HOME/parley/llama-wheels/`` (by
default ``~/.cache``), in a folder named after the requirement and the arguments. A folder is
renamed into place only once its wheel is complete, so an interrupted build is never reused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path


def cache_folder(requirement: str, cmake_args: str) -> Path:
    """Where the wheel for ``requirement`` built with ``cmake_args`` is kept."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "parley" / "llama-wheels"
    version = requirement.split("==")[-1]
    digest = hashlib.sha256(f"{requirement}\n{cmake_args}".encode()).hexdigest()[:12]
    return root / f"{version}-{digest}"


def built_wheel(requirement: str, cmake_args: str) -> Path:
    """The wheel, built now if it is not kept yet (about 7 minutes on 2 cores)."""
    folder = cache_folder(requirement, cmake_args)
    wheels = sorted(folder.glob("*.whl"))
    if wheels:
        return wheels[0]
    print(f"Building {requirement} with CMAKE_ARGS={cmake_args!r} into {folder} (once).", flush=True)
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-cache-dir", "--no-deps", "--wheel-dir",
                    str(partial), requirement], env={**os.environ, "CMAKE_ARGS": cmake_args}, check=True)
    (partial / "cmake-args.txt").write_text(f"{requirement}\n{cmake_args}\n", encoding="utf-8")
    partial.rename(folder)
    return sorted(folder.glob("*.whl"))[0]


def main(argv: list[str]) -> int:
    """Build (or reuse) the wheel, then install it with its dependencies."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    wheel = built_wheel(*argv)
    return subprocess.run([sys.executable, "-m", "pip", "install", "--force-reinstall", str(wheel)],
                          check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

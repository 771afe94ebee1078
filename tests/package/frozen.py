"""Running the packaged app as on a machine without Python, for the smoke test.

``make package`` writes ``dist/package.json``; ``make package-test`` names it in
``PARLEY_PACKAGE_REPORT``. The tests unpack the archive it names and run the executable in it:

- with a scrubbed environment (no ``PYTHONPATH``/``PYTHONHOME``, ``PATH=/usr/bin:/bin``) and a
  fresh ``HOME``, from an empty working folder;
- in a private mount namespace (``unshare``: as root, as in CI, or in a user namespace where
  those are allowed) where every Python installation on the machine (all of pyenv's versions,
  ``/usr/lib/python3*``, the interpreters and ``libpython`` files in ``/usr``), the virtual
  environment and this checkout are covered, so the app can use nothing but what it carries.
  CI sets ``PARLEY_REQUIRE_SANDBOX=1``, so that not being able to do so fails the test instead.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
# Inside the namespace: cover each folder in $PARLEY_HIDE_DIRS with an empty tmpfs and each file in
# $PARLEY_HIDE_FILES with /dev/null (colon-separated lists), then run the command.
_HIDE = ('IFS=:; for d in $PARLEY_HIDE_DIRS; do mount -t tmpfs none "$d" || exit 97; done; '
         'for f in $PARLEY_HIDE_FILES; do mount --bind /dev/null "$f" || exit 97; done; '
         'unset IFS PARLEY_HIDE_DIRS PARLEY_HIDE_FILES; exec "$@"')
# How to make a private mount namespace: as root, or as any user where user namespaces are allowed.
_UNSHARE = (["unshare", "--mount", "--propagation", "private"],
            ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"])


def package_report() -> dict[str, Any]:
    """What ``make package`` built (``dist/package.json``)."""
    return json.loads((ROOT / os.environ["PARLEY_PACKAGE_REPORT"]).read_text(encoding="utf-8"))


def unpack(archive: Path, into: Path) -> None:
    """Extract ``archive`` (.tar.gz or .zip) into ``into``."""
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as packed:
            packed.extractall(into)
    else:
        with tarfile.open(archive) as packed:
            packed.extractall(into, filter="tar")


def _outermost(paths: set[Path]) -> list[Path]:
    """``paths`` without those inside another one (covered with it)."""
    return [path for path in sorted(paths)
            if not any(path != other and path.is_relative_to(other) for other in paths)]


def python_folders() -> list[Path]:
    """Every Python installation this machine has that the app could lean on (all of pyenv's
    versions, the system's), the virtual environment and this checkout's sources."""
    found = {Path(sys.base_prefix), Path(sys.prefix), ROOT}
    if Path(sys.base_prefix).parent.name == "versions":  # pyenv: its other versions too
        found.add(Path(sys.base_prefix).parent)
    found.update(Path(path) for pattern in ("/usr/lib/python3*", "/usr/local/lib/python3*")
                 for path in glob.glob(pattern))
    return _outermost({path.resolve() for path in found if path.is_dir()})


def python_files(folders: list[Path]) -> list[Path]:
    """The interpreters and libpython files outside ``folders`` (``/usr/bin/python3.11``, ...)."""
    patterns = ("/usr/bin/python3*", "/usr/local/bin/python3*", "/usr/lib/*/libpython3*",
                "/usr/lib/libpython3*", "/usr/local/lib/libpython3*")
    found = {Path(path).resolve() for pattern in patterns for path in glob.glob(pattern)}
    return sorted(path for path in found
                  if path.is_file() and not any(path.is_relative_to(folder) for folder in folders))


@cache
def unshare_command() -> tuple[str, ...]:
    """The ``unshare`` command that works for this user, or () when none does."""
    for command in _UNSHARE:
        try:
            done = subprocess.run([*command, "true"], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return tuple(command)
    return ()


@dataclass(frozen=True)
class Sandbox:
    """How to run a command as on a clean machine: the environment, and what to hide."""

    home: Path
    hidden_folders: tuple[Path, ...]
    hidden_files: tuple[Path, ...]
    unshare: tuple[str, ...]

    @property
    def hides_python(self) -> bool:
        """Whether Python is really hidden (else only the environment is scrubbed)."""
        return bool(self.unshare and self.hidden_folders)

    def env(self) -> dict[str, str]:
        """Only what a desktop session would have; no Python variables; offscreen Qt."""
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen"}
        if self.hides_python:
            env["PARLEY_HIDE_DIRS"] = ":".join(str(path) for path in self.hidden_folders)
            env["PARLEY_HIDE_FILES"] = ":".join(str(path) for path in self.hidden_files)
        return env

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run with the Python installations covered (when they can be)."""
        if not self.hides_python:
            return argv
        return [*self.unshare, "sh", "-c", _HIDE, "sh", *argv]

    def run(self, argv: list[str], cwd: Path, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in the sandbox; its output as text."""
        return subprocess.run(self.command(argv), env=self.env(), cwd=cwd, capture_output=True, text=True,
                              timeout=timeout_s, check=False)


def sandbox(home: Path, keep_visible: list[Path]) -> Sandbox:
    """A sandbox with ``home``, hiding every Python that contains none of ``keep_visible``.
    With ``PARLEY_REQUIRE_SANDBOX=1`` (CI), not being able to hide Python is an error."""
    unshare = unshare_command()
    if not unshare:
        if os.environ.get("PARLEY_REQUIRE_SANDBOX") == "1":
            raise RuntimeError("cannot make a private mount namespace (unshare) to hide Python")
        return Sandbox(home, (), (), ())
    folders = [path for path in python_folders()
               if not any(kept.resolve().is_relative_to(path) for kept in keep_visible)]
    return Sandbox(home, tuple(folders), tuple(python_files(folders)), unshare)


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` with its size and modification time, to see any change."""
    return {str(path.relative_to(folder)): (path.lstat().st_size, path.lstat().st_mtime_ns)
            for path in folder.rglob("*")}

"""Running the packaged app as on a machine without Python, for the smoke test.

``make package`` writes ``dist/package.json``; ``make package-test`` names it in
``PARLEY_PACKAGE_REPORT``. The tests unpack the archive it names and run the executable in it:

- with a scrubbed environment (no ``PYTHONPATH``/``PYTHONHOME``, ``PATH=/usr/bin:/bin``) and a
  fresh ``HOME``, from an empty working folder;
- in a private mount namespace (``unshare``, when this user may make one: root, as in CI) where
  every Python installation on the machine, the virtual environment and this checkout are
  covered by empty folders, so the app can use nothing but what it carries.
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
# Inside the namespace: cover each folder in $PARLEY_HIDE (colon-separated), then run the command.
_HIDE = ('IFS=:; for d in $PARLEY_HIDE; do mount -t tmpfs none "$d" || exit 97; done; '
         'unset IFS PARLEY_HIDE; exec "$@"')


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


def python_installations() -> list[Path]:
    """Every Python this machine has that the app could lean on, and this checkout's sources
    (the outermost folders only: one inside another is covered with it)."""
    found = {Path(sys.base_prefix), Path(sys.prefix), ROOT}
    found.update(Path(path) for pattern in ("/usr/lib/python3*", "/usr/local/lib/python3*")
                 for path in glob.glob(pattern))
    folders = sorted({path.resolve() for path in found if path.is_dir()})
    return [path for path in folders
            if not any(path != other and path.is_relative_to(other) for other in folders)]


@cache
def can_hide() -> bool:
    """Whether this user can make a private mount namespace (and so hide Python)."""
    try:
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class Sandbox:
    """How to run a command as on a clean machine: the environment, and what to hide."""

    home: Path
    hidden: tuple[Path, ...]

    def env(self) -> dict[str, str]:
        """Only what a desktop session would have; no Python variables; offscreen Qt."""
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen"}
        if self.hidden:
            env["PARLEY_HIDE"] = ":".join(str(path) for path in self.hidden)
        return env

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run with the Python installations covered (when they can be)."""
        if not self.hidden:
            return argv
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", _HIDE, "sh", *argv]

    def run(self, argv: list[str], cwd: Path, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in the sandbox; its output as text."""
        return subprocess.run(self.command(argv), env=self.env(), cwd=cwd, capture_output=True, text=True,
                              timeout=timeout_s, check=False)


def sandbox(home: Path, keep_visible: list[Path]) -> Sandbox:
    """A sandbox with ``home``, hiding every Python that contains none of ``keep_visible``."""
    if not can_hide():
        return Sandbox(home, ())
    hidden = tuple(path for path in python_installations()
                   if not any(kept.resolve().is_relative_to(path) for kept in keep_visible))
    return Sandbox(home, hidden)


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` with its size and modification time, to see any change."""
    return {str(path.relative_to(folder)): (path.lstat().st_size, path.lstat().st_mtime_ns)
            for path in folder.rglob("*")}

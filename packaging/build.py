"""Build the packaged Parley: ``make package``.

Runs PyInstaller with ``packaging/parley.spec`` into ``dist/parley/`` (``dist/Parley.app`` on
macOS), then archives that folder as ``dist/parley-VERSION-PLATFORM.tar.gz`` (``.zip`` on
Windows) and writes ``dist/package.json``: what was built, where, and how big, for
``make package-test`` and the README.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
REPORT = DIST / "package.json"
_MACHINES = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}


def platform_tag() -> str:
    """``linux-x86_64``, ``windows-x86_64``, ``macos-arm64``: the archive's platform part."""
    system = {"darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    return f"{system}-{_MACHINES.get(machine, machine)}"


def folder_size(folder: Path) -> int:
    """Bytes in the files under ``folder`` (links not followed)."""
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def command_line_executable(folder: Path) -> Path:
    """The executable in the built ``folder`` that runs ``parley`` commands (and the window)."""
    if sys.platform == "win32":
        return folder / "parley-cli.exe"
    if sys.platform == "darwin":
        return folder / "Contents" / "MacOS" / "parley"
    return folder / "parley"


def archive(folder: Path, stem: Path) -> Path:
    """``folder`` compressed beside it as ``stem`` + .zip (Windows) or .tar.gz (elsewhere)."""
    if sys.platform == "win32":
        target = stem.with_name(stem.name + ".zip")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as packed:
            for path in sorted(folder.rglob("*")):
                packed.write(path, path.relative_to(folder.parent))
        return target
    target = stem.with_name(stem.name + ".tar.gz")
    with tarfile.open(target, "w:gz", compresslevel=6) as packed:
        packed.add(folder, arcname=folder.name)  # keeps permissions and the .app's links
    return target


def main() -> int:
    """Build, archive, report; exit status of PyInstaller when it fails."""
    from app import __version__

    started = time.monotonic()
    built = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                            "--log-level", "WARN", "--distpath", str(DIST),
                            "--workpath", str(ROOT / "build" / "pyinstaller"),
                            str(ROOT / "packaging" / "parley.spec")], cwd=ROOT, check=False)
    if built.returncode != 0:
        return built.returncode
    folder = DIST / ("Parley.app" if sys.platform == "darwin" else "parley")
    stem = DIST / f"parley-{__version__}-{platform_tag()}"
    for suffix in (".tar.gz", ".zip"):  # this script's archives of earlier versions (not installers)
        for old in DIST.glob(f"parley-*-{platform_tag()}{suffix}"):
            old.unlink()
    packed = archive(folder, stem)
    report = {"version": __version__, "platform": platform_tag(), "folder": str(folder.relative_to(ROOT)),
              "executable": str(command_line_executable(folder).relative_to(ROOT)),
              "archive": str(packed.relative_to(ROOT)), "archive_bytes": packed.stat().st_size,
              "folder_bytes": folder_size(folder), "build_s": round(time.monotonic() - started, 1)}
    REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{packed.relative_to(ROOT)}: {report['archive_bytes'] / 1e6:.0f} MB "
          f"({report['folder_bytes'] / 1e6:.0f} MB unpacked), built in {report['build_s']:.0f} s")
    shutil.rmtree(ROOT / "build" / "pyinstaller", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

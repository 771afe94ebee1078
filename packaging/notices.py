"""The licence notices of everything a package build bundles: ``THIRD-PARTY-NOTICES.txt``.

Called from ``packaging/parley.spec`` with PyInstaller's analysis, so the list is what the build
really took, not a hand-kept copy of it:

- Python itself (its ``LICENSE.txt``), which covers the standard library;
- every installed distribution that any bundled module or library belongs to, with the licence
  files its wheel carries (``*.dist-info/licenses``);
- every shared library taken from the build machine's system, with its Debian ``copyright``
  file where ``dpkg`` can name the package (else the library's path, to look it up).

The About dialog shows the file as "Everything else in this package" (``app.licenses``). The
components Parley names itself there (Qt, llama.cpp, the model) keep their own licence texts.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

_LICENCE_FILE = re.compile(r"(licen[cs]e|copying|notice|authors)", re.IGNORECASE)
_RULE = "=" * 78


def python_licence() -> str:
    """The running Python's own licence text."""
    for folder in (sysconfig.get_paths()["stdlib"], sys.base_prefix):
        path = Path(folder) / "LICENSE.txt"
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return "Python Software Foundation License Version 2: https://docs.python.org/3/license.html"


def distributions_of(top_level_names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these top-level modules (stdlib ones have none)."""
    providers = metadata.packages_distributions()
    names = sorted({dist for name in top_level_names for dist in providers.get(name, [])}, key=str.lower)
    return [metadata.distribution(name) for name in names]


def distribution_notice(dist: metadata.Distribution) -> str:
    """One distribution's name, version, declared licence and licence files."""
    declared = (dist.metadata.get("License-Expression") or dist.metadata.get("License") or "").strip()
    classifiers = [c.split(" :: ")[-1] for c in dist.metadata.get_all("Classifier") or []
                   if c.startswith("License ::")]
    lines = [f"{dist.metadata['Name']} {dist.version}",
             f"Licence: {declared.splitlines()[0] if declared else ', '.join(classifiers) or 'see below'}"]
    for file in dist.files or []:
        if _LICENCE_FILE.search(file.name) and ".dist-info" in str(file):
            lines += ["", f"--- {file.name} ---", file.read_text(encoding="utf-8")]
    return "\n".join(lines)


def _debian_package(library: Path) -> str | None:
    """The Debian package a system library came from, if dpkg knows."""
    candidates = {str(library), str(library.resolve())}
    candidates |= {c.removeprefix("/usr") if c.startswith("/usr/") else "/usr" + c for c in set(candidates)}
    for candidate in sorted(candidates):
        try:
            found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, timeout=30,
                                   check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if found.returncode == 0 and ":" in found.stdout:
            return found.stdout.split(":", 1)[0].strip()
    return None


def system_library_notices(libraries: Iterable[Path]) -> list[str]:
    """A notice per Debian package the ``libraries`` came from (or per library without one)."""
    by_package: dict[str, list[Path]] = {}
    for library in libraries:
        by_package.setdefault(_debian_package(library) or "", []).append(library)
    by_text: dict[str, list[str]] = {}  # several packages of one project share one text
    notices = []
    for package, files in sorted(by_package.items()):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if package and copyright_file.is_file():
            names = ", ".join(sorted(path.name for path in files))
            text = copyright_file.read_text(encoding="utf-8", errors="replace")
            by_text.setdefault(text, []).append(f"{names} (Debian package {package})")
        else:
            notices += [f"{path.name}, from {path}: its licence is that of the system package it came from"
                        for path in files]
    notices += ["\n".join(names) + f"\n\n{text}" for text, names in by_text.items()]
    return notices


def is_system_library(source: Path) -> bool:
    """Whether ``source`` comes from the operating system, not from Python or a wheel."""
    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    return not any(source.resolve().is_relative_to(prefix) for prefix in prefixes)


def write_notices(pure: Iterable[tuple[str, str, str]], binaries: Iterable[tuple[str, str, str]],
                  target: Path) -> Path:
    """Write the notices for an analysis' ``pure`` modules and ``binaries`` (PyInstaller TOCs of
    (name, source, kind)) to ``target``; return it."""
    binaries = list(binaries)
    top_level = {name.split(".")[0] for name, _, _ in pure}
    top_level |= {Path(name).parts[0].split(".")[0] for name, _, _ in binaries}
    sections = [f"Python {sys.version.split()[0]} and its standard library\n\n{python_licence()}"]
    sections += [distribution_notice(dist) for dist in distributions_of(top_level)]
    sections += system_library_notices(Path(source) for _, source, _ in binaries
                                       if source and is_system_library(Path(source)))
    heading = ("Third-party software in this package of Parley, and its licences.\n"
               "Components Parley names in its About dialog (Qt, llama.cpp, the bundled model) are "
               "listed there with their own licence texts.")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"\n\n{_RULE}\n\n".join([heading, *sections]) + "\n", encoding="utf-8")
    return target

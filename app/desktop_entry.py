"""Linux desktop integration for the current user: ``parley desktop install|uninstall``.

Installs, following the XDG base directory and icon theme conventions under ``$XDG_DATA_HOME``
(``~/.local/share`` when unset):

- ``applications/io.parley.Parley.desktop``: the launcher, its ``Exec`` pointing at this
  installation (the packaged executable, or the source checkout's ``parley`` script);
- ``icons/hicolor/NxN/apps/io.parley.Parley.png`` at every size in ``resources/icons`` and
  ``icons/hicolor/scalable/apps/io.parley.Parley.svg``;
- ``metainfo/io.parley.Parley.metainfo.xml``: the AppStream description.

The sources are ``resources/linux`` and ``resources/icons``, found through ``app.resources``.
Uninstalling removes exactly these files and nothing else. Writes go only to those folders.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import APP_ID
from app.core.atomic import write_atomically
from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP
from app.resources import icon_files, is_frozen, resource_path

log = logging.getLogger(__name__)

_EXEC_RESERVED = re.compile(r"""[\s"'\\><~|&;$*?#()`]""")
_STRING_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}  # the spec's string escapes
_SHARED_MODE = 0o644  # launchers and icons are read by the desktop, like any installed file


@dataclass(frozen=True)
class DesktopFile:
    """One file the integration installs: where it goes, and its bytes."""

    target: Path
    data: bytes


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute (as the spec says)."""
    configured = os.environ.get("XDG_DATA_HOME", "")
    return Path(configured) if Path(configured).is_absolute() else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this installation of Parley."""
    if is_frozen():
        return [sys.executable]
    script = Path(sys.executable).with_name("parley")  # the venv's console script
    return [str(script)] if script.is_file() else [sys.executable, "-m", "app"]


def string_value(text: str) -> str:
    """``text`` escaped as a desktop entry string value (backslash, newline, tab, return)."""
    return "".join(_STRING_ESCAPES.get(char, char) for char in text)


def exec_value(command: list[str]) -> str:
    """``command`` as a desktop entry's ``Exec`` value: arguments quoted where the spec asks
    (``"`` ` ``$`` and ``\\`` escaped inside the quotes, ``%`` doubled), then escaped as a string."""
    def quoted(argument: str) -> str:
        if not _EXEC_RESERVED.search(argument):
            return argument
        return '"' + re.sub(r'(["`$\\])', r"\\\1", argument) + '"'

    return string_value(" ".join(quoted(argument).replace("%", "%%") for argument in command))


def desktop_entry(command: list[str]) -> str:
    """The launcher's text: the template in resources with ``Exec`` for ``command`` and ``TryExec``
    for its program (a plain path: ``TryExec`` is a string, not a command line)."""
    template = resource_path("linux", f"{APP_ID}.desktop").read_text(encoding="utf-8")
    template = re.sub(r"(?m)^TryExec=.*$", lambda _: "TryExec=" + string_value(command[0]), template)
    return re.sub(r"(?m)^Exec=.*$", lambda _: "Exec=" + exec_value(command), template)


def planned_files(home: Path, command: list[str]) -> list[DesktopFile]:
    """Every file an install writes under ``home`` (the XDG data home)."""
    hicolor = home / "icons" / "hicolor"
    files = [DesktopFile(home / "applications" / f"{APP_ID}.desktop", desktop_entry(command).encode()),
             DesktopFile(home / "metainfo" / f"{APP_ID}.metainfo.xml",
                         resource_path("linux", f"{APP_ID}.metainfo.xml").read_bytes()),
             DesktopFile(hicolor / "scalable" / "apps" / f"{APP_ID}.svg",
                         resource_path("icons", "parley.svg").read_bytes())]
    files += [DesktopFile(hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png", png.read_bytes())
              for size, png in icon_files().items()]
    return files


def install(home: Path, command: list[str]) -> list[Path]:
    """Write the launcher, icons and metainfo under ``home``; return what was written."""
    _check_platform()
    written = []
    for file in planned_files(home, command):
        write_atomically(file.target, file.data, mode=_SHARED_MODE)
        written.append(file.target)
    _refresh(home)
    return written


def uninstall(home: Path) -> list[Path]:
    """Remove what ``install`` writes under ``home`` (icons of sizes an older version installed
    too); return what was removed."""
    _check_platform()
    targets = {file.target for file in planned_files(home, launch_command())}
    targets.update((home / "icons" / "hicolor").glob(f"*/apps/{APP_ID}.*"))
    removed = []
    for target in sorted(targets):
        if target.is_file():
            target.unlink()
            removed.append(target)
    _refresh(home)
    return removed


def _check_platform() -> None:
    if not sys.platform.startswith("linux"):
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "Desktop integration is for Linux; on Windows and macOS the installer adds "
                      "Parley to the Start menu or Applications folder."))


def _refresh(home: Path) -> None:
    """Tell the desktop about the change: the launcher database, and the icon cache if the user
    already has one (a new cache would hide icons installed later without one)."""
    applications = home / "applications"
    hicolor = home / "icons" / "hicolor"
    commands = []
    if shutil.which("update-desktop-database") and applications.is_dir():
        commands.append(["update-desktop-database", "--quiet", str(applications)])
    if shutil.which("gtk-update-icon-cache") and (hicolor / "icon-theme.cache").is_file():
        commands.append(["gtk-update-icon-cache", "--quiet", "--force", "--ignore-theme-index", str(hicolor)])
    for command in commands:  # a convenience: the menu also notices the files by itself
        try:
            subprocess.run(command, check=False, capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            log.warning("%s did not run", command[0], exc_info=True)
    if hicolor.is_dir():
        hicolor.touch()  # icon caches notice a newer folder


def add_desktop_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``desktop install|uninstall`` to ``commands`` (the ``parley`` parser's subparsers)."""
    desktop = commands.add_parser(
        "desktop", parents=[common],
        help="add Parley to (or remove it from) this user's application menu (Linux)")
    desktop.add_argument("action", choices=("install", "uninstall"))


def run_desktop_command(args: argparse.Namespace) -> int:
    """``parley desktop install|uninstall``: print each file written or removed."""
    home = data_home()
    changed = install(home, launch_command()) if args.action == "install" else uninstall(home)
    for path in changed:
        print(path)
    verb = "installed" if args.action == "install" else "removed"
    print(f"{len(changed)} files {verb} under {home}.")
    return 0

"""Checking, before Qt starts, that a display and the system libraries Qt needs are present.

Without this, a missing library such as libxcb-cursor0 shows up as Qt's cryptic "could not
load the Qt platform plugin" abort. Here it becomes one sentence naming the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Libraries Qt's xcb and wayland platform plugins link to, and their Debian/Ubuntu packages.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}
HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb"}


def missing_libraries_in_ldd_output(output: str) -> list[str]:
    """The library names ``ldd`` reported as "not found"."""
    missing = []
    for line in output.splitlines():
        name, arrow, target = line.strip().partition("=>")
        if arrow and target.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def qt_file(*parts: str) -> Path:
    """A file of PySide6's (the wheel's layout, which the packaged app keeps)."""
    import PySide6  # only the package location; no Qt library is loaded here

    return Path(PySide6.__file__).parent.joinpath(*parts)


def plugin_path(platform: str) -> Path:
    """Where PySide6 keeps the Qt platform plugin for ``platform``."""
    return qt_file("Qt", "plugins", "platforms", f"libq{platform}.so")


def gui_module_path() -> Path:
    """PySide6's QtGui extension module: every window needs its libraries (libGL among them),
    offscreen too."""
    return next(iter(sorted(qt_file().glob("QtGui.*.so"))), qt_file("QtGui.abi3.so"))


def missing_libraries(*libraries: Path) -> list[str]:
    """System libraries these need, directly or not, but cannot find ([] if unknown): one ``ldd``."""
    existing = [str(library) for library in libraries if library.exists()]
    if not existing:
        return []
    try:
        result = subprocess.run(["ldd", *existing], capture_output=True, text=True, timeout=20,
                                check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return missing_libraries_in_ldd_output(result.stdout)


def display_problem(environ: Mapping[str, str] | None = None,
                    platform_name: str = sys.platform) -> str | None:
    """A sentence explaining why the GUI cannot start here, or None if it should start.
    Run before anything imports QtGui: a library QtGui lacks would fail that import."""
    env = os.environ if environ is None else environ
    if not platform_name.startswith("linux"):
        return None
    requested = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if not requested and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return ("No graphical display was found (DISPLAY and WAYLAND_DISPLAY are not set); "
                "start Parley from a desktop session, or use `parley chat` in a terminal.")
    libraries = [gui_module_path()]
    if requested not in HEADLESS_PLATFORMS:
        libraries.append(plugin_path(requested or ("xcb" if env.get("DISPLAY") else "wayland")))
    missing = missing_libraries(*libraries)
    if not missing:
        return None
    packages = sorted({DEBIAN_PACKAGES.get(lib, lib) for lib in missing})
    return (f"Qt cannot open a window because system libraries are missing "
            f"({', '.join(missing)}); on Debian or Ubuntu install them with: "
            f"sudo apt install {' '.join(packages)}")

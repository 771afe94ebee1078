"""The display check run before Qt starts."""

from __future__ import annotations

import pytest

from app import platform_check
from app.platform_check import display_problem, missing_libraries_in_ldd_output

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => not found
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxkbcommon-x11.so.0 => not found
"""


def test_not_found_libraries_are_read_from_ldd() -> None:
    assert missing_libraries_in_ldd_output(LDD_OUTPUT) == ["libxcb-cursor.so.0",
                                                           "libxkbcommon-x11.so.0"]


def test_missing_library_is_named_with_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_check, "missing_libraries",
                        lambda platform: ["libxcb-cursor.so.0"])
    problem = display_problem({"DISPLAY": ":0"}, "linux")
    assert problem is not None
    assert "libxcb-cursor.so.0" in problem and "sudo apt install libxcb-cursor0" in problem


def test_no_display_is_explained() -> None:
    problem = display_problem({}, "linux")
    assert problem is not None and "No graphical display" in problem


def test_offscreen_and_other_systems_need_no_check() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None


def test_the_real_check_reads_the_installed_plugin() -> None:
    """ldd runs on PySide6's own xcb plugin; whatever it misses maps to a package name."""
    assert platform_check.plugin_path("xcb").exists()
    missing = platform_check.missing_libraries("xcb")
    assert all(".so" in name for name in missing)
    assert all(name in platform_check.DEBIAN_PACKAGES for name in missing)

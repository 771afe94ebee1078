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
                        lambda *libraries: ["libxcb-cursor.so.0"] * (libraries[-1].name == "libqxcb.so"))
    problem = display_problem({"DISPLAY": ":0"}, "linux")
    assert problem is not None
    assert "libxcb-cursor.so.0" in problem and "sudo apt install libxcb-cursor0" in problem


def test_no_display_is_explained() -> None:
    problem = display_problem({}, "linux")
    assert problem is not None and "No graphical display" in problem


def test_offscreen_and_other_systems_need_no_check() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None


def test_qt_guis_own_libraries_are_needed_offscreen_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A minimal system without libGL: importing QtGui itself would fail (seen in a debootstrap
    chroot running the packaged app), so the check names it before anything imports Qt."""
    monkeypatch.setattr(platform_check, "missing_libraries",
                        lambda *libraries: ["libGL.so.1"] if libraries[0].name.startswith("QtGui") else [])
    problem = display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert problem is not None and "libGL.so.1" in problem and "sudo apt install libgl1" in problem


def test_the_gui_is_not_started_when_a_library_is_missing(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from app import cli

    monkeypatch.setattr(cli, "display_problem", lambda: "Qt cannot open a window because ...")
    assert cli.main(["gui", "--self-test"]) == 1
    assert capsys.readouterr().err == "parley: Qt cannot open a window because ...\n"


def test_the_real_check_reads_the_installed_plugin() -> None:
    """ldd runs on PySide6's own xcb plugin; whatever it misses maps to a package name."""
    assert platform_check.plugin_path("xcb").exists() and platform_check.gui_module_path().exists()
    missing = platform_check.missing_libraries(platform_check.gui_module_path(),
                                               platform_check.plugin_path("xcb"))
    assert all(".so" in name for name in missing)
    assert all(name in platform_check.DEBIAN_PACKAGES for name in missing)

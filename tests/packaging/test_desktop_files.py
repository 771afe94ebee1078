"""The Linux desktop files, the icons, and installing them for the current user."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
import tomllib
from PySide6.QtGui import QImage

from app import APP_ID, APP_NAME, __version__
from app.application import application_icon
from app.cli import main
from app.core.errors import ParleyError
from app.desktop_entry import desktop_entry, exec_value, install, launch_command, planned_files, uninstall
from app.resources import resource_path
from tests.packaging import packaging_module
from tests.packaging.desktop_spec import exec_arguments, exec_problems, problems, unescape_string

DESKTOP = resource_path("linux", f"{APP_ID}.desktop")
METAINFO = resource_path("linux", f"{APP_ID}.metainfo.xml")
ROOT = Path(__file__).resolve().parent.parent.parent
needs_appstreamcli = pytest.mark.skipif(shutil.which("appstreamcli") is None,
                                        reason="appstreamcli is not installed")


def pixels(image: QImage) -> np.ndarray:
    """The image's ARGB32 pixels as a height x width x 4 array."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[
        :, : image.width() * 4].reshape(image.height(), image.width(), 4)


def entry_values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_the_desktop_file_follows_the_spec() -> None:
    assert problems(DESKTOP) == []
    values = entry_values(DESKTOP.read_text(encoding="utf-8"))
    assert values["Name"] == APP_NAME and values["Icon"] == APP_ID and values["Type"] == "Application"


def test_the_spec_checker_catches_mistakes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.desktop"
    bad.write_text("[Desktop Entry]\nType=Application\nName=X\nExec=run $HOME %z\nIcon=x.png\n"
                   "Categories=Chat\nTerminal=yes\nColour=red\nName=Y\n")
    found = "\n".join(problems(bad))
    for expected in ("'$' must be inside double quotes", "unknown field code", "has no extension",
                     "must end with ';'", "must be true or false", "unknown key Colour",
                     "Name appears twice"):
        assert expected in found


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed")
def test_desktop_file_validate_accepts_it() -> None:
    done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout


@needs_appstreamcli
def test_appstreamcli_validates_the_metainfo() -> None:
    done = subprocess.run(["appstreamcli", "validate", "--no-net", "--explain", str(METAINFO)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not re.search(r"^[EW]: ", done.stdout, re.MULTILINE), done.stdout  # no errors or warnings


def test_the_metainfo_matches_the_app() -> None:
    component = ElementTree.parse(METAINFO).getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("name") == APP_NAME
    assert component.find("launchable").text == DESKTOP.name
    assert component.findtext("metadata_license") == "CC0-1.0"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert component.findtext("project_license") == project["license"]
    summary = component.findtext("summary")
    assert summary and len(summary) < 100 and not summary.endswith(".")
    newest = component.find("releases/release")
    assert newest is not None and newest.get("version") == __version__  # bump it with the version
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", newest.get("date", ""))


def test_icons_come_at_the_standard_sizes_and_match_the_drawing(qapp) -> None:
    icons = packaging_module("icons")
    for size in icons.PNG_SIZES:
        image = QImage(str(icons.png_file(size)))
        assert (image.width(), image.height()) == (size, size) and image.hasAlphaChannel()
        drawn = QImage.fromData(icons.render_png(size))
        # Another Qt version may antialias a few edge pixels differently: compare with a margin.
        difference = np.abs(pixels(image).astype(int) - pixels(drawn).astype(int))
        assert difference.max() <= 48 and difference.mean() < 1, f"{size}px is out of date: run make icons"


def test_the_windows_and_macos_icons_hold_their_sizes() -> None:
    icons = packaging_module("icons")
    ico = (ROOT / "packaging" / "windows" / "parley.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    sides = sorted(ico[6 + 16 * i] or 256 for i in range(count))
    assert (reserved, kind, sides) == (0, 1, sorted(icons.ICO_SIZES))
    icns = (ROOT / "packaging" / "macos" / "parley.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    offset, types = 8, []
    while offset < len(icns):
        types.append(icns[offset:offset + 4])
        offset += struct.unpack_from(">I", icns, offset + 4)[0]
    assert sorted(types) == sorted(icons.ICNS_TYPES.values())


def test_the_window_and_taskbar_use_the_icon(qapp) -> None:
    sizes = {size.width() for size in application_icon().availableSizes()}
    assert sizes == set(packaging_module("icons").PNG_SIZES)
    probe = ("from app.application import create_application; app = create_application(); "
             "print(app.desktopFileName(), sorted(s.width() for s in app.windowIcon().availableSizes()))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split(None, 1) == [APP_ID, f"{sorted(sizes)}\n"]


PATHS = [["/opt/parley/parley"], ["/home/a b/My \"Apps\"/parley (1)/parley"], ["/x/100%/parley", "-m", "app"],
         ["/tmp/$HOME/`x`\\y/parley"], ["/tmp/a\\py/parley"], ["/tmp/tab\there/parley"]]


@pytest.mark.parametrize("command", PATHS)
def test_exec_quotes_any_path(command: list[str]) -> None:
    value = exec_value(command)
    assert exec_problems(value) == []
    assert exec_arguments(value) == command


@pytest.mark.parametrize("command", PATHS)
def test_the_installed_launcher_runs_that_path(command: list[str], tmp_path: Path) -> None:
    install(tmp_path, command)
    launcher = tmp_path / "applications" / f"{APP_ID}.desktop"
    assert problems(launcher) == []
    values = entry_values(launcher.read_text(encoding="utf-8"))
    assert exec_arguments(values["Exec"]) == command
    assert unescape_string(values["TryExec"]) == command[0]  # a plain path, not a command line


def test_the_checker_refuses_escapes_the_spec_does_not_have() -> None:
    assert exec_problems(r'"/a\\"b"') == []  # a quote escaped inside quotes, then as a string
    assert exec_problems(r'"/a\\$b"') == []
    assert any("unknown string escape" in p for p in exec_problems(r'"/a\"b"'))


def test_install_puts_the_launcher_icons_and_metainfo_under_the_data_home(tmp_path: Path) -> None:
    home = tmp_path / "share"
    unrelated = home / "applications" / "other.desktop"
    unrelated.parent.mkdir(parents=True)
    unrelated.write_text("[Desktop Entry]\n")
    written = install(home, ["/opt/my apps/parley"])
    assert sorted(written) == sorted(file.target for file in planned_files(home, ["parley"]))
    launcher = home / "applications" / f"{APP_ID}.desktop"
    assert problems(launcher) == []
    values = entry_values(launcher.read_text(encoding="utf-8"))
    assert exec_arguments(values["Exec"]) == ["/opt/my apps/parley"]
    assert values["TryExec"] == "/opt/my apps/parley"
    assert {path.stat().st_mode & 0o777 for path in written} == {0o644}  # readable by the desktop
    for size in packaging_module("icons").PNG_SIZES:
        assert (home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (home / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    older_size = home / "icons" / "hicolor" / "96x96" / "apps" / f"{APP_ID}.png"  # from an older version
    older_size.parent.mkdir(parents=True)
    older_size.write_bytes(b"png")
    assert sorted(uninstall(home)) == sorted([*written, older_size])
    assert [path for path in home.rglob("*") if path.is_file()] == [unrelated]


@needs_appstreamcli
def test_an_installed_tree_validates(tmp_path: Path) -> None:
    install(tmp_path / "usr" / "share", launch_command())
    done = subprocess.run(["appstreamcli", "validate-tree", "--no-net", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_command_installs_for_this_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["desktop", "install"]) == 0
    launcher = tmp_path / "applications" / f"{APP_ID}.desktop"
    command = exec_arguments(entry_values(launcher.read_text(encoding="utf-8"))["Exec"])
    assert command == launch_command() and Path(command[0]).is_file()
    assert f"files installed under {tmp_path}" in capsys.readouterr().out
    assert main(["desktop", "uninstall"]) == 0
    assert not launcher.exists()


def test_a_relative_data_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.desktop_entry import data_home

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    assert data_home() == tmp_path / ".local" / "share"


def test_other_platforms_are_told_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(ParleyError, match="Desktop integration is for Linux"):
        install(tmp_path, ["parley"])
    assert not any(tmp_path.iterdir())


def test_the_template_keeps_a_plain_command_for_distribution_packages() -> None:
    values = entry_values(DESKTOP.read_text(encoding="utf-8"))
    assert values["Exec"] == "parley" and values["TryExec"] == "parley"
    assert entry_values(desktop_entry(["/x/parley"]))["Exec"] == "/x/parley"

"""The Windows version resource of Parley's executables (Explorer's Properties > Details tab).

``packaging/parley.spec`` imports ``build_version_info`` on Windows and passes the result to
PyInstaller's ``EXE(version=...)``. The classes used here are plain Python, but their module
imports ``pefile`` and ``PyInstaller.compat.win32api``, which PyInstaller installs and provides
only on Windows; elsewhere this module imports only with both present (or stubbed).
"""

from __future__ import annotations

import re

from PyInstaller.utils.win32.versioninfo import (
    FixedFileInfo,
    StringFileInfo,
    StringStruct,
    StringTable,
    VarFileInfo,
    VarStruct,
    VSVersionInfo,
)

COMPANY = "The Parley developers"
PRODUCT = "Parley"
LICENSE = "Apache-2.0"
# U.S. English (0x0409), Unicode (code page 1200 = 0x04B0): the string table's name and the
# translation entry must agree.
LANGUAGE = 0x0409
CODEPAGE = 1200
_RELEASE = re.compile(r"\d+(?:\.\d+)*")


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"0.1.0"`` -> ``(0, 1, 0, 0)``: the leading numeric release part, padded or cut to four.

    A suffix such as ``rc1`` or ``.dev0`` is ignored (the binary version has no room for it; the
    string fields keep the full version). Each part must fit in 16 bits.
    """
    match = _RELEASE.match(version.strip())
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    parts = [int(part) for part in match.group().split(".")][:4]
    if any(part > 0xFFFF for part in parts):
        raise ValueError(f"version parts must be at most 65535: {version!r}")
    parts += [0] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]


def build_version_info(version: str, original_filename: str = "Parley.exe") -> VSVersionInfo:
    """The version resource for Parley ``version`` (e.g. ``"0.1.0"``)."""
    numbers = version_tuple(version)
    dotted = ".".join(str(part) for part in numbers)
    strings = [
        StringStruct("CompanyName", COMPANY),
        StringStruct("FileDescription", PRODUCT),
        StringStruct("FileVersion", dotted),
        StringStruct("InternalName", original_filename.rsplit(".", 1)[0]),
        StringStruct("LegalCopyright", LICENSE),
        StringStruct("OriginalFilename", original_filename),
        StringStruct("ProductName", PRODUCT),
        StringStruct("ProductVersion", version),
    ]
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers, mask=0x3F, flags=0x0,
                          OS=0x40004,  # VOS_NT_WINDOWS32
                          fileType=0x1,  # VFT_APP
                          subtype=0x0, date=(0, 0)),
        kids=[
            StringFileInfo([StringTable(f"{LANGUAGE:04X}{CODEPAGE:04X}", strings)]),
            VarFileInfo([VarStruct("Translation", [LANGUAGE, CODEPAGE])]),
        ],
    )

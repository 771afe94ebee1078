"""Render Parley's icon files from the one drawing, ``resources/icons/parley.svg``.

Writes the PNGs the window and the Linux desktop use (``resources/icons/parley-N.png`` at the
freedesktop hicolor sizes), the Windows icon (``packaging/windows/parley.ico``) and the macOS
icon (``packaging/macos/parley.icns``). Both container formats hold PNG images, which every
supported Windows (Vista and later) and macOS (10.7 and later) reads, so they are written here
directly instead of with a platform tool. Run it after changing the SVG: ``make icons``.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "parley.svg"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # the hicolor theme's fixed sizes
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (ic10 is 512 pt at 2x).
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09",
              1024: b"ic10"}


def png_file(size: int) -> Path:
    """Where the PNG of ``size`` pixels lives."""
    return ROOT / "resources" / "icons" / f"parley-{size}.png"


def render_png(size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        render_png.app = QGuiApplication([])  # type: ignore[attr-defined]  # kept alive
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def ico(images: dict[int, bytes]) -> bytes:
    """A Windows .ico holding ``images`` (size -> PNG bytes)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def icns(images: dict[int, bytes]) -> bytes:
    """A macOS .icns holding ``images`` (size -> PNG bytes; sizes from ICNS_TYPES)."""
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(png)) + png
                    for size, png in sorted(images.items()))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    """Write every icon file; print what was written."""
    rendered = {size: render_png(size) for size in sorted(set(PNG_SIZES) | set(ICNS_TYPES))}
    outputs = {png_file(size): rendered[size] for size in PNG_SIZES}
    outputs[ROOT / "packaging" / "windows" / "parley.ico"] = ico({s: rendered[s] for s in ICO_SIZES})
    outputs[ROOT / "packaging" / "macos" / "parley.icns"] = icns({s: rendered[s] for s in ICNS_TYPES})
    for path, data in outputs.items():
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

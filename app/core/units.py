"""Sizes for people, in one style everywhere: decimal units, as disks and downloads are sold."""

from __future__ import annotations


def size_text(size: float) -> str:
    """A byte count for people: "92.1 MB", "4.1 GB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} B"

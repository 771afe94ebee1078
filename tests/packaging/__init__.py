"""Tests of the package recipe, the desktop files and the resource lookup (no build needed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parent.parent.parent / "packaging"


def packaging_module(name: str) -> ModuleType:
    """A script from ``packaging/`` (not importable by name: PyPI's ``packaging`` owns it)."""
    spec = importlib.util.spec_from_file_location(f"parley_packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

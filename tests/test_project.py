"""Project-wide rules: layering, the README settings table, and the Qt version guard."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from app.docs import SECTIONS, markers

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def modules_importing(pattern: str) -> set[str]:
    regex = re.compile(rf"^\s*(import|from)\s+{pattern}\b", re.MULTILINE)
    return {str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py")
            if regex.search(p.read_text(encoding="utf-8"))}


def test_only_the_engine_imports_llama_cpp() -> None:
    assert {m for m in modules_importing("llama_cpp") if not m.startswith("app/engine/")} == set()


def test_core_imports_no_qt() -> None:
    assert {m for m in modules_importing("(PySide6|shiboken6)") if m.startswith("app/core/")} == set()


@pytest.mark.parametrize("name", list(SECTIONS))
def test_readme_generated_tables_match_their_sources(name: str) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = markers(name)
    assert start in text and end in text
    table = text[text.index(start) + len(start):text.index(end)]
    assert table == SECTIONS[name](), (
        f"README {name} is stale; regenerate it with `make readme-settings`")


def test_readme_shows_the_two_commands_first() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.index("make run") < text.index("## ")
    assert text.index("make test") < text.index("## ")


def test_pyside_build_keeps_reference_counts(qtbot) -> None:
    """PySide6 6.12.0 dropped a reference to None on every Python override call of a
    virtual such as ``QTextDocument.loadResource`` and crashed later; keep such builds out."""
    from PySide6.QtGui import QTextDocument

    class Probe(QTextDocument):
        def loadResource(self, resource_type, url):
            return None

    document = Probe()
    before = sys.getrefcount(None)
    for _ in range(50):
        document.setMarkdown("![x](missing-image.png)")
        document.size()
    assert sys.getrefcount(None) >= before - 5

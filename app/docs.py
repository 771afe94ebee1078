"""Regenerating the generated parts of README.md (the settings and shortcuts tables) from their
sources, so the README cannot drift from the code.

Run with ``make readme-settings``; a test fails when the README falls out of date.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from app.core.settings_schema import markdown_table as settings_table


def _shortcuts_table() -> str:
    from app.ui.shortcuts import markdown_table  # Qt: imported only when the README is written

    return markdown_table()


# Each generated section: its name (between <!-- NAME:start --> and <!-- NAME:end -->) and source.
SECTIONS: dict[str, Callable[[], str]] = {"settings-table": settings_table,
                                          "shortcuts-table": _shortcuts_table}


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of a generated section."""
    return f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"


def with_section(text: str, name: str) -> str:
    """``text`` with the section ``name`` regenerated."""
    start, end = markers(name)
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}{SECTIONS[name]()}{end}{tail}"


def main(argv: list[str]) -> int:
    """Rewrite the README named in ``argv`` (default README.md) in place."""
    readme = Path(argv[0] if argv else "README.md")
    text = readme.read_text(encoding="utf-8")
    for name in SECTIONS:
        text = with_section(text, name)
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

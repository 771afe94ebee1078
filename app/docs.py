"""Regenerating the generated parts of README.md (the settings table) from their sources.

Run with ``make readme-settings``; a test fails when the README falls out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.core.settings_schema import markdown_table

START = "<!-- settings-table:start -->\n"
END = "<!-- settings-table:end -->"


def with_settings_table(text: str) -> str:
    """``text`` with the section between the settings-table markers regenerated."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}{markdown_table()}{END}{tail}"


def main(argv: list[str]) -> int:
    """Rewrite the README named in ``argv`` (default README.md) in place."""
    readme = Path(argv[0] if argv else "README.md")
    readme.write_text(with_settings_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

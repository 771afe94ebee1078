"""The user's settings: a validated value for every declared option, saved as JSON atomically.

An unreadable or invalid settings file is moved aside (kept, never deleted) and defaults are
used, with a one-sentence warning for the user.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from app.core.atomic import move_aside, write_atomically
from app.core.settings_schema import OPTIONS, SAMPLING_NAMES, SettingError, defaults, option

log = logging.getLogger(__name__)


class Settings:
    """An immutable set of validated setting values."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        merged = defaults()
        for name, raw in (values or {}).items():
            merged[name] = option(name).coerce(raw)
        self._values = merged

    def __getitem__(self, name: str) -> Any:
        return self._values[option(name).name]

    def with_changes(self, changes: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Settings:
        """A copy with ``changes`` applied (validated and clamped)."""
        updated = dict(self._values)
        updated.update(dict(changes))
        return Settings(updated)

    def as_dict(self) -> dict[str, Any]:
        """Every value, by name, in declaration order."""
        return {o.name: self._values[o.name] for o in OPTIONS}

    def sampling(self) -> dict[str, Any]:
        """The values that shape one reply, as recorded with each assistant message."""
        return {name: self._values[name] for name in SAMPLING_NAMES}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and other._values == self._values

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """Read settings from ``path``; return them and a warning sentence, if something was wrong.

    A missing file gives the defaults silently. A damaged file is moved aside and defaults are
    used. Single bad values are replaced by their defaults and named in the warning.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _start_fresh(path, exc)
    if not isinstance(raw, dict):
        return _start_fresh(path, TypeError("not a JSON object"))

    good: dict[str, Any] = {}
    rejected: list[str] = []
    for name, value in raw.items():
        try:
            good[option(name).name] = option(name).coerce(value)
        except SettingError:
            rejected.append(name)
    if not rejected:
        return Settings(good), None
    log.warning("ignored invalid settings in %s: %s", path, rejected)
    return Settings(good), (
        f"Some settings in {path} were invalid ({', '.join(sorted(rejected))}) "
        "and their defaults are used; check them in Settings."
    )


def _start_fresh(path: Path, exc: BaseException) -> tuple[Settings, str]:
    log.warning("settings file %s is unreadable: %s", path, exc)
    try:
        kept = move_aside(path, "damaged")
    except OSError:
        return Settings(), f"The settings file {path} could not be read, so defaults are used."
    return Settings(), (
        f"The settings file could not be read, so defaults are used; the old file was kept as {kept}."
    )


def save_settings(path: Path, settings: Settings) -> None:
    """Write ``settings`` to ``path`` atomically (old or new file, never a mix)."""
    text = json.dumps(settings.as_dict(), indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text.encode("utf-8"))

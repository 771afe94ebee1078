"""The user's settings: a validated value for every declared option, saved as versioned JSON.

``Settings`` is immutable. Global defaults live in the settings file; a conversation's
overrides are a plain ``{name: value}`` mapping applied on top (``Settings.with_changes``).
Invalid values from a file are named in a warning, and the file is kept as a backup before
anything new is written over it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from app.core.atomic import move_aside
from app.core.errors import Joined, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.json_file import read_document, set_aside, write_document
from app.core.option import Applies, Group
from app.core.settings_schema import OPTIONS, SettingError, defaults, option

FILE_KIND = "parley-settings"
FILE_VERSION = 1
WHAT = Phrase(QT_TRANSLATE_NOOP("Errors", "settings"))  # names the file in warnings

log = logging.getLogger(__name__)


class Settings:
    """An immutable set of validated setting values."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        merged = defaults()
        for name, raw in (values or {}).items():
            merged[option(name).name] = option(name).coerce(raw)
        self._values = merged

    def __getitem__(self, name: str) -> Any:
        return self._values[option(name).name]

    def with_changes(self, changes: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Settings:
        """A copy with ``changes`` applied (only the changed values are validated again)."""
        copy = Settings.__new__(Settings)
        copy._values = dict(self._values)
        for name, raw in dict(changes).items():
            copy._values[option(name).name] = option(name).coerce(raw)
        return copy

    def as_dict(self) -> dict[str, Any]:
        """Every value, by name, in declaration order (JSON-ready)."""
        return {o.name: json_value(self._values[o.name]) for o in OPTIONS}

    def sampling(self) -> dict[str, Any]:
        """The values that shape how each token is picked."""
        return {o.name: self._values[o.name] for o in OPTIONS if o.group is Group.SAMPLING}

    def load_values(self) -> dict[str, Any]:
        """The values the model was loaded with; a change to any of them needs a reload."""
        return {o.name: self._values[o.name] for o in OPTIONS if o.applies is Applies.MODEL_RELOAD}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and other._values == self._values

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"


def json_value(value: Any) -> Any:
    """A setting value as JSON holds it (lists of texts are tuples in memory)."""
    return list(value) if isinstance(value, tuple) else value


def json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated values, by name, as JSON holds them (for overrides and presets)."""
    return {name: json_value(value) for name, value in values.items()}


def validate_values(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[SettingError]]:
    """Split ``raw`` into valid values and an error (one sentence) per rejected name or value."""
    good: dict[str, Any] = {}
    problems: list[SettingError] = []
    for name, value in raw.items():
        try:
            good[option(name).name] = option(name).coerce(value)
        except SettingError as exc:
            problems.append(exc)
    return good, problems


def load_settings(path: Path) -> tuple[Settings, Phrase | None]:
    """Read settings from ``path``; return them and a warning sentence, if something was wrong.

    A missing file gives the defaults silently. An unreadable file is moved aside and the
    defaults are used. Single invalid values fall back to their defaults; they are named in
    the warning, and the file is kept as a backup so the next save does not overwrite it.
    """
    document = read_document(path, FILE_KIND, FILE_VERSION, WHAT)
    if document.data is None:
        return Settings(), document.warning
    if not isinstance(document.data, dict):
        return Settings(), set_aside(path, WHAT, Phrase(QT_TRANSLATE_NOOP(
            "Errors", "it does not hold a settings object"))).warning
    good, problems = validate_values(document.data)
    if not problems:
        return Settings(good), None
    try:
        kept = Phrase(QT_TRANSLATE_NOOP("Errors", "the old file was kept as {path}"),
                      path=move_aside(path, "invalid"))
    except OSError:  # a read-only folder: the file stays as it is
        kept = Phrase(QT_TRANSLATE_NOOP("Errors", "fix {path} by hand"), path=path)
    else:
        try:
            save_settings(path, Settings(good))  # the valid values survive the next start
        except OSError:  # a full disk: they are still in the kept file
            log.warning("cannot save the valid settings to %s", path, exc_info=True)
    return Settings(good), Phrase(QT_TRANSLATE_NOOP(
        "Errors", "Invalid settings were replaced by their defaults and {kept}: {problems}"),
        kept=kept, problems=Joined(" ", problems))


def save_settings(path: Path, settings: Settings) -> None:
    """Write ``settings`` to ``path`` atomically (old or new file, never a mix)."""
    write_document(path, FILE_KIND, FILE_VERSION, settings.as_dict())

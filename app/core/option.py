"""The shape of one declared setting, and how raw values become valid ones.

An ``Option`` knows its type, range or choices, label, help, group and when a change takes
effect. ``coerce`` is the one validation path for every source (the panel, ``--set``, presets
and hand-edited files): values of the wrong kind or outside the range are rejected with a
sentence naming the option and what it accepts. (The panel's spin boxes take their range
from the declaration, so what is typed there is clamped before it gets here.) Texts may not
hold NUL characters, a one-line text (a path, a name) no control characters at all, and no text
may be longer than ``MAX_TEXT`` characters.
"""

from __future__ import annotations

import enum
import json
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.errors import ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP

MAX_TEXT = 1_000_000  # characters in one text setting (a system prompt, a template, a stop text)


class SettingError(ParleyError):
    """A setting value that cannot be used."""


class Applies(enum.Enum):
    """When a changed value takes effect (the values are English; the panel translates them)."""

    NEXT_MESSAGE = QT_TRANSLATE_NOOP("Settings", "next message")
    MODEL_RELOAD = QT_TRANSLATE_NOOP("Settings", "model reload")
    NOW = QT_TRANSLATE_NOOP("Settings", "at once")
    RESTART = QT_TRANSLATE_NOOP("Settings", "next start")


class Group(enum.Enum):
    """Where an option appears in the settings panel (English values, translated where shown)."""

    SAMPLING = QT_TRANSLATE_NOOP("Settings", "Sampling")
    MODEL = QT_TRANSLATE_NOOP("Settings", "Model loading")
    CONVERSATION = QT_TRANSLATE_NOOP("Settings", "Conversation")
    MEMORY = QT_TRANSLATE_NOOP("Settings", "Conversation memory")
    APPEARANCE = QT_TRANSLATE_NOOP("Settings", "Appearance")
    API_SERVER = QT_TRANSLATE_NOOP("Settings", "Local API server")

    @property
    def app_wide(self) -> bool:
        """Whether its options are the app's, never one chat's own (always stored as defaults)."""
        return self in (Group.APPEARANCE, Group.API_SERVER)


@dataclass(frozen=True)
class Option:
    """One declared setting.

    ``type`` is bool, int, float, str or tuple (a list of strings). ``choices`` pairs each
    allowed value with its label. ``special`` names the minimum value when it means something
    else (seed -1 is "random"). ``check`` validates what types and ranges cannot (a template).
    ``label``, ``help``, the choice labels and ``special`` are English source texts marked with
    ``QT_TRANSLATE_NOOP("Settings", …)``; the panel shows them translated in that context.
    """

    name: str
    type: type
    default: Any
    label: str
    help: str
    applies: Applies
    group: Group
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[Any, str], ...] = ()
    special: str = ""
    multiline: bool = False
    check: Callable[[Any], None] | None = None

    def accepts_text(self) -> str:
        """What the option accepts, in words (errors, help and the README)."""
        return str(self.accepts())

    def accepts(self) -> Phrase:
        """What the option accepts, as a translatable phrase (for errors)."""
        if self.choices:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "one of {choices}"),
                          choices=", ".join(str(value) for value, _ in self.choices))
        if self.type is bool:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "true or false"))
        if self.type is tuple:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "a text, or a JSON list of texts"))
        if self.type is str:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "any text"))
        bounds = {"minimum": _number(self.minimum), "maximum": _number(self.maximum)}
        if self.type is int:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "a whole number from {minimum} to {maximum}"),
                          **bounds)
        return Phrase(QT_TRANSLATE_NOOP("Errors", "a number from {minimum} to {maximum}"), **bounds)

    def coerce(self, raw: Any) -> Any:
        """Convert ``raw`` (a JSON value or command-line text) to a valid value, or raise."""
        try:
            value = _CONVERTERS[self.type](raw)
        except (TypeError, ValueError, OverflowError, RecursionError):  # a huge number, deep JSON
            raise self._rejection(raw) from None
        if self.type in (str, tuple) and not self.choices:
            self._check_texts((value,) if self.type is str else value)
        if self.choices and value not in {choice for choice, _ in self.choices}:
            raise self._rejection(raw)
        too_low = self.minimum is not None and value < self.minimum
        too_high = self.maximum is not None and value > self.maximum
        if too_low or too_high:
            raise self._rejection(raw)
        if self.check is not None:
            self.check(value)
        return value

    def _check_texts(self, texts: tuple[str, ...]) -> None:
        one_line = self.type is str and not self.multiline
        for text in texts:
            if len(text) > MAX_TEXT:
                raise SettingError(QT_TRANSLATE_NOOP(
                    "Errors", "The setting {name} is too long ({length} characters); use at most {limit}."),
                    name=self.name, length=f"{len(text):,}", limit=f"{MAX_TEXT:,}")
            control = _control_character(text, one_line)
            if control:
                raise SettingError(QT_TRANSLATE_NOOP(
                    "Errors", "The setting {name} cannot contain the control character {character}; "
                              "remove it."), name=self.name, character=f"U+{ord(control):04X}")

    def _rejection(self, raw: Any) -> SettingError:
        return SettingError(
            QT_TRANSLATE_NOOP("Errors", "The setting {name} cannot be {value}; use {accepts}."),
            name=self.name, value=_shown(raw), accepts=self.accepts())


def _control_character(text: str, one_line: bool) -> str:
    """The first character ``text`` may not hold: NUL, or in a one-line text any control character."""
    if one_line:
        return next((c for c in text if unicodedata.category(c) == "Cc"), "")
    return "\x00" if "\x00" in text else ""


def _shown(raw: Any) -> str:
    """A rejected value as an error shows it: short, one line, without control characters."""
    if isinstance(raw, str) and len(raw) <= 40 and raw.isprintable():
        return raw
    try:
        return repr(raw)[:40]
    except ValueError:  # an integer too long to write out
        return type(raw).__name__


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    words = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False}
    if isinstance(raw, str) and raw.strip().lower() in words:
        return words[raw.strip().lower()]
    raise ValueError(raw)


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValueError(raw)
    return int(raw)


def _to_float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(raw)
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _to_str(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(raw)
    return raw


def _to_texts(raw: Any) -> tuple[str, ...]:
    """A list of non-empty texts: a JSON list, a Python list, or one plain text."""
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw) if raw.lstrip().startswith("[") else None
        except json.JSONDecodeError:
            parsed = None  # "[INST]" is a stop text, not broken JSON
        raw = parsed if isinstance(parsed, list) else [raw] if raw else []
    if not isinstance(raw, list | tuple) or not all(isinstance(t, str) and t for t in raw):
        raise ValueError(raw)
    return tuple(raw)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    bool: _to_bool, int: _to_int, float: _to_float, str: _to_str, tuple: _to_texts,
}

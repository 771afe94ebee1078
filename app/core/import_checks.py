"""Checking the fields of an import file, so a bad file is refused with the place at fault.

``checked_field(obj, key, where, KIND)`` returns a field converted to what Parley stores, or
raises ``Invalid`` naming where in the file the problem is ("conversations[2].messages[5]: role
must be system, user or assistant"). Texts that will be stored are made storable: a lone
surrogate (``\\ud800`` is valid JSON, but no UTF-8 text can hold it) becomes U+FFFD. Free-form
values stored as JSON (setting overrides) may nest at most ``MAX_DEPTH`` levels: deeper ones
would exhaust the stack when they are read or exported again.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.models import MessageStatus, Role


class Invalid(Exception):
    """A problem at one place in an import file; becomes an ImportFileError.

    ``problem`` and ``advice`` are translatable phrases; ``where`` (a place in the file, such as
    "conversations[2].messages[5]") is not translated."""

    def __init__(self, where: str, problem: Phrase, advice: Phrase | None = None) -> None:
        where = valid_text(where if len(where) <= 200 else where[:199] + "…")  # a hostile key
        self.phrase = (Phrase(QT_TRANSLATE_NOOP("Errors", "{where}: {problem}"), where=where, problem=problem)
                       if where else problem)
        super().__init__(str(self.phrase))
        self.advice = advice


MAX_DEPTH = 100  # how deep a value may nest; real files nest about 10 levels
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class TooDeep(Exception):
    """A value nests more than MAX_DEPTH levels."""


def same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Kind:
    """What a field may hold: a phrase for errors, a test, and a conversion."""

    expected: Phrase
    accepts: Callable[[Any], bool]
    convert: Callable[[Any], Any] = same


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def choice(values: list[str]) -> Kind:
    return Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "{choices} or {last}"),
                       choices=", ".join(values[:-1]), last=values[-1]),
                lambda value: isinstance(value, str) and value in values)


TEXT = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "text")), lambda value: isinstance(value, str),
            lambda value: valid_text(value))
FLAG = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "true or false")), lambda value: isinstance(value, bool))
WHOLE = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "a whole number")), is_whole)
NUMBER = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "a number")), is_number, float)
LATEST_TIME = 4_102_444_800.0  # 2100-01-01: later "seconds" are milliseconds or garbage
TIME = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "a time in seconds since 1970 (before 2100)")),
            lambda value: is_number(value) and 0 <= value < LATEST_TIME, float)
OBJECT = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "an object")), lambda value: isinstance(value, dict))
SETTINGS = Kind(OBJECT.expected, OBJECT.accepts, lambda value: checked_json(value))  # stored as JSON
LIST = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "a list")), lambda value: isinstance(value, list))
ROLE = choice([role.value for role in Role])
STATUS = choice([status.value for status in MessageStatus])
RATING = Kind(Phrase(QT_TRANSLATE_NOOP("Errors", "1 or -1")),
              lambda value: is_whole(value) and value in (1, -1))


def checked_field(obj: dict[str, Any], key: str, where: str, kind: Kind, *,
           nullable: bool = False, required: bool = True) -> Any:
    """``obj[key]`` checked against ``kind``; a missing optional field reads as None."""
    if key not in obj:
        if required:
            raise Invalid(where, Phrase(QT_TRANSLATE_NOOP("Errors", "{key} is missing"), key=key))
        return None
    value = obj[key]
    if value is None and nullable:
        return None
    if not kind.accepts(value):
        if nullable:
            raise Invalid(where, Phrase(QT_TRANSLATE_NOOP("Errors", "{key} must be {expected}, or null"),
                                        key=key, expected=kind.expected))
        raise Invalid(where, Phrase(QT_TRANSLATE_NOOP("Errors", "{key} must be {expected}"),
                                    key=key, expected=kind.expected))
    try:
        return kind.convert(value)
    except TooDeep:
        raise Invalid(where, Phrase(QT_TRANSLATE_NOOP("Errors", "{key} is nested more than {limit} levels "
                                                                "deep"), key=key, limit=MAX_DEPTH)) from None


def checked_json(value: Any) -> Any:
    """A free-form value of the file (setting overrides), walked without recursion: TooDeep if
    it nests more than MAX_DEPTH levels, lone surrogates in its texts and keys replaced."""
    if isinstance(value, str):
        return valid_text(value)
    pending = [(value, 1)]
    while pending:
        container, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise TooDeep
        if isinstance(container, dict):
            if not all(map(_is_valid_text, container)):
                fixed = {valid_text(key): item for key, item in container.items()}
                if len(fixed) != len(container):  # two keys told apart only by their surrogates
                    raise repeated_key("\ufffd")
                container.clear()
                container.update(fixed)
            items: Any = container.items()
        else:
            items = enumerate(container)
        for key, item in list(items):
            if isinstance(item, (dict, list)):
                pending.append((item, depth + 1))
            elif isinstance(item, str) and not _is_valid_text(item):
                container[key] = valid_text(item)
    return value


def repeated_key(key: str) -> Invalid:
    """The problem of a file with an object that has ``key`` twice (a JSON parser would keep one)."""
    return Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "the key {key} appears twice"),
                              key=json.dumps(valid_text(key), ensure_ascii=False)[:60]))


def too_deep() -> Invalid:
    """The problem of a file nested too deeply for the JSON parser (about 1,000 levels)."""
    return Invalid("", Phrase(QT_TRANSLATE_NOOP("Errors", "it is nested too deeply to be read")))


def _is_valid_text(text: str) -> bool:
    return text.isascii() or not _LONE_SURROGATE.search(text)


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD."""
    return text if _is_valid_text(text) else _LONE_SURROGATE.sub("\ufffd", text)


def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(where, Phrase(QT_TRANSLATE_NOOP("Errors", "must be an object")))
    return value

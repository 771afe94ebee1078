"""A checker for desktop entry files, after the freedesktop Desktop Entry Specification 1.5.

Used where ``desktop-file-validate`` is not installed (and beside it where it is). It checks what
the spec requires of an application entry: the group, known keys and their value types, locale
keys, string lists, categories, the icon name and the ``Exec`` field codes and quoting.
"""

from __future__ import annotations

import re
from pathlib import Path

# Key -> value type, for the keys the specification defines.
KEYS = {
    "Type": "string", "Version": "string", "Name": "localestring", "GenericName": "localestring",
    "NoDisplay": "boolean", "Comment": "localestring", "Icon": "iconstring", "Hidden": "boolean",
    "OnlyShowIn": "strings", "NotShowIn": "strings", "DBusActivatable": "boolean", "TryExec": "string",
    "Exec": "string", "Path": "string", "Terminal": "boolean", "Actions": "strings", "MimeType": "strings",
    "Categories": "strings", "Implements": "strings", "Keywords": "localestrings", "StartupNotify": "boolean",
    "StartupWMClass": "string", "URL": "string", "PrefersNonDefaultGPU": "boolean",
    "SingleMainWindow": "boolean",
}
MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
                   "Office", "Science", "Settings", "System", "Utility"}
FIELD_CODES = set("fFuUick%")
_STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
_KEY = re.compile(r"([A-Za-z0-9-]+)(?:\[([a-z]{2,3}(?:_[A-Z]{2})?(?:\.[A-Za-z0-9-]+)?(?:@[a-z]+)?)\])?$")


def problems(path: Path) -> list[str]:
    """What in ``path`` breaks the specification (an empty list when nothing does)."""
    found: list[str] = []
    try:
        lines = path.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return ["not UTF-8"]
    entries: dict[str, str] = {}
    group = None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            group = line.strip()
            if group != "[Desktop Entry]" and not group.startswith(("[Desktop Action ", "[X-")):
                found.append(f"line {number}: unknown group {group}")
            continue
        if group is None:
            found.append(f"line {number}: a key before the [Desktop Entry] group")
            continue
        key, sep, value = line.partition("=")
        if not sep:
            found.append(f"line {number}: not KEY=VALUE")
            continue
        key = key.rstrip()
        value = value.lstrip()
        if group != "[Desktop Entry]":
            continue
        match = _KEY.fullmatch(key)
        if not match:
            found.append(f"line {number}: invalid key {key!r}")
            continue
        base, locale = match.groups()
        if key in entries:
            found.append(f"line {number}: {key} appears twice")
        entries[key] = value
        found += [f"line {number}: {problem}" for problem in _value_problems(base, locale, value)]
    return found + _entry_problems(entries)


def _value_problems(base: str, locale: str | None, value: str) -> list[str]:
    if base.startswith("X-"):
        return []
    kind = KEYS.get(base)
    if kind is None:
        return [f"unknown key {base}"]
    if locale and not kind.startswith("locale"):
        return [f"{base} cannot be localized"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"{base} must be true or false, not {value!r}"]
    if kind in ("strings", "localestrings") and not value.endswith(";"):
        return [f"{base} is a list and must end with ';'"]
    if kind == "iconstring" and not value.startswith("/") and Path(value).suffix in (".png", ".svg", ".xpm"):
        return [f"Icon {value!r} names a theme icon, so it has no extension"]
    return []


def _entry_problems(entries: dict[str, str]) -> list[str]:
    found = [f"{key} is required" for key in ("Type", "Name") if key not in entries]
    if entries.get("Type") == "Application":
        if "Exec" not in entries and entries.get("DBusActivatable") != "true":
            found.append("an Application needs Exec")
        found += exec_problems(entries.get("Exec", ""))
        categories = [c for c in entries.get("Categories", "").split(";") if c]
        if not MAIN_CATEGORIES & set(categories):
            found.append("Categories names no main category")
    if entries.get("Version", "1.5") not in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5"):
        found.append(f"unknown Version {entries['Version']}")
    return found


def unescape_string(value: str) -> str:
    """A string value as the spec reads it (``\\s \\n \\t \\r \\\\``); ValueError on any other escape."""
    out, index = [], 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            escaped = value[index + 1:index + 2]
            if escaped not in _STRING_ESCAPES:
                raise ValueError(f"unknown string escape \\{escaped} at {index}")
            out.append(_STRING_ESCAPES[escaped])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def exec_problems(value: str) -> list[str]:
    """The ``Exec`` value's field codes and quoting, as the spec's "The Exec key" section says."""
    found = []
    try:
        unescaped = unescape_string(value)  # the string-value escapes first
    except ValueError as exc:
        return [f"Exec: {exc}"]
    in_quotes = False
    index = 0
    while index < len(unescaped):
        char = unescaped[index]
        if in_quotes and char == "\\":
            if index + 1 >= len(unescaped) or unescaped[index + 1] not in '"`$\\':
                found.append(f"Exec: a backslash in quotes must escape \" ` $ or \\ (at {index})")
            index += 2
            continue
        if char == '"':
            in_quotes = not in_quotes
        elif char == "%":
            if index + 1 >= len(unescaped) or unescaped[index + 1] not in FIELD_CODES:
                found.append(f"Exec: unknown field code at {index}")
            index += 1
        elif not in_quotes and char in "`$\\'":
            found.append(f"Exec: {char!r} must be inside double quotes")
        index += 1
    if in_quotes:
        found.append("Exec: unterminated quotes")
    return found


def exec_arguments(value: str) -> list[str]:
    """Split an ``Exec`` value into arguments (no field codes), as a launcher does."""
    unescaped = unescape_string(value)
    arguments: list[str] = []
    current, in_quotes, started, index = "", False, False, 0
    while index < len(unescaped):
        char = unescaped[index]
        if in_quotes and char == "\\":
            current += unescaped[index + 1]
            index += 2
            continue
        if char == '"':
            in_quotes, started = not in_quotes, True
        elif char == " " and not in_quotes:
            if started:
                arguments.append(current)
            current, started = "", False
        elif char == "%" and unescaped[index + 1] == "%":
            current, started = current + "%", True
            index += 1
        else:
            current, started = current + char, True
        index += 1
    if started:
        arguments.append(current)
    return arguments

"""Presets: named sets of setting values, built in or the user's own, importable as JSON.

A preset holds any subset of options. One that includes a system prompt is a persona: it
starts a chat with a role. Built-in presets cannot be changed or deleted. User presets live in
one versioned JSON file; imports are validated completely before anything is added, so a bad
file changes nothing and the error names the preset, the option and the valid range.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.json_file import read_document, set_aside, write_document
from app.core.settings import Settings, json_values, validate_values
from app.core.settings_schema import SettingError, defaults

FILE_KIND = "parley-presets"
FILE_VERSION = 1
WHAT = Phrase(QT_TRANSLATE_NOOP("Errors", "presets"))  # names the file in warnings


@dataclass(frozen=True)
class Preset:
    """A named set of setting values (JSON-ready)."""

    name: str
    values: Mapping[str, Any]
    description: str = ""
    builtin: bool = False

    @property
    def is_persona(self) -> bool:
        """Whether choosing it gives the model a role (it carries a system prompt)."""
        return "system_prompt" in self.values

    def applied_to(self, settings: Settings) -> Settings:
        """``settings`` with this preset's values on top."""
        return settings.with_changes(self.values)

    def to_json(self) -> dict[str, Any]:
        """The preset as stored and exported."""
        return {"name": self.name, "description": self.description, "values": dict(self.values)}


def _persona(name: str, description: str, prompt: str, **sampling: Any) -> Preset:
    return Preset(name, {"system_prompt": prompt, **sampling}, description, builtin=True)


BUILTIN_PRESETS: tuple[Preset, ...] = (
    Preset("Precise", {"temperature": 0.2, "top_k": 20, "top_p": 0.9, "min_p": 0.1,
                       "repeat_penalty": 1.1}, "Focused, predictable answers.", builtin=True),
    Preset("Balanced", {name: defaults()[name] for name in
                        ("temperature", "top_k", "top_p", "min_p", "repeat_penalty")},
           "The defaults: natural and reliable.", builtin=True),
    Preset("Creative", {"temperature": 1.1, "top_k": 100, "top_p": 0.98, "min_p": 0.02,
                        "repeat_penalty": 1.05, "presence_penalty": 0.3},
           "Varied, surprising text for brainstorming and fiction.", builtin=True),
    _persona("Writer", "A writing partner for drafting and polishing.",
             "You are a skilled writing partner. Help the user plan, draft and polish their "
             "writing with vivid, clear language, and respect their voice and style.",
             temperature=0.9),
    _persona("Translator", "Translates between English and Chinese.",
             "You are a professional translator. Translate the user's text between English and "
             "Chinese: Chinese into English, anything else into Chinese. Reply with the "
             "translation only, keeping the original formatting and tone.", temperature=0.2),
    _persona("Coding helper", "Correct code with short explanations.",
             "You are an experienced programming assistant. Give correct, runnable code in fenced "
             "code blocks with the language named, and explain the key steps briefly.",
             temperature=0.2, repeat_penalty=1.0),
    _persona("Concise assistant", "Short, direct answers.",
             "You are a concise assistant. Answer accurately in as few words as possible, "
             "without preamble or repeating the question.", temperature=0.5, max_tokens=256),
    _persona("写作助手", "帮助构思、起草和润色文字。",
             "你是一位文笔出色的写作助手。帮助用户构思、起草和润色文字，语言生动、结构清晰，"
             "并尊重用户自己的风格。请用中文回答。", temperature=0.9),
    _persona("翻译", "中英互译，只输出译文。",
             "你是一名专业翻译。把用户发来的文字在中文和英文之间互译：中文译成英文，其他语言译成"
             "中文。只输出译文，保留原文的格式和语气。", temperature=0.2),
    _persona("编程助手", "给出正确的代码和简短的中文解释。",
             "你是一位经验丰富的编程助手。给出正确、可运行的代码，放在标明语言的代码块中，"
             "并用简洁的中文解释关键步骤。", temperature=0.2, repeat_penalty=1.0),
    _persona("简洁助手", "简短、直接的回答。",
             "你是一个简洁的助手。用最少的文字准确回答问题，不寒暄，不重复问题。请用中文回答。",
             temperature=0.5, max_tokens=256),
)


def parse_preset(raw: Any) -> Preset:
    """A user preset from its JSON form; SettingError naming the preset and the bad value."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "A preset needs a name; check the preset file."))
    name = raw["name"].strip()
    values = raw.get("values", {})
    if not isinstance(values, dict):
        raise SettingError(QT_TRANSLATE_NOOP(
            "Errors", "The preset {name} has no list of values; check the preset file."), name=repr(name))
    good, problems = validate_values(values)
    if problems:
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "The preset {name} is invalid: {problem}"),
                           name=repr(name), problem=problems[0])
    description = raw.get("description", "")
    return Preset(name, json_values(good), description if isinstance(description, str) else "")


@dataclass
class PresetLibrary:
    """The built-in presets plus the user's own, saved in ``path``."""

    path: Path
    user_presets: list[Preset] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path) -> tuple[PresetLibrary, Phrase | None]:
        """Load the user's presets; a damaged file is kept aside and reported."""
        document = read_document(path, FILE_KIND, FILE_VERSION, WHAT)
        library = cls(path)
        if document.data is None:
            return library, document.warning
        try:
            library.user_presets = _parse_all(document.data)
        except SettingError as exc:
            return library, set_aside(path, WHAT, Phrase(QT_TRANSLATE_NOOP(
                "Errors", "a preset is invalid ({problem})"), problem=exc)).warning
        return library, None

    def all(self) -> list[Preset]:
        """Built-in presets first, then the user's, in the order they were saved."""
        return [*BUILTIN_PRESETS, *self.user_presets]

    def find(self, name: str) -> Preset:
        """The preset called ``name``, or SettingError."""
        for preset in self.all():
            if preset.name == name:
                return preset
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "There is no preset called {name}."), name=repr(name))

    def save(self, name: str, values: Mapping[str, Any], description: str = "") -> Preset:
        """Save (or replace) the user preset ``name`` with ``values``."""
        preset = parse_preset({"name": name, "values": dict(values), "description": description})
        self._check_not_builtin(preset.name)
        self._replace(preset.name, preset)
        return preset

    def rename(self, old: str, new: str) -> None:
        """Rename a user preset; the new name must be free."""
        preset = self._user_preset(old)
        new = new.strip()
        if not new:
            raise SettingError(QT_TRANSLATE_NOOP("Errors", "A preset needs a name."))
        self._check_not_builtin(new)
        if new != old and any(p.name == new for p in self.user_presets):
            raise SettingError(QT_TRANSLATE_NOOP(
                "Errors", "There is already a preset called {name}; choose another name."), name=repr(new))
        index = self.user_presets.index(preset)
        self.user_presets[index] = Preset(new, preset.values, preset.description)
        self._write()

    def delete(self, name: str) -> None:
        """Delete a user preset (built-in presets cannot be deleted)."""
        self.user_presets.remove(self._user_preset(name))
        self._write()

    def export(self, path: Path, names: list[str] | None = None) -> None:
        """Write the named presets (default: all of the user's) to ``path`` as JSON."""
        chosen = [self.find(name) for name in names] if names else self.user_presets
        write_document(path, FILE_KIND, FILE_VERSION, [p.to_json() for p in chosen])

    def import_file(self, path: Path) -> list[str]:
        """Add every preset in ``path`` (all or nothing); return their names as saved.

        A name already in use gets a number, so nothing the user has is overwritten.
        """
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad text, JSON or number
            raise SettingError(
                QT_TRANSLATE_NOOP("Errors", "{file} could not be read as a preset file ({reason})."),
                file=path.name, reason=exc) from None
        data = raw.get("data") if isinstance(raw, dict) and "format" in raw else raw
        if isinstance(raw, dict) and raw.get("format", FILE_KIND) != FILE_KIND:
            raise SettingError(QT_TRANSLATE_NOOP("Errors", "{file} is not a Parley preset file."),
                               file=path.name)
        incoming = _parse_all(data if isinstance(data, list) else [data])
        names = []
        for preset in incoming:
            name = self._free_name(preset.name)
            self.user_presets.append(Preset(name, preset.values, preset.description))
            names.append(name)
        self._write()
        return names

    # -- internals ---------------------------------------------------------------------------

    def _user_preset(self, name: str) -> Preset:
        for preset in self.user_presets:
            if preset.name == name:
                return preset
        self._check_not_builtin(name)
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "There is no preset called {name}."), name=repr(name))

    @staticmethod
    def _check_not_builtin(name: str) -> None:
        if any(p.name == name for p in BUILTIN_PRESETS):
            raise SettingError(QT_TRANSLATE_NOOP("Errors", "{name} is a built-in preset and cannot be "
                                                           "changed; save your own under another name."),
                               name=repr(name))

    def _replace(self, name: str, preset: Preset) -> None:
        self.user_presets = [p for p in self.user_presets if p.name != name] + [preset]
        self._write()

    def _free_name(self, name: str) -> str:
        taken = {p.name for p in self.all()}
        candidate, number = name, 2
        while candidate in taken:
            candidate, number = f"{name} ({number})", number + 1
        return candidate

    def _write(self) -> None:
        write_document(self.path, FILE_KIND, FILE_VERSION, [p.to_json() for p in self.user_presets])


def _parse_all(data: Any) -> list[Preset]:
    if not isinstance(data, list):
        raise SettingError(QT_TRANSLATE_NOOP("Errors", "the file does not hold a list of presets"))
    return [parse_preset(item) for item in data]

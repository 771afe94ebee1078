"""Presets and personas: built-ins, the user's own, and JSON import/export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.presets import BUILTIN_PRESETS, PresetLibrary
from app.core.settings import Settings
from app.core.settings_schema import SettingError


@pytest.fixture
def library(tmp_path: Path) -> PresetLibrary:
    opened, warning = PresetLibrary.open(tmp_path / "presets.json")
    assert warning is None
    return opened


def test_builtin_presets_and_personas_are_valid() -> None:
    names = [p.name for p in BUILTIN_PRESETS]
    assert names[:3] == ["Precise", "Balanced", "Creative"]
    personas = [p for p in BUILTIN_PRESETS if p.is_persona]
    assert {"Writer", "Translator", "Coding helper", "Concise assistant"} <= {p.name for p in personas}
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in p.values["system_prompt"])
               for p in personas) >= 4  # Chinese personas too
    for preset in BUILTIN_PRESETS:
        preset.applied_to(Settings())  # every value passes validation


def test_a_preset_applies_its_values_and_keeps_the_rest() -> None:
    base = Settings({"max_tokens": 77})
    precise = next(p for p in BUILTIN_PRESETS if p.name == "Precise")
    applied = precise.applied_to(base)
    assert applied["temperature"] == 0.2 and applied["top_k"] == 20
    assert applied["max_tokens"] == 77


def test_user_presets_save_rename_delete_and_persist(library: PresetLibrary, tmp_path: Path) -> None:
    library.save("Mine", {"temperature": 0.33, "system_prompt": "Talk like a pirate."})
    library.rename("Mine", "Pirate")
    again, _ = PresetLibrary.open(tmp_path / "presets.json")
    pirate = again.find("Pirate")
    assert pirate.values == {"temperature": 0.33, "system_prompt": "Talk like a pirate."}
    assert pirate.is_persona and not pirate.builtin
    again.delete("Pirate")
    assert [p.name for p in PresetLibrary.open(tmp_path / "presets.json")[0].user_presets] == []


def test_builtin_presets_cannot_be_changed(library: PresetLibrary) -> None:
    with pytest.raises(SettingError, match="built-in"):
        library.save("Creative", {"temperature": 0.1})
    with pytest.raises(SettingError, match="built-in"):
        library.delete("Precise")
    library.save("Mine", {"temperature": 0.1})
    with pytest.raises(SettingError, match="built-in"):
        library.rename("Mine", "Balanced")


def test_export_then_import_round_trips_without_overwriting(library: PresetLibrary,
                                                           tmp_path: Path) -> None:
    library.save("Mine", {"top_p": 0.5, "stop": ["END"]})
    exported = tmp_path / "export.json"
    library.export(exported)
    assert library.import_file(exported) == ["Mine (2)"]
    assert library.find("Mine (2)").values == {"top_p": 0.5, "stop": ["END"]}
    assert library.find("Mine").values == {"top_p": 0.5, "stop": ["END"]}


@pytest.mark.parametrize("content, message", [
    ('[{"name": "Hot", "values": {"temperature": 9}}]', "Hot.*temperature cannot be 9"),
    ('[{"name": "X", "values": {"bogus": 1}}]', "no setting called 'bogus'"),
    ('[{"values": {}}]', "needs a name"),
    ("not json", "could not be read"),
])
def test_a_bad_import_changes_nothing_and_says_why(library: PresetLibrary, tmp_path: Path,
                                                   content: str, message: str) -> None:
    library.save("Keep", {"temperature": 0.5})
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SettingError, match=message):
        library.import_file(bad)
    assert [p.name for p in library.user_presets] == ["Keep"]


def test_a_damaged_presets_file_is_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "presets.json"
    path.write_text(json.dumps({"format": "parley-presets", "version": 1, "data": "oops"}))
    library, warning = PresetLibrary.open(path)
    assert warning is not None and "kept as" in str(warning) and library.user_presets == []
    (kept,) = tmp_path.glob("presets.json.damaged-*")
    assert json.loads(kept.read_text())["data"] == "oops"
    library.save("New", {"temperature": 0.4})  # the next save cannot overwrite the user's file
    assert json.loads(kept.read_text())["data"] == "oops"

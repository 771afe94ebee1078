"""Settings: validation and clamping from the schema, atomic saves, damaged files kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.settings import Settings, load_settings, save_settings
from app.core.settings_schema import OPTIONS, SettingError, parse_assignment


def test_defaults_cover_every_declared_option() -> None:
    values = Settings().as_dict()
    assert list(values) == [o.name for o in OPTIONS]
    for option in OPTIONS:
        assert option.coerce(option.default) == option.default


def test_numbers_are_clamped_to_their_range() -> None:
    settings = Settings({"temperature": 9.5, "top_k": -3})
    assert settings["temperature"] == 2.0
    assert settings["top_k"] == 0


@pytest.mark.parametrize("name, raw", [("temperature", "hot"), ("max_tokens", 1.5),
                                       ("max_tokens", True), ("system_prompt", 3),
                                       ("temperature", "nan")])
def test_wrong_kinds_are_rejected_with_a_sentence(name: str, raw: object) -> None:
    with pytest.raises(SettingError, match=name):
        Settings({name: raw})


def test_command_line_assignments_are_parsed_and_validated() -> None:
    assert parse_assignment("seed=42") == ("seed", 42)
    assert parse_assignment("temperature=0.2") == ("temperature", 0.2)
    with pytest.raises(SettingError, match="no setting called"):
        parse_assignment("nonsense=1")
    with pytest.raises(SettingError, match="NAME=VALUE"):
        parse_assignment("seed")


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings({"temperature": 0.3, "system_prompt": "Be brief. 简洁。"})
    save_settings(path, settings)
    loaded, warning = load_settings(path)
    assert warning is None
    assert loaded == settings
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


def test_missing_file_gives_defaults_silently(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.json") == (Settings(), None)


def test_damaged_file_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"temperature": 0.3,', encoding="utf-8")
    loaded, warning = load_settings(path)
    assert loaded == Settings()
    assert warning is not None and "kept as" in warning
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.damaged-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == '{"temperature": 0.3,'
    assert not path.exists()


def test_single_bad_values_fall_back_to_defaults_and_are_named(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"temperature": "warm", "top_k": 5, "unknown": 1}), encoding="utf-8")
    loaded, warning = load_settings(path)
    assert loaded["top_k"] == 5
    assert loaded["temperature"] == Settings()["temperature"]
    assert warning is not None and "temperature" in warning and "unknown" in warning

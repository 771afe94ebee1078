"""Settings: one declaration drives validation, clamping, the CLI flags and the file format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.option import Applies, Group
from app.core.settings import Settings, load_settings, save_settings
from app.core.settings_schema import OPTIONS, SettingError, options_in, parse_assignment
from tests.helpers import changed_value


def test_defaults_cover_every_declared_option_and_are_valid() -> None:
    values = Settings().as_dict()
    assert list(values) == [o.name for o in OPTIONS]
    for o in OPTIONS:
        assert o.coerce(o.default) == o.default
        assert o.label and o.help.endswith(".") and o.applies in Applies and o.group in Group


def test_the_issue_list_of_options_is_declared() -> None:
    names = {o.name for o in OPTIONS}
    assert {"temperature", "top_k", "top_p", "min_p", "typical_p", "repeat_penalty", "repeat_last_n",
            "presence_penalty", "frequency_penalty", "mirostat_mode", "mirostat_tau",
            "mirostat_eta", "max_tokens", "seed", "stop", "n_ctx", "n_gpu_layers", "n_threads",
            "n_threads_batch", "n_batch", "flash_attn", "use_mmap", "use_mlock", "system_prompt",
            "chat_template", "custom_template"} <= names
    assert all(o.applies is Applies.MODEL_RELOAD for o in options_in(Group.MODEL))
    assert all(o.applies is Applies.NEXT_MESSAGE for o in options_in(Group.SAMPLING))


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_every_option_round_trips_through_save_and_load(tmp_path: Path, o: Any) -> None:
    path = tmp_path / "settings.json"
    settings = Settings({o.name: changed_value(o)})
    assert settings[o.name] != o.default
    save_settings(path, settings)
    loaded, warning = load_settings(path)
    assert warning is None and loaded == settings and loaded[o.name] == settings[o.name]


@pytest.mark.parametrize("name, raw", [("temperature", 9.5), ("top_k", -3), ("top_p", "7"),
                                       ("mirostat_mode", 3), ("chat_template", "nonsense"),
                                       ("n_ctx", 10)])
def test_out_of_range_values_are_rejected_with_the_range(name: str, raw: object) -> None:
    with pytest.raises(SettingError, match=rf"{name} cannot be .*; use (a|one of)"):
        Settings({name: raw})


@pytest.mark.parametrize("name, raw", [("temperature", "hot"), ("max_tokens", 1.5),
                                       ("max_tokens", True), ("system_prompt", 3),
                                       ("temperature", "nan"), ("flash_attn", "maybe"),
                                       ("stop", [1, 2]), ("stop", "[1, 2]")])
def test_wrong_kinds_are_rejected_with_a_sentence(name: str, raw: object) -> None:
    with pytest.raises(SettingError, match=name):
        Settings({name: raw})


def test_command_line_assignments_are_parsed_and_validated() -> None:
    assert parse_assignment("seed=42") == ("seed", 42)
    assert parse_assignment("temperature=0.2") == ("temperature", 0.2)
    assert parse_assignment("flash_attn=on") == ("flash_attn", True)
    assert parse_assignment('stop=["\\n\\n", "User:"]') == ("stop", ("\n\n", "User:"))
    assert parse_assignment("stop=User:") == ("stop", ("User:",))
    assert parse_assignment("stop=[INST]") == ("stop", ("[INST]",))  # a text, not broken JSON
    with pytest.raises(SettingError, match="no setting called"):
        parse_assignment("nonsense=1")
    with pytest.raises(SettingError, match="NAME=VALUE"):
        parse_assignment("seed")
    with pytest.raises(SettingError, match="top_p cannot be 7; use a number from 0 to 1"):
        parse_assignment("top_p=7")


def test_a_broken_custom_template_is_rejected_before_use() -> None:
    with pytest.raises(SettingError, match="custom chat template does not work"):
        Settings({"custom_template": "{% for m in messages %}{{ m.content }"})
    with pytest.raises(SettingError, match="leaves out the messages"):
        Settings({"custom_template": "hello"})


def test_sampling_and_load_values_are_split_by_declaration() -> None:
    settings = Settings()
    assert set(settings.sampling()) == {o.name for o in options_in(Group.SAMPLING)}
    assert set(settings.load_values()) == {o.name for o in options_in(Group.MODEL)}
    changed = settings.with_changes({"temperature": 0.1, "n_ctx": 2048})
    assert changed.sampling()["temperature"] == 0.1 and changed.load_values()["n_ctx"] == 2048


def test_the_file_is_versioned_json(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings({"temperature": 0.3, "system_prompt": "Be brief. 简洁。"}))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "parley-settings" and document["version"] == 1
    assert document["data"]["temperature"] == 0.3 and "简洁" in document["data"]["system_prompt"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


def test_an_unversioned_file_from_before_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"temperature": 0.4}), encoding="utf-8")
    assert load_settings(path) == (Settings({"temperature": 0.4}), None)


def test_missing_file_gives_defaults_silently(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.json") == (Settings(), None)


@pytest.mark.parametrize("content", ['{"temperature": 0.3,', "[1, 2]", "\udcff",
                                     '{"format": "parley-settings", "version": 99, "data": {}}',
                                     '{"format": "something-else", "version": 1, "data": {}}'])
def test_unusable_file_is_moved_aside_not_deleted(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    loaded, warning = load_settings(path)
    assert loaded == Settings()
    assert warning is not None and "kept as" in str(warning)
    assert str(warning).startswith("The settings file could not be used because ")
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == content.encode("utf-8", "surrogateescape")
    assert not path.exists()


def test_single_bad_values_fall_back_to_defaults_are_named_and_the_file_is_kept(
        tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = json.dumps({"temperature": "warm", "top_k": 5, "top_p": 7, "unknown": 1})
    path.write_text(original, encoding="utf-8")
    loaded, warning = load_settings(path)
    assert loaded["top_k"] == 5
    assert loaded["temperature"] == Settings()["temperature"]
    assert warning is not None
    text = str(warning)
    assert text.startswith("Invalid settings were replaced by their defaults and the old file was kept as ")
    assert "temperature" in text and "unknown" in text and "from 0 to 1" in text
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.invalid-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == original
    again, warning = load_settings(path)  # the valid values were saved for the next start
    assert warning is None and again == loaded
    save_settings(path, loaded)  # later saves do not touch the kept file
    assert kept[0].read_text(encoding="utf-8") == original

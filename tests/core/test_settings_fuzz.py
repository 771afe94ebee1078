"""Hostile setting values through every way in: the settings file, ``--set``, preset imports, a
conversation's stored overrides, a Parley JSON import and the local API's request fields.

The values are generated from each option's declaration (type, range, choices): out of range by
the smallest step, the wrong kind, NaN and infinities, numbers too big for a float, empty and
over-long texts, control characters, lists where one value belongs and nested ones where a list
of texts does. Each is refused with a one-line sentence naming the setting, is never kept or
used, and never crashes anything; the valid values beside them are accepted. (The settings
panel's editors are fuzzed in ``tests/ui/test_settings_fuzz_ui.py``.)
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.api.errors import ApiError
from app.api.openai_format import SAMPLING_FIELDS, parse_chat_request
from app.cli import build_parser
from app.core.exchange import export_document, import_file
from app.core.option import MAX_TEXT, Option, SettingError
from app.core.presets import PresetLibrary
from app.core.scopes import Scope, SettingScopes
from app.core.settings import Settings, load_settings
from app.core.settings_schema import OPTIONS, defaults, option, parse_assignment
from app.core.store import Store
from tests import reliability
from tests.helpers import changed_value

BIG = 10**400  # a whole number no float can hold
TOO_LONG = "x" * (MAX_TEXT + 1)
ESCAPE = "\x1b[2J"  # would clear the terminal it is printed on
WORKING_TEMPLATE = changed_value(option("custom_template"))


# -- the values, generated from each declaration ----------------------------------------------


def _wrong_kinds(o: Option) -> list[Any]:
    """Values of no use to any option of ``o``'s kind."""
    return [None, {}, {"value": o.default}, [[o.default]], math.nan, math.inf]


def _numbers(o: Option) -> list[Any]:
    low, high = o.minimum, o.maximum
    assert low is not None and high is not None
    if o.type is int:
        below, above = int(low) - 1, int(high) + 1
        odd = [low + 0.5, f"{low + 0.5}", "1e3", "0x10"]
    else:
        below, above = math.nextafter(low, -math.inf), math.nextafter(high, math.inf)
        odd = []
    return [True, False, [], [low], "", "abc", "nan", "inf", "-inf", "1e999", "1\x00", ESCAPE, -math.inf,
            BIG, -BIG, 1e308, -1e308, below, above, repr(below), repr(above), *odd]


def _choices(o: Option) -> list[Any]:
    first = o.choices[0][0]
    if o.type is int:
        values = [value for value, _ in o.choices]
        return [True, [], "", "abc", min(values) - 1, max(values) + 1, 0.5, "1.5", BIG, -math.inf]
    return [1, True, [], [first], "", first.upper(), f" {first}", f"{first}\x00", ESCAPE, TOO_LONG, "neon"]


def _texts(o: Option) -> list[Any]:
    values = [0, 1.5, True, [], ["a"], "a\x00b", TOO_LONG]
    if not o.multiline:
        values += ["a\nb", ESCAPE, "\r", "tab\there", "\x7f"]
    if o.check is not None:
        values += ["{{ x", "{% for m in messages %}", "no messages here", "{{ raise_exception('no') }}"]
    return values


def _lists(o: Option) -> list[Any]:
    return [0, 1.5, True, [1], [None], [""], ["a", ""], [["a"]], ["a", {"b": 1}], ["a\x00"], "a\x00",
            "[" * 100_000, [TOO_LONG], '["a", 1]', '[""]']


def hostile(o: Option) -> list[Any]:
    """JSON values ``o`` must refuse."""
    if o.choices:
        made = _choices(o)
    elif o.type is bool:
        made = [0, 1, 2, 0.5, "", "maybe", "2", "truee", "\x00", [True]]
    elif o.type in (int, float):
        made = _numbers(o)
    elif o.type is str:
        made = _texts(o)
    else:
        made = _lists(o)
    return _wrong_kinds(o) + made


def hostile_texts(o: Option) -> list[str]:
    """Command-line texts (``--set NAME=TEXT``) ``o`` must refuse."""
    texts = [value for value in hostile(o) if isinstance(value, str)]
    if o.type is tuple:
        return [*texts, '[["a"]]', '["a\\u0000"]', '["a", null]']
    if o.type is str and not o.choices:
        return texts  # any other text is a text
    return [*texts, "null", "[1]", "{}", str(BIG), "1e400"] + (["true"] if o.type is not bool else ["[]"])


def neighbours(o: Option) -> list[tuple[Any, Any]]:
    """Valid values beside the hostile ones, each with the value it becomes."""
    if o.choices:
        return [(value, value) for value, _ in o.choices] + [
            (str(value), value) for value, _ in o.choices if o.type is int]
    if o.type is bool:
        return [(True, True), (False, False), ("true", True), (" Off ", False), ("1", True), ("no", False)]
    if o.type in (int, float):
        low, high = o.minimum, o.maximum
        pairs = [(low, low), (high, high), (str(low), low), (str(high), high)]
        return pairs + ([(float(low), low)] if o.type is int else [((low + high) / 2, (low + high) / 2)])
    if o.type is str:
        texts = ["", WORKING_TEMPLATE] if o.check else ["", "plain text", "多语言 ünïcode ✓", "x" * MAX_TEXT]
        return [(text, text) for text in texts + (["two\nlines\tand a tab"] if o.multiline and not o.check
                                                   else [])]
    return [([], ()), ("", ()), ("###", ("###",)), (["\n\nUser:", "###"], ("\n\nUser:", "###")),
            ('["a", "b"]', ("a", "b")), ("[INST]", ("[INST]",))]


def names_it(o: Option, message: str) -> bool:
    """Whether ``message`` names the setting (the template check calls it by its label)."""
    return o.name in message or (o.check is not None and "custom chat template" in message)


def assert_a_sentence(o: Option, message: str) -> None:
    """One line naming the setting, short, with nothing in it a terminal would act on."""
    assert names_it(o, message), message
    assert "\n" not in message and "\x00" not in message and "\x1b" not in message, repr(message)
    assert len(message) < 600, message[:100]


def rounds() -> Iterator[dict[str, Any]]:
    """Every hostile value, as settings mappings holding one value of each option at a time."""
    longest = max(len(hostile(o)) for o in OPTIONS)
    for index in range(longest):
        yield {o.name: hostile(o)[index] for o in OPTIONS if index < len(hostile(o))}


def test_every_option_has_hostile_values_and_neighbours() -> None:
    for o in OPTIONS:
        assert len(hostile(o)) >= 12 and neighbours(o), o.name
    assert sum(len(hostile(o)) for o in OPTIONS) > 600


# -- the one validation path -----------------------------------------------------------------


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_each_hostile_value_is_refused_and_each_neighbour_accepted(o: Option) -> None:
    for value in hostile(o):
        with pytest.raises(SettingError) as refused:
            o.coerce(value)
        assert_a_sentence(o, str(refused.value))
    for value, expected in neighbours(o):
        assert o.coerce(value) == expected, repr(value)[:60]
    reliability.record("hostile_inputs", len(hostile(o)))


def _is_valid(o: Option, value: Any) -> bool:
    if o.choices:
        return value in {choice for choice, _ in o.choices}
    if o.type in (int, float):
        return type(value) is o.type and math.isfinite(value) and o.minimum <= value <= o.maximum
    if o.type is bool:
        return isinstance(value, bool)
    texts = (value,) if o.type is str else value
    return isinstance(texts, tuple) and all(isinstance(t, str) and "\x00" not in t for t in texts)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                max_size=3),
                    max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(o=st.sampled_from(OPTIONS), raw=JSON | st.text())
def test_any_value_is_either_valid_or_refused_with_a_sentence(o: Option, raw: Any) -> None:
    """Hypothesis: any JSON value or text, for any option, becomes a valid value or a SettingError
    naming the option; nothing else is raised."""
    try:
        value = o.coerce(raw)
    except SettingError as exc:
        assert_a_sentence(o, str(exc))
        reliability.record("hostile_inputs")
    else:
        assert _is_valid(o, value), (o.name, raw, value)


# -- the settings file -----------------------------------------------------------------------


def _write_settings(path: Path, values: dict[str, Any]) -> bytes:
    path.write_text(json.dumps({"format": "parley-settings", "version": 1, "data": values}), encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize("index, values", list(enumerate(rounds())))
def test_the_settings_file_refuses_them_names_them_and_keeps_the_file(tmp_path: Path, index: int,
                                                                       values: dict[str, Any]) -> None:
    path = tmp_path / "settings.json"
    written = _write_settings(path, values)
    loaded, warning = load_settings(path)
    assert warning is not None and "\n" not in str(warning)
    for name in values:
        assert names_it(option(name), str(warning)), name
    assert loaded == Settings()  # every value here is refused: the defaults stand
    (kept,) = tmp_path.glob("settings.json.invalid-*")
    assert kept.read_bytes() == written
    assert load_settings(path) == (Settings(), None)  # nothing bad was saved back
    reliability.record("hostile_inputs", len(values))


def test_the_settings_file_keeps_the_valid_neighbours(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for index in range(max(len(neighbours(o)) for o in OPTIONS)):
        chosen = {o.name: neighbours(o)[index] for o in OPTIONS if index < len(neighbours(o))}
        _write_settings(path, {name: raw for name, (raw, _) in chosen.items()})
        loaded, warning = load_settings(path)
        assert warning is None
        assert {name: loaded[name] for name in chosen} == {name: value for name, (_, value) in chosen.items()}


# -- --set NAME=VALUE ----------------------------------------------------------------------------


def _set(capsys: pytest.CaptureFixture[str], assignment: str) -> str:
    """``parley chat --set ASSIGNMENT hi`` as parsed; the one line it exits 2 with."""
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["chat", "--set", assignment, "hi"])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("parley: error: argument --set: "), lines
    return lines[0]


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_set_on_the_command_line_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], o: Option) -> None:
    texts = hostile_texts(o)
    for text in texts:
        assert_a_sentence(o, _set(capsys, f"{o.name}={text}"))
    for raw, expected in neighbours(o):
        if isinstance(raw, str):
            assert parse_assignment(f"{o.name}={raw}") == (o.name, expected)
    reliability.record("hostile_inputs", len(texts))


@pytest.mark.parametrize("assignment", ["temperatur=1", "=1", "temperature", "\x00=1", f"{ESCAPE}=1",
                                        "top_k=1=2", "seed", "x" * 5000 + "=1"])
def test_set_with_a_name_that_is_no_setting_exits_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                                                  assignment: str) -> None:
    line = _set(capsys, assignment)
    assert "\x00" not in line and "\x1b" not in line
    reliability.record("hostile_inputs")


def test_set_in_a_real_process_changes_nothing(tmp_path: Path) -> None:
    """A few of them through ``python -m app``: exit 2, one line, no data folder made."""
    data_dir = tmp_path / "data"
    for assignment in ["temperature=nan", "max_tokens=1e400", f"stop={'[' * 2000}", "model_path=a\nb"]:
        result = subprocess.run([sys.executable, "-m", "app", "chat", "--data-dir", str(data_dir), "--set",
                                 assignment, "hi"], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert assignment.split("=")[0] in result.stderr
    assert not data_dir.exists()
    reliability.record("hostile_inputs", 4)


# -- presets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_a_preset_import_refuses_them_and_changes_nothing(tmp_path: Path, o: Option) -> None:
    library, _ = PresetLibrary.open(tmp_path / "presets.json")
    library.save("Mine", {"temperature": 0.3})
    saved = (tmp_path / "presets.json").read_bytes()
    incoming = tmp_path / "incoming.json"
    for value in hostile(o):
        presets = [{"name": "Fine", "values": {"top_k": 5}}, {"name": "Fuzzed", "values": {o.name: value}}]
        incoming.write_text(json.dumps({"format": "parley-presets", "version": 1, "data": presets}),
                            encoding="utf-8")
        with pytest.raises(SettingError) as refused:
            library.import_file(incoming)
        assert_a_sentence(o, str(refused.value))
        assert "Fuzzed" in str(refused.value)
    assert [p.name for p in library.user_presets] == ["Mine"]
    assert (tmp_path / "presets.json").read_bytes() == saved
    reliability.record("hostile_inputs", len(hostile(o)))


# -- a conversation's overrides -------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "p.db")
    yield opened
    opened.close()


def _assert_reported_and_ignored(scopes: SettingScopes, problems: list[SettingError],
                                 values: dict[str, Any]) -> None:
    text = " ".join(map(str, problems))
    for name in values:
        assert names_it(option(name), text), name
    for problem in problems:
        assert "\n" not in str(problem)
    assert scopes.overrides() == {} and scopes.effective() == Settings({"connection": ""})


@pytest.mark.parametrize("index, values", list(enumerate(rounds())))
def test_stored_overrides_are_reported_never_used_and_dropped_on_the_next_change(
        tmp_path: Path, store: Store, index: int, values: dict[str, Any]) -> None:
    conversation = store.create_conversation("Fuzzed", values)
    scopes = SettingScopes(Settings(), tmp_path / "settings.json", store)
    problems = scopes.open(conversation)
    assert len(problems) == len(values)
    _assert_reported_and_ignored(scopes, problems, values)
    scopes.set_values(Scope.CONVERSATION, {"temperature": 0.3})
    assert store.conversation_overrides(conversation) == {"temperature": 0.3}  # the bad ones are gone
    reliability.record("hostile_inputs", len(values))


def test_a_parley_json_import_carrying_them_is_reported_and_never_used(tmp_path: Path, store: Store) -> None:
    """Imported overrides are kept as the file had them (the import refuses only a damaged file);
    opening the chat reports each invalid one and uses the defaults instead."""
    source = store.create_conversation("Exported")
    document = export_document(store, [source])
    refused = 0
    for values in rounds():
        document["conversations"][0]["overrides"] = values
        path = tmp_path / "import.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        (imported,) = import_file(store, path)
        scopes = SettingScopes(Settings(), tmp_path / "settings.json", store)
        _assert_reported_and_ignored(scopes, scopes.open(imported), values)
        refused += len(values)
    reliability.record("hostile_inputs", refused)


# -- the local API server -------------------------------------------------------------------------


API_OPTIONS = [option(name) for name in SAMPLING_FIELDS]


def api_hostile(o: Option) -> list[Any]:
    """Hostile values as request fields: null means "not given", and a plain text is one stop text."""
    return [value for value in hostile(o) if value is not None and not (
        o.type is tuple and isinstance(value, str) and "\x00" not in value and len(value) <= MAX_TEXT)]


@pytest.mark.parametrize("o", API_OPTIONS, ids=lambda o: o.name)
def test_api_request_fields_are_refused_with_400(o: Option) -> None:
    values = api_hostile(o)
    for value in values:
        body = {"messages": [{"role": "user", "content": "hi"}], o.name: value}
        with pytest.raises(ApiError) as refused:
            parse_chat_request(body, Settings(), allow_grammar=False)
        assert refused.value.status == 400 and refused.value.param == o.name
        assert_a_sentence(o, str(refused.value))
    for raw, expected in neighbours(o):
        body = {"messages": [{"role": "user", "content": "hi"}], o.name: raw}
        call = parse_chat_request(body, Settings(), allow_grammar=False)
        if not (o.type is tuple and isinstance(raw, str)):  # a text is one stop text, never a list
            assert call.request.sampling[o.name] == expected
    reliability.record("hostile_inputs", len(values))


def test_max_completion_tokens_is_checked_like_max_tokens() -> None:
    for value in api_hostile(option("max_tokens")):
        with pytest.raises(ApiError) as refused:
            body = {"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": value}
            parse_chat_request(body, Settings(), allow_grammar=False)
        assert refused.value.status == 400 and "max_tokens" in str(refused.value)


def test_the_defaults_are_untouched_by_all_of_it() -> None:
    assert Settings().as_dict() == {name: list(v) if isinstance(v, tuple) else v
                                    for name, v in defaults().items()}

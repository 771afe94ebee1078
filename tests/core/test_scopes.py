"""Setting scopes: defaults in the settings file, overrides with each conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.scopes import Scope, SettingScopes
from app.core.settings import Settings, load_settings
from app.core.settings_schema import SettingError
from app.core.store import Store


@pytest.fixture
def scopes(tmp_path: Path):
    store = Store(tmp_path / "p.db")
    yield SettingScopes(Settings(), tmp_path / "settings.json", store)
    store.close()


def test_defaults_are_saved_and_overrides_stay_with_their_conversation(scopes, tmp_path) -> None:
    store = scopes._store
    first, second = store.create_conversation("a"), store.create_conversation("b")
    scopes.set_values(Scope.DEFAULTS, {"top_k": 7})
    assert load_settings(tmp_path / "settings.json")[0]["top_k"] == 7
    scopes.open(first)
    scopes.set_values(Scope.CONVERSATION, {"temperature": 0.1, "stop": ("END",)})
    assert scopes.effective()["temperature"] == 0.1 and scopes.effective()["top_k"] == 7
    assert scopes.is_changed(Scope.CONVERSATION, "temperature")
    assert not scopes.is_changed(Scope.CONVERSATION, "top_k") and scopes.is_changed(Scope.DEFAULTS, "top_k")
    scopes.open(second)
    assert scopes.effective()["temperature"] == 0.7 and scopes.overrides() == {}
    scopes.open(first)
    assert scopes.overrides() == {"temperature": 0.1, "stop": ["END"]}
    scopes.reset(Scope.CONVERSATION, ["temperature"])
    assert store.conversation_overrides(first) == {"stop": ["END"]}


def test_a_new_chat_keeps_its_draft_until_it_is_saved(scopes) -> None:
    scopes.open(None, {"system_prompt": "Pirate."})
    scopes.set_values(Scope.CONVERSATION, {"temperature": 1.2})
    draft = scopes.new_chat_overrides()
    assert draft == {"system_prompt": "Pirate.", "temperature": 1.2}
    conversation = scopes._store.create_conversation("new", draft)
    scopes.adopt(conversation)
    assert scopes.new_chat_overrides() == {}
    scopes.open(conversation)
    assert scopes.effective()["system_prompt"] == "Pirate."


def test_invalid_values_change_nothing_and_stale_overrides_are_reported(scopes) -> None:
    conversation = scopes._store.create_conversation("a", {"top_p": 7, "temperature": 0.2})
    problems = scopes.open(conversation)
    assert len(problems) == 1 and "top_p" in str(problems[0])
    assert scopes.effective()["temperature"] == 0.2
    with pytest.raises(SettingError, match="from 0 to 1"):
        scopes.set_values(Scope.CONVERSATION, {"min_p": 0.5, "top_p": 7})
    assert scopes.effective()["min_p"] == 0.05  # all or nothing


def test_a_saved_chat_runs_on_a_server_only_if_it_chose_one(scopes) -> None:
    """A chat from before connections (or imported) stays local when the default is a server;
    new chats follow the default; a chat that chose a server keeps it."""
    store = scopes._store
    old = store.create_conversation("old", {"model_path": ""})
    chose = store.create_conversation("remote", {"connection": "lab"})
    scopes.set_values(Scope.DEFAULTS, {"connection": "lab"})
    scopes.open(old)
    assert scopes.effective()["connection"] == ""
    scopes.open(chose)
    assert scopes.effective()["connection"] == "lab"
    scopes.open(None)
    assert scopes.effective()["connection"] == "lab"

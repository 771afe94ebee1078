"""Remote connections: addresses, the connections file, and where API keys are kept."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.core.api_keys import ApiKeys
from app.core.connections import ApiDialect, Connection, ConnectionBook, normalize_base_url
from app.core.errors import ParleyError


@pytest.mark.parametrize(("typed", "expected"), [
    ("http://localhost:8080", "http://localhost:8080/v1"),
    ("http://localhost:8080/", "http://localhost:8080/v1"),
    ("  HTTP://127.0.0.1:11434/v1/ ", "http://127.0.0.1:11434/v1"),
    ("https://api.example.com/openai/v1", "https://api.example.com/openai/v1"),
    ("http://[::1]:8000", "http://[::1]:8000/v1"),
])
def test_addresses_are_normalized_to_the_api_path(typed: str, expected: str) -> None:
    assert normalize_base_url(typed) == expected


@pytest.mark.parametrize("typed", ["localhost:8080", "ftp://host/v1", "http://", "file:///etc/passwd",
                                   "http://user:secret@host/v1", "http://host/v1?key=1", ""])
def test_what_is_not_a_server_address_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(ParleyError) as caught:
        normalize_base_url(typed)
    assert str(caught.value).endswith(".")
    assert "secret" not in str(caught.value)  # a password in the address is never repeated


def test_connections_are_saved_found_changed_and_removed(tmp_path: Path) -> None:
    file = tmp_path / "connections.json"
    book = ConnectionBook(file)
    book.save(Connection("workstation", "http://10.0.0.5:8080", "qwen", ApiDialect.LLAMA_CPP, has_key=True))
    book.save(Connection("Ollama", "http://localhost:11434"))
    reopened = ConnectionBook(file)
    assert [c.name for c in reopened.all()] == ["Ollama", "workstation"]
    assert reopened.find("workstation") == Connection("workstation", "http://10.0.0.5:8080/v1", "qwen",
                                                      ApiDialect.LLAMA_CPP, True)
    with pytest.raises(ParleyError, match="already exists"):
        reopened.save(Connection("Ollama", "http://other:1/v1"))
    reopened.save(Connection("big box", "http://10.0.0.5:8080", "llama"), replacing="workstation")
    assert [c.name for c in ConnectionBook(file).all()] == ["big box", "Ollama"]
    reopened.remove("Ollama")
    with pytest.raises(ParleyError, match="no connection called “Ollama”"):
        ConnectionBook(file).find("Ollama")
    assert "key" not in file.read_text() or "has_key" in file.read_text()  # never a key in it


def test_a_connection_names_its_remote_target(tmp_path: Path) -> None:
    connection = Connection("lab", "http://lab:8000/v1", "mistral", ApiDialect.VLLM, has_key=True)
    assert connection.target().label == "mistral @ lab"
    assert connection.target("llama").model == "llama"
    assert connection.target() == connection.target()  # the loader compares what it asked for


def test_unusable_entries_are_kept_aside_not_dropped_silently(tmp_path: Path) -> None:
    file = tmp_path / "connections.json"
    file.write_text(json.dumps({"format": "parley-connections", "version": 1, "data": [
        {"name": "good", "base_url": "http://localhost:8080/v1"},
        {"name": "bad", "base_url": "not a url"},
        "nonsense"]}))
    book = ConnectionBook(file)
    assert [c.name for c in book.all()] == ["good"]
    assert book.warning is not None and "2 of its entries" in str(book.warning)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("connections.json.damaged-")]
    assert len(kept) == 1 and "not a url" in kept[0].read_text()
    assert [c.name for c in ConnectionBook(file).all()] == ["good"]


def test_without_a_keyring_keys_go_to_a_file_only_the_user_can_read(tmp_path: Path) -> None:
    file = tmp_path / "config" / "api-keys.json"
    keys = ApiKeys(file, use_keyring=False)
    assert not keys.in_keyring and str(file) in str(keys.location)
    keys.set("lab", "sk-secret-1")
    keys.set("other", "sk-secret-2")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert ApiKeys(file, use_keyring=False).get("lab") == "sk-secret-1"
    keys.delete("lab")
    assert keys.get("lab") is None and keys.get("other") == "sk-secret-2"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_a_damaged_key_file_is_a_sentence_not_a_crash(tmp_path: Path) -> None:
    file = tmp_path / "api-keys.json"
    file.write_text("{not json")
    with pytest.raises(ParleyError, match="cannot be read"):
        ApiKeys(file, use_keyring=False).get("lab")


class MemoryKeyring:
    """A keyring backend in memory, like the system's (Secret Service, Keychain)."""

    priority = 1

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.entries.get((service, user))

    def set_password(self, service: str, user: str, password: str) -> None:
        self.entries[(service, user)] = password

    def delete_password(self, service: str, user: str) -> None:
        del self.entries[(service, user)]


def test_with_a_keyring_keys_go_there_and_never_to_the_file(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    keys = ApiKeys(tmp_path / "api-keys.json", keyring_backend=backend)
    assert keys.in_keyring and "system keyring" in str(keys.location)
    keys.set("lab", "sk-secret")
    assert backend.entries == {("Parley", "lab"): "sk-secret"}
    assert keys.get("lab") == "sk-secret"
    assert not (tmp_path / "api-keys.json").exists()
    keys.delete("lab")
    keys.delete("lab")  # nothing stored: nothing happens
    assert keys.get("lab") is None


def test_the_tests_never_use_the_machines_real_keyring(tmp_path: Path) -> None:
    assert not ApiKeys(tmp_path / "api-keys.json").in_keyring


def test_a_key_stored_in_the_file_is_found_after_a_keyring_appears(tmp_path: Path) -> None:
    file = tmp_path / "api-keys.json"
    ApiKeys(file, use_keyring=False).set("lab", "sk-from-ssh")
    with_keyring = ApiKeys(file, keyring_backend=MemoryKeyring())
    assert with_keyring.get("lab") == "sk-from-ssh"
    with_keyring.delete("lab")
    assert with_keyring.get("lab") is None


def test_keys_stored_at_once_from_two_threads_are_both_kept(tmp_path: Path) -> None:
    import threading

    keys = ApiKeys(tmp_path / "api-keys.json", use_keyring=False)
    threads = [threading.Thread(target=keys.set, args=(f"c{i}", f"sk-{i}")) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {f"c{i}": keys.get(f"c{i}") for i in range(8)} == {f"c{i}": f"sk-{i}" for i in range(8)}


def test_a_change_made_elsewhere_meanwhile_is_kept(tmp_path: Path) -> None:
    """The window's book and `parley connections add` write the same file: neither drops the
    other's connection."""
    file = tmp_path / "connections.json"
    window = ConnectionBook(file)
    window.save(Connection("mine", "http://a:1"))
    ConnectionBook(file).save(Connection("from-cli", "http://b:2"))
    window.save(Connection("mine", "http://a:1", "m"), replacing="mine")
    assert [c.name for c in ConnectionBook(file).all()] == ["from-cli", "mine"]
    window.remove("mine")
    assert [c.name for c in ConnectionBook(file).all()] == ["from-cli"]

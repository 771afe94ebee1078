"""API keys of remote connections: in the system keyring when there is one, else in a file only
the user can read.

The keyring (Secret Service, macOS Keychain, Windows Credential Locker through ``keyring``)
is used when a working backend is found. Without one (a headless Linux, a minimal desktop) the
keys go to ``api-keys.json`` in the config folder, created with mode 0600, and ``location``
says so, so the settings and the CLI can show where the key is. Keys never enter the
connections file, settings, logs or exports.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from app.core.atomic import write_atomically
from app.core.errors import ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP

log = logging.getLogger(__name__)

SERVICE = "Parley"  # the keyring service name; the connection's name is the user name
_FILE_LOCK = threading.Lock()  # one read-change-write of the key file at a time (in this process)


def _usable_keyring() -> object | None:
    """The keyring backend, if ``keyring`` is installed and has a real one (not fail/null)."""
    try:
        import keyring
        from keyring.backends import fail, null
    except Exception:  # not installed, or its backends failed to import
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, (fail.Keyring, null.Keyring)) or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


class ApiKeys:
    """Where API keys are kept for one profile."""

    def __init__(self, file: Path, keyring_backend: object | None = None, use_keyring: bool = True) -> None:
        self.file = file
        self._backend = keyring_backend
        self._looked = keyring_backend is not None or not use_keyring

    @property
    def _keyring(self) -> object | None:
        """The keyring backend, looked for on first use (importing keyring takes a while)."""
        if not self._looked:
            self._backend = _usable_keyring()
            self._looked = True
        return self._backend

    def prepare(self) -> None:
        """Look for the keyring now. The GUI calls this on its own thread before any key is read
        on another one: modules must not be imported on other threads with PySide6."""
        _ = self._keyring

    @property
    def in_keyring(self) -> bool:
        """Whether keys go to the system keyring."""
        return self._keyring is not None

    @property
    def location(self) -> Phrase:
        """Where keys are stored, as a sentence for the user."""
        if self._keyring is not None:
            return Phrase(QT_TRANSLATE_NOOP("Errors", "API keys are stored in the system keyring ({name})."),
                          name=type(self._keyring).__name__)
        return Phrase(QT_TRANSLATE_NOOP(
            "Errors", "No system keyring was found, so API keys are stored in {path}, a file only "
                      "your user account can read."), path=self.file)

    def get(self, name: str) -> str | None:
        """The key stored for connection ``name``, or None. The file is asked too when there is a
        keyring: a key stored where there was none (over SSH, say) is still found."""
        if self._keyring is not None:
            try:
                key = self._keyring.get_password(SERVICE, name)  # type: ignore[attr-defined]
            except Exception as exc:
                raise _keyring_error(exc) from exc
            if key is not None:
                return key
        return self._read_file().get(name)  # (no file: no key)

    def set(self, name: str, key: str) -> None:
        """Store ``key`` for connection ``name`` (replacing any)."""
        if self._keyring is not None:
            try:
                self._keyring.set_password(SERVICE, name, key)  # type: ignore[attr-defined]
            except Exception as exc:
                raise _keyring_error(exc) from exc
            return
        with _FILE_LOCK:  # background jobs may store two keys at once
            keys = self._read_file()
            keys[name] = key
            self._write_file(keys)

    def delete(self, name: str) -> None:
        """Forget the key of connection ``name`` (nothing happens if there is none)."""
        if self._keyring is not None:
            try:
                self._keyring.delete_password(SERVICE, name)  # type: ignore[attr-defined]
            except Exception as exc:  # PasswordDeleteError: there was none
                log.info("no keyring entry to delete for %s: %s", name, exc)
        with _FILE_LOCK:  # (also with a keyring: get() finds keys left in the file)
            keys = self._read_file()
            if keys.pop(name, None) is not None:
                self._write_file(keys)

    def _read_file(self) -> dict[str, str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The API key file {path} cannot be read ({reason}); fix or remove it, then "
                          "enter the keys again."), path=self.file, reason=exc) from exc
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write_file(self, keys: dict[str, str]) -> None:
        data = (json.dumps(keys, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            write_atomically(self.file, data)  # mkstemp: user-only (0600) before a key is in it
            os.chmod(self.file, 0o600)
        except OSError as exc:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "Cannot save the API key to {path} ({reason}); check the folder's "
                          "permissions."), path=self.file, reason=exc.strerror) from exc


def _keyring_error(exc: Exception) -> ParleyError:
    return ParleyError(QT_TRANSLATE_NOOP(
        "Errors", "The system keyring refused the request ({reason}); unlock it and try again."),
        reason=exc)

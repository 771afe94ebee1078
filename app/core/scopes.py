"""Where setting values come from: global defaults, and each conversation's overrides.

The effective settings for a conversation are the defaults with its overrides on top. The
defaults are saved in the settings file; overrides are saved with the conversation (or held
as a draft until a new chat's first message creates it). Every change is validated by the
option's declaration before it is kept.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.settings import Settings, json_values, save_settings, validate_values
from app.core.settings_schema import SettingError, option
from app.core.store import Store


class Scope(enum.Enum):
    """Which values a change in the settings panel edits."""

    DEFAULTS = "All chats"
    CONVERSATION = "This chat only"


class SettingScopes:
    """The defaults, the open conversation's overrides, and the settings they make together."""

    def __init__(self, defaults: Settings, settings_file: Path, store: Store) -> None:
        self.defaults = defaults
        self._settings_file = settings_file
        self._store = store
        self.conversation_id: int | None = None
        self._overrides: dict[str, Any] = {}

    # -- reading -----------------------------------------------------------------------------

    def effective(self) -> Settings:
        """What the open conversation uses: the defaults with its overrides on top.

        A saved conversation runs on a remote connection only if it says so itself: one that
        never chose a connection (made before connections existed, or imported) stays local
        even when the default is a server, so its history is never sent anywhere unasked."""
        local = {"connection": ""} if self.conversation_id is not None else {}
        return self.defaults.with_changes({**local, **self._overrides})

    def overrides(self) -> dict[str, Any]:
        """The open conversation's overrides (JSON-ready)."""
        return dict(self._overrides)

    def shown(self, scope: Scope) -> Settings:
        """The values ``scope`` shows: the defaults, or this conversation's effective settings."""
        return self.defaults if scope is Scope.DEFAULTS else self.effective()

    def is_changed(self, scope: Scope, name: str) -> bool:
        """Whether ``name`` differs in ``scope``: overridden here, or not the declared default."""
        if scope is Scope.CONVERSATION:
            return name in self._overrides
        return self.defaults[name] != option(name).default

    # -- switching conversations -------------------------------------------------------------

    def open(self, conversation_id: int | None,
             draft: Mapping[str, Any] | None = None) -> list[SettingError]:
        """Switch to a saved conversation, or to a new chat with ``draft`` overrides.

        Returns an error (one sentence) for each stored override that is no longer valid (it is
        ignored).
        """
        self.conversation_id = conversation_id
        raw = draft if conversation_id is None else self._store.conversation_overrides(conversation_id)
        good, problems = validate_values(raw or {})
        self._overrides = json_values(good)
        return problems

    def new_chat_overrides(self) -> dict[str, Any]:
        """The draft overrides a new chat starts with (saved when its first message is sent)."""
        return {} if self.conversation_id is not None else dict(self._overrides)

    def adopt(self, conversation_id: int) -> None:
        """The new chat was saved as ``conversation_id``; its draft overrides went with it."""
        self.conversation_id = conversation_id

    # -- changing ----------------------------------------------------------------------------

    def set_values(self, scope: Scope, values: Mapping[str, Any]) -> None:
        """Validate ``values`` and keep them in ``scope``; SettingError changes nothing."""
        checked = {option(name).name: option(name).coerce(raw) for name, raw in values.items()}
        # Appearance and the API server are app-wide: always a default, never a chat's own.
        app_wide = {name: value for name, value in checked.items()
                    if scope is Scope.DEFAULTS or option(name).group.app_wide}
        own = {name: value for name, value in checked.items() if name not in app_wide}
        if app_wide:
            self.defaults = self.defaults.with_changes(app_wide)
            save_settings(self._settings_file, self.defaults)
        if own:
            self._save_overrides({**self._overrides, **json_values(own)})

    def reset(self, scope: Scope, names: list[str] | None = None) -> None:
        """Return ``names`` (default: all) to the declared default, or remove their overrides."""
        if scope is Scope.DEFAULTS:
            chosen = names if names is not None else list(self.defaults.as_dict())
            self.set_values(scope, {name: option(name).default for name in chosen})
        else:
            kept = {} if names is None else {
                name: value for name, value in self._overrides.items() if name not in names}
            self._save_overrides(kept)

    def _save_overrides(self, overrides: dict[str, Any]) -> None:
        if self.conversation_id is not None:
            self._store.set_conversation_overrides(self.conversation_id, overrides)
        self._overrides = overrides

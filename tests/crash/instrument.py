"""Journaling wrappers around Parley's own writers, and the deliberately unsafe ones of the controls.

The driver calls ``journal_writes`` before it starts the app: every Store method that changes
what the checker compares, and ``save_settings``, then journal an intent (the arguments, JSON
ready) before they run and a done (the result) after they return. Nothing else about the app
changes. The unsafe writers replace the real ones only in control runs.
"""

from __future__ import annotations

import enum
import functools
import inspect
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import app.core.json_file
import app.core.scopes
import app.core.settings
from app.core.models import ConversationRecord, Message
from app.core.settings import Settings
from app.core.store import Store
from tests.crash.journal import Journal

# Every Store method that changes a conversation's existence, title, trash state, overrides or a
# message's role, text or status (expected.py gives each one's effect).
STORE_WRITES = ("create_conversation", "add_message", "update_message_text", "finish_message",
                "reopen_message", "mark_interrupted", "rename_conversation", "set_automatic_title",
                "set_conversation_overrides", "move_to_trash", "restore", "delete_conversation",
                "empty_trash", "import_conversations")
SETTINGS_MODULES = (app.core.settings, app.core.scopes)  # each holds its own name for save_settings


def encode(value: Any) -> Any:
    """``value`` as JSON holds it: what the checker compares (statistics and tokens are left out)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Message):
        return {"id": value.id, "conversation_id": value.conversation_id, "role": value.role.value,
                "content": value.content, "status": value.status.value}
    if isinstance(value, ConversationRecord):
        s = value.summary
        return {"title": s.title, "trashed": s.deleted_at is not None, "title_by_user": s.title_by_user,
                "overrides": encode(value.overrides), "messages": encode(value.messages)}
    if isinstance(value, Settings):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return None


def journaled(journal: Journal, name: str, method: Callable[..., Any],
              skip: Callable[[Any], bool] = lambda _: False) -> Callable[..., Any]:
    """``method`` journaling its arguments before and its result after it runs.

    ``skip(first_argument)`` leaves calls out (a temporary chat's store, which is never on disk).
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if skip(args[0]):
            return method(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        # Left out: the store itself, and the settings file's path (there is only the one).
        journal.intent(name, {key: encode(value) for key, value in bound.arguments.items()
                              if key not in ("self", "path")})
        try:
            result = method(*args, **kwargs)
        except BaseException:
            journal.failed(name)  # rolled back: the app reports it, and nothing was committed
            raise
        journal.done(name, encode(result))
        return result

    return wrapper


def journal_writes(journal: Journal) -> None:
    """Journal every store write that the checker follows, and every save of the settings file."""
    for name in STORE_WRITES:
        setattr(Store, name, journaled(journal, name, getattr(Store, name),
                                       skip=lambda store: str(store.path) == ":memory:"))
    save_settings = journaled(journal, "save_settings", app.core.settings.save_settings)
    for module in SETTINGS_MODULES:
        module.save_settings = save_settings


# -- the controls: writers that are not crash-safe -------------------------------------------

def write_in_place(path: Path, data: bytes) -> None:
    """Truncate the file and write it a little at a time, with no temporary file, no fsync and
    no rename: a kill in the middle leaves a torn file (slow on purpose, so kills land there)."""
    with path.open("wb", buffering=0) as file:
        for start in range(0, len(data), 64):
            file.write(data[start:start + 64])
            time.sleep(0.0005)


@contextmanager
def _lazy_transaction(self: Store, every: int = 10) -> Iterator[None]:
    """A "faster" transaction that commits only every ``every``-th write: writes that returned
    are lost by a kill."""
    if not self._db.in_transaction:
        self._db.execute("BEGIN IMMEDIATE")
    yield
    self._lazy_writes = getattr(self, "_lazy_writes", 0) + 1  # type: ignore[attr-defined]
    if self._lazy_writes % every == 0:  # type: ignore[attr-defined]
        self._db.execute("COMMIT")


UNSAFE_WRITERS = ("settings-in-place", "store-lazy-commit")


def use_unsafe_writer(kind: str) -> None:
    """Replace one of Parley's crash-safe writers by an unsafe one (``UNSAFE_WRITERS``)."""
    if kind == "settings-in-place":
        app.core.json_file.write_atomically = write_in_place  # type: ignore[assignment]
    elif kind == "store-lazy-commit":
        Store._transaction = _lazy_transaction  # type: ignore[method-assign]
    else:
        raise ValueError(f"unknown unsafe writer {kind!r}")

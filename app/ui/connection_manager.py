"""ConnectionManager: the GUI's one place for changing remote connections and their API keys.

The connection list is a small JSON file, written on the GUI thread. API keys go through the
system keyring, which can wait for the user to unlock it, and listing a server's models goes
over the network: both run off the GUI thread (``BackgroundJob``) and report back with signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.api_keys import ApiKeys
from app.core.connections import ApiDialect, Connection, ConnectionBook
from app.core.errors import ParleyError
from app.engine.remote_engine import list_models
from app.ui.background import BackgroundJob
from app.ui.i18n import translate


class ConnectionManager(QObject):
    """Adds, changes and removes connections; stores keys and lists models in the background."""

    changed = Signal()          # the list of connections changed
    problem = Signal(str)       # one sentence for the user
    modelsListed = Signal(str, list, object)  # connection name, model ids, detected ApiDialect

    def __init__(self, book: ConnectionBook, keys: ApiKeys) -> None:
        super().__init__()
        self.book = book
        self.keys = keys

    def connections(self) -> list[Connection]:
        """Every connection, in name order."""
        return self.book.all()

    def save(self, connection: Connection, key: str | None, replacing: str | None = None,
             on_saved: Callable[[Connection], None] | None = None) -> bool:
        """Add or change a connection; ``key`` None keeps the stored key, "" forgets it.
        False (with the reason shown) when the name or address is not usable."""
        old = self.book.get(replacing) if replacing else None
        has_key = bool(key) if key is not None else bool(old and old.has_key)
        try:
            saved = self.book.save(Connection(connection.name, connection.base_url, connection.model,
                                              connection.api, has_key), replacing)
        except ParleyError as exc:
            self.problem.emit(exc.shown(translate))
            return False
        renamed = old is not None and old.name != saved.name
        if key is not None or renamed:
            self._in_background(lambda: self._store_key(saved.name, key, old))
        if on_saved is not None:
            on_saved(saved)  # before ``changed``: the dialog then shows the saved one, not the first
        self.changed.emit()
        return True

    def _store_key(self, name: str, key: str | None, old: Connection | None) -> None:
        if key is None and old is not None and old.has_key:  # renamed: the key moves with it
            key = self.keys.get(old.name)
        if key:
            self.keys.set(name, key)
        else:
            self.keys.delete(name)
        if old is not None and old.name != name:
            self.keys.delete(old.name)

    def remove(self, name: str) -> None:
        """Remove a connection and forget its key (the caller has asked to confirm)."""
        try:
            self.book.remove(name)
        except ParleyError as exc:
            self.problem.emit(exc.shown(translate))
            return
        self._in_background(lambda: self.keys.delete(name))
        self.changed.emit()

    def list_models(self, connection: Connection, key: str | None) -> None:
        """Ask the server for its models (answered by ``modelsListed`` or ``problem``);
        ``key`` None uses the stored key."""
        target = connection.target()

        def work() -> tuple[str, list[str], ApiDialect]:
            stored = self.keys.get(connection.name) if key is None and connection.has_key else None
            return (connection.name, *list_models(target, key or stored))

        # A bound method of this GUI-thread object, so the answer is queued to the GUI thread.
        self._in_background(work, self._on_listed)

    def _on_listed(self, found: tuple[str, list[str], ApiDialect]) -> None:
        self.modelsListed.emit(*found)

    def key_location(self) -> str:
        """Where keys are kept, as a sentence (looks for the keyring: not on every repaint)."""
        return self.keys.location.shown(translate)

    def _in_background(self, work: Callable[[], Any],
                       done: Callable[[Any], None] | None = None) -> None:
        self.keys.prepare()  # keyring is imported here, on the GUI thread
        job = BackgroundJob(work)
        if done is not None:
            job.done.connect(done)  # before it starts: quick work may end at once
        job.failed.connect(self.problem)
        job.start()

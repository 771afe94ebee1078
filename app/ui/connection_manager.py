"""ConnectionManager: the GUI's one place for changing remote connections and their API keys.

The connection list is a small JSON file, written on the GUI thread. API keys go through the
system keyring, which can wait for the user to unlock it, and listing a server's models goes
over the network: both run off the GUI thread (``BackgroundJob``) and report back with signals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
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
        """Add or change a connection (``replacing``: its name; names do not change, chats keep
        them); ``key`` None keeps the stored key, "" forgets it. A new key is stored first, off
        the GUI thread, and the connection is written once it is there, so nothing ever reads a
        key that is not stored yet. False (with the reason shown) when the form is not usable."""
        old = self.book.get(replacing) if replacing else None
        try:
            checked = self.book.checked(connection, replacing)
        except ParleyError as exc:
            self.problem.emit(exc.shown(translate))
            return False

        def write(has_key: bool) -> None:
            try:
                saved = self.book.save(replace(checked, has_key=has_key), replacing)
            except ParleyError as exc:
                self.problem.emit(exc.shown(translate))
                return
            if on_saved is not None:
                on_saved(saved)  # before ``changed``: the dialog then shows it, not the first
            self.changed.emit()

        if key:
            self._in_background(lambda: self.keys.set(checked.name, key), lambda _: write(True))
        elif key == "":
            write(False)
            self._in_background(lambda: self.keys.delete(checked.name))
        else:
            write(bool(old and old.has_key))
        return True

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

        def work() -> tuple[list[str], ApiDialect]:
            stored = self.keys.get(connection.name) if key is None and connection.has_key else None
            return list_models(target, key or stored)

        self._in_background(work, lambda found: self.modelsListed.emit(connection.name, *found))

    def key_location(self) -> str:
        """Where keys are kept, as a sentence (looks for the keyring: not on every repaint)."""
        return self.keys.location.shown(translate)

    def _in_background(self, work: Callable[[], Any],
                       done: Callable[[Any], None] | None = None) -> None:
        """Run ``work`` on a background thread; then ``done`` with its result, on the GUI thread
        (through a bound method of this object: its slot is queued to the thread it lives in)."""
        self.keys.prepare()  # keyring is imported here, on the GUI thread
        job = BackgroundJob(lambda: (done, work()))
        job.done.connect(self._deliver)  # before it starts: quick work may end at once
        job.failed.connect(self.problem)
        job.start()

    def _deliver(self, outcome: tuple[Callable[[Any], None] | None, Any]) -> None:
        done, result = outcome
        if done is not None:
            done(result)

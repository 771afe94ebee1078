"""A chain of kill runs shares one directory: the data directory the driver works in (kept from
run to run, as a user's would be across crashes), the journal, the file the import scenarios
import, the driver's output and the checker's scratch copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.exchange import export_file
from app.core.models import MessageStatus, Role
from app.core.store import Store


@dataclass(frozen=True)
class Workdir:
    """The files of one chain of kill runs."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def journal(self) -> Path:
        return self.root / "journal.jsonl"

    @property
    def baseline(self) -> Path:
        return self.root / "baseline.json"

    @property
    def import_file(self) -> Path:
        return self.root / "import.json"

    @property
    def driver_output(self) -> Path:
        return self.root / "driver.log"

    @property
    def scratch(self) -> Path:
        return self.root / "check"


def write_import_file(path: Path, conversations: int = 24, turns: int = 8) -> None:
    """A Parley JSON export big enough that its import transaction takes a while, with a
    trashed conversation and overrides, written once per chain by the parent."""
    store = Store.temporary()
    try:
        for number in range(conversations):
            cid = store.create_conversation(f"imported {number}", {"top_k": number + 1})
            parent = None
            for turn in range(turns):
                question = store.add_message(cid, Role.USER, f"question {turn} of {number}: {'why ' * 40}",
                                             parent_id=parent)
                parent = store.add_message(cid, Role.ASSISTANT, f"answer {turn} of {number}: {'so ' * 60}",
                                           parent_id=question.id, status=MessageStatus.COMPLETE).id
            if number % 5 == 4:
                store.move_to_trash(cid)
        export_file(store, sorted(c.id for c in store.list_conversations() + store.trashed_conversations()),
                    "json", path)
    finally:
        store.close()

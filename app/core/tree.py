"""A conversation as a tree of messages, and the one branch of it that is shown.

Every message points to its parent; editing a message adds a sibling with the new text, and
regenerating a reply adds a sibling reply, so nothing is ever overwritten. Each message
records ``active_at``, when it was last on the shown branch. The shown branch starts at the
most recently active root and, at each step, continues with the most recently active child:
so switching to a sibling shows the continuation that was last seen under it, and a new
message (active now) is always shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.models import Message


@dataclass(frozen=True)
class BranchItem:
    """One message on the shown branch, with its siblings (itself included, oldest first)."""

    message: Message
    siblings: tuple[int, ...]

    @property
    def position(self) -> int:
        """Where this message is among its siblings, counting from 1."""
        return self.siblings.index(self.message.id) + 1

    def sibling(self, step: int) -> int | None:
        """The id of the sibling ``step`` places away (-1 previous, +1 next), if there is one."""
        index = self.siblings.index(self.message.id) + step
        return self.siblings[index] if 0 <= index < len(self.siblings) else None


def children_by_parent(messages: Iterable[Message]) -> dict[int | None, list[Message]]:
    """Each message's children (roots under None), oldest first."""
    children: dict[int | None, list[Message]] = defaultdict(list)
    for message in sorted(messages, key=lambda m: m.id):
        children[message.parent_id].append(message)
    return children


def shown_branch(messages: Iterable[Message]) -> list[BranchItem]:
    """The branch to show, from the root to a leaf, following the most recently active child."""
    children = children_by_parent(messages)
    branch: list[BranchItem] = []
    parent: int | None = None
    while children.get(parent):
        options = children[parent]
        chosen = max(options, key=lambda m: (m.active_at, m.id))
        branch.append(BranchItem(chosen, tuple(m.id for m in options)))
        parent = chosen.id
    return branch


def path_to(messages: Iterable[Message], message_id: int) -> list[Message]:
    """The messages from the root down to ``message_id`` (inclusive); KeyError if it is absent."""
    by_id = {m.id: m for m in messages}
    path = [by_id[message_id]]
    while path[-1].parent_id is not None:
        path.append(by_id[path[-1].parent_id])
    path.reverse()
    return path

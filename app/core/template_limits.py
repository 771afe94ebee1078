"""Limits on running a chat template: time and size, enforced while it runs.

A chat template is code written by whoever made the model file (or typed into Settings). Jinja's
sandbox keeps it away from Python's internals, but not from looping forever or building a text of
gigabytes, and Jinja has no timeout. ``limits()`` gives one render:

- a deadline (``RENDER_SECONDS``), checked by ``tick`` on every pass through a template's loops
  and every call of its macros (``template_sandbox`` compiles the calls in), and on every item a
  filter produces: everything else a template does is bounded by the size checks below;
- a size budget: no value the template makes may exceed ``budget`` characters (``BASE_BUDGET``
  plus four times the text it was given, so long conversations still render), and all it makes
  together may not exceed ``CUMULATIVE_FACTOR`` budgets, which bounds the memory it can hold.
  Sizes are checked *before* an operation that could allocate much (``'a' * 10**10`` is refused,
  not attempted) by ``template_sandbox``, which reports each value it makes through ``spend`` and
  ``checked``;
- recursion too deep for Python is reported as such.

A stopped render raises ``TemplateLimitError``: a Jinja error (so every caller that handles broken
templates handles it) whose sentence is translatable (a ``ParleyError``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from jinja2.sandbox import SecurityError
from jinja2.utils import Namespace

from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP

RENDER_SECONDS = 2.0  # a 2,000-message conversation renders in about 10 ms
BASE_BUDGET = 1 << 22  # characters any one value may have, plus 4 x the text the template was given
INPUT_FACTOR = 4
CUMULATIVE_FACTOR = 16  # all values made in one render together: this many budgets
MAX_INT_BITS = 4096  # chat templates count messages; they never need numbers this large


class TemplateLimitError(ParleyError, SecurityError):
    """A chat template was stopped: it ran too long, grew too large or recursed too deeply."""


def too_slow(seconds: float) -> TemplateLimitError:
    return TemplateLimitError(QT_TRANSLATE_NOOP("Errors", "it ran for more than {seconds} seconds"),
                              seconds=f"{seconds:g}")


def too_big(limit: int) -> TemplateLimitError:
    return TemplateLimitError(QT_TRANSLATE_NOOP("Errors", "it made more than {limit} characters of text"),
                              limit=f"{limit:,}")


def too_deep() -> TemplateLimitError:
    return TemplateLimitError(QT_TRANSLATE_NOOP("Errors", "it called itself too deeply"))


def not_numbers() -> TemplateLimitError:
    return TemplateLimitError(QT_TRANSLATE_NOOP("Errors", "it sums something other than numbers"))


def too_large_number() -> TemplateLimitError:
    return TemplateLimitError(QT_TRANSLATE_NOOP("Errors", "it made a number of more than {bits} bits"),
                              bits=MAX_INT_BITS)


class Run:
    """The limits of one render: its deadline, its budget and what it has used so far."""

    def __init__(self, seconds: float | None = None, given: int = 0) -> None:
        self.seconds = RENDER_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self.budget = BASE_BUDGET + INPUT_FACTOR * given
        self.allowance = CUMULATIVE_FACTOR * self.budget
        self.stopped: TemplateLimitError | None = None

    def stop(self, error: TemplateLimitError) -> None:
        """Stop the render with ``error`` (remembered, in case something swallows it)."""
        self.stopped = error
        raise error

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            self.stop(too_slow(self.seconds))

    def fits(self, size: int) -> None:
        """Stop unless a value of ``size`` characters is within the budget (an estimate, made
        before an operation that could allocate much)."""
        if size > self.budget:
            self.stop(too_big(self.budget))

    def spend(self, size: int) -> None:
        """Account for a value of ``size`` characters just made."""
        if size > self.budget:
            self.stop(too_big(self.budget))
        self.allowance -= size
        if self.allowance < 0:
            self.stop(too_big(CUMULATIVE_FACTOR * self.budget))


_local = threading.local()


def tick() -> bool:
    """One pass through a template's loop or one call of its macro: stop if time is up (True
    otherwise, so it can stand first in a loop's condition)."""
    run = getattr(_local, "run", None)
    if run is not None and time.monotonic() > run.deadline:
        run.stop(too_slow(run.seconds))
    return True


def current_run() -> Run:
    """The limits of the render running on this thread (fresh default ones outside a render, as
    when Jinja folds constants while compiling)."""
    return getattr(_local, "run", None) or Run()


def given_size(context: Mapping[str, Any]) -> int:
    """Characters of message text a render is given: long conversations may make long prompts."""
    messages = context.get("messages")
    if not isinstance(messages, list | tuple):
        return 0
    return sum(len(m["content"]) for m in messages
               if isinstance(m, dict) and isinstance(m.get("content"), str))


@contextmanager
def limits(seconds: float | None = None, given: int = 0) -> Iterator[Run]:
    """Run the body as one render under the limits, given ``seconds`` (``RENDER_SECONDS``) and
    ``given`` characters of input (nested calls share the outer render's limits)."""
    outer = getattr(_local, "run", None)
    if outer is not None:
        yield outer
        return
    run = _local.run = Run(seconds, given)
    try:
        yield run
    except RecursionError:
        raise too_deep() from None
    except MemoryError:
        raise too_big(run.budget) from None
    finally:
        _local.run = None
    if run.stopped is not None:  # raised, then swallowed on the way out
        raise run.stopped


def size_of(value: object, limit: int) -> int:
    """About how many characters ``value`` takes as text, counting a part shared by several
    containers each time it appears (so nested references cannot hide a huge text), in time that
    grows with the objects really there and stops soon after the count passes ``limit``."""
    sizes: dict[int, int] = {}
    pending: list[tuple[object, bool]] = [(value, False)]
    while pending:
        item, parts_measured = pending.pop()
        if id(item) in sizes and not parts_measured:
            continue
        parts = _parts(item)
        if parts is None:
            sizes[id(item)] = _scalar_size(item)
            continue
        total, inner = len(parts) + 2, []
        for part in parts:
            if id(part) in sizes:
                total += sizes[id(part)]
            elif isinstance(part, _CONTAINERS):
                inner.append(part)
            else:
                total += sizes.setdefault(id(part), _scalar_size(part))
            if total > limit:
                break
        if total > limit or not inner:
            sizes[id(item)] = min(total, limit + 1)
        else:
            sizes[id(item)] = 4  # while its parts are measured: a cycle counts as little
            pending.append((item, True))
            pending.extend((part, False) for part in inner)
    return sizes[id(value)]


_CONTAINERS = (list, tuple, set, frozenset, dict, Namespace)


def _scalar_size(value: object) -> int:
    if isinstance(value, str):
        return len(value) + 2
    return value.bit_length() // 3 + 1 if isinstance(value, int) else 4


def _parts(value: object) -> list[Any] | None:
    """The values inside a container (None for anything else)."""
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, Namespace):
        return _parts(value._Namespace__attrs)  # type: ignore[attr-defined]
    return None


def checked(value: Any, run: Run | None = None) -> Any:
    """``value``, made by the template, accounted for; an iterator is counted as it is used."""
    run = run or current_run()
    if isinstance(value, str):
        run.spend(len(value))
    elif isinstance(value, list | tuple | set | frozenset | dict | Namespace):
        run.spend(size_of(value, run.budget))
    elif isinstance(value, Iterator):
        return CountedIterator(value, run)
    return value


class CountedIterator:
    """An iterator whose items are accounted for as they are produced (``map``, ``batch``...)."""

    def __init__(self, items: Iterator[Any], run: Run) -> None:
        self._items, self._run = items, run

    def __iter__(self) -> CountedIterator:
        return self

    def __next__(self) -> Any:
        item = next(self._items)
        self._run.spend(size_of(item, self._run.budget))
        self._run.check_time()  # a filter may run a long way through a loop of its own
        return item


def bounded_join(pieces: Iterable[str]) -> str:
    """The template's output (or a block's), joined, stopping once it passes the budget."""
    run = current_run()
    parts: list[str] = []
    append, total, budget = parts.append, 0, run.budget
    for piece in pieces:
        total += len(piece)
        if total > budget:
            run.stop(too_big(budget))
        append(piece)
    return "".join(parts)

"""Estimates of what a template operation will make, checked before it is made.

``template_sandbox`` calls these before the operations of a chat template that could allocate
much in one step: repetition (``'a' * n``), powers, format strings with huge widths, string
methods that multiply text (``replace``, ``join``, ``expandtabs``) and the filters that do
(``center``, ``indent``, ``replace``, ``join``, ``format``, ``tojson`` with a huge indent,
``sum`` of lists, which copies them again at every step). Each stops the render through its
``Run`` when the estimate is over budget; the value made is accounted for afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from jinja2.utils import _PassArg

from app.core.template_limits import (
    MAX_INT_BITS,
    CountedIterator,
    Run,
    checked,
    current_run,
    not_numbers,
    size_of,
    too_big,
    too_large_number,
)

_LONG_NUMBER = re.compile(r"\d{7,}")  # a width or precision in a format string worth checking
_MAX_JSON_INDENT = 16


def guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` as filter ``name``: its numbers checked, its likely size estimated, its result
    accounted for."""
    passes = 1 if _PassArg.from_obj(func) is not None else 0  # the environment or context first
    estimate = _FILTER_ESTIMATES.get(name)

    @wraps(func)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        run = current_run()
        check_numbers((*args[passes:], *kwargs.values()), run)
        if estimate is not None:
            args = (*args[:passes], *estimate(args[passes:], kwargs, run))
        return checked(func(*args, **kwargs), run)

    return filtered


def _size(value: Any, run: Run) -> int:
    """Characters a string has, or about how many a container takes as text."""
    return len(value) if isinstance(value, str) else size_of(value, run.budget)


def check_numbers(values: Iterable[Any], run: Run) -> None:
    """A width, count or repetition larger than the budget can only make too much text."""
    for value in values:
        if isinstance(value, int) and abs(value) > run.budget:
            run.stop(too_big(run.budget))


def check_repeat(left: Any, right: Any, run: Run) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise too_large_number()
        return
    sequence, count = (right, left) if isinstance(left, int) else (left, right)
    if isinstance(sequence, str | list | tuple) and isinstance(count, int):
        run.fits(_size(sequence, run) * max(count, 0))


def check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1 \
            and (base.bit_length() - 1) * exponent > MAX_INT_BITS:
        raise too_large_number()


def check_format(text: str, args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> None:
    """Widths and precisions in a format string (``%9999999s``, ``{:>9999999}``) or its arguments
    (``%*s``) larger than the budget."""
    check_numbers((*args, *kwargs.values()), run)
    if any(int(digits) > run.budget for digits in _LONG_NUMBER.findall(text)):
        run.stop(too_big(run.budget))


def _replaced_size(text: str, old: str, new: str, count: int | None = None) -> int:
    matches = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        matches = min(matches, count)
    return len(text) + matches * len(new)


def _joined(separator: Any, items: Iterable[Any], run: Run) -> list[Any]:
    """``items`` gathered (each accounted for) and the separators between them accounted for."""
    gathered = list(CountedIterator(iter(items), run))
    run.fits(len(str(separator)) * max(len(gathered) - 1, 0))
    return gathered


def check_text_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                       run: Run) -> tuple[Any, ...]:
    """Estimate what a string method that multiplies text would make; the arguments to call it with."""
    if name == "join" and args:
        return (_joined(text, args[0], run), *args[1:])
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        run.fits(_replaced_size(text, *args[:3]))
    elif name == "expandtabs":
        tab = (args or (kwargs.get("tabsize", 8),))[0]
        run.fits(len(text) * max(tab, 1) if isinstance(tab, int) else len(text))
    elif name in ("format", "format_map"):
        check_format(text, args, kwargs, run)
    return args


def _replace_estimate(args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> tuple[Any, ...]:
    values = (*args, *kwargs.values())
    if len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
        run.fits(_replaced_size(*values[:4]))
    return args


def _indent_estimate(args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> tuple[Any, ...]:
    text = str(args[0]) if args else ""
    width = args[1] if len(args) > 1 else kwargs.get("width", 4)
    run.fits(len(text) + (text.count("\n") + 1) * (width if isinstance(width, int) else len(str(width))))
    return args


def _join_estimate(args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> tuple[Any, ...]:
    separator = args[1] if len(args) > 1 else kwargs.get("d", "")
    return (_joined(separator, args[0], run), *args[1:]) if args else args


def _format_estimate(args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> tuple[Any, ...]:
    if args and isinstance(args[0], str):
        check_format(args[0], args[1:], kwargs, run)
    return args


def _sum_estimate(args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> tuple[Any, ...]:
    start = args[2] if len(args) > 2 else kwargs.get("start", 0)
    if not isinstance(start, int | float):  # adding lists copies all of them again at every step
        raise not_numbers()
    return args


def _json_estimate(args: tuple[Any, ...], kwargs: dict[str, Any], run: Run) -> tuple[Any, ...]:
    indent = args[1] if len(args) > 1 else kwargs.get("indent")
    width = len(indent) if isinstance(indent, str) else indent if isinstance(indent, int) else 0
    if width > _MAX_JSON_INDENT:  # each nesting level repeats the indent on each line
        run.stop(too_big(run.budget))
    return args


Estimate = Callable[[tuple[Any, ...], dict[str, Any], Run], tuple[Any, ...]]
_FILTER_ESTIMATES: dict[str, Estimate] = {
    "replace": _replace_estimate, "indent": _indent_estimate, "join": _join_estimate,
    "format": _format_estimate, "sum": _sum_estimate, "tojson": _json_estimate,
}

"""The performance targets, declared once, and how a result is checked against them.

A target names a metric by its dotted path in ``bench.json`` (``"ttft.followup_ms"``) and a
limit: a number, or a factor of another metric (``1.5 × ttft.empty_ms``). A metric that was
not measured is reported as such, never as a pass.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">=": operator.ge, ">": operator.gt}
SHOWN_OP = {"<": "<", "<=": "≤", ">=": "≥", ">": ">"}


@dataclass(frozen=True)
class Target:
    """``metric op limit`` (or ``metric op limit × relative_to``)."""

    metric: str
    op: str
    limit: float
    relative_to: str | None = None
    unit: str = ""

    def describe(self) -> str:
        """The target as a reader sees it, e.g. "≤ 1.5 × ttft.empty_ms" or "< 50 ms"."""
        if self.relative_to:
            return f"{SHOWN_OP[self.op]} {self.limit:g} × {self.relative_to}"
        return f"{SHOWN_OP[self.op]} {self.limit:g}{' ' + self.unit if self.unit else ''}"


TARGETS: tuple[Target, ...] = (
    Target("generation.ratio", ">=", 0.95),
    Target("ttft.followup_ms", "<=", 1.5, "ttft.empty_ms"),
    Target("ttft.after_switch_ms", "<=", 1.5, "ttft.empty_ms"),
    Target("ttft.after_restart_ms", "<=", 2.0, "ttft.empty_ms"),
    Target("ui.max_stall_ms", "<", 50, unit="ms"),
    Target("ui.open_1000_messages_ms", "<", 300, unit="ms"),
    Target("store.search_ms", "<", 100, unit="ms"),
    Target("startup.window_ms", "<", 1500, unit="ms"),
)


def lookup(result: Mapping[str, Any], dotted: str) -> float | None:
    """The number at ``dotted`` ("section.key") in ``result``, or None if it is not there."""
    value: Any = result
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def evaluate(result: Mapping[str, Any], targets: tuple[Target, ...] = TARGETS) -> list[dict[str, Any]]:
    """Each target with the measured value, the limit it was held to and whether it passed
    (``None`` when the metric, or the one its limit depends on, was not measured)."""
    checked = []
    for target in targets:
        measured = lookup(result, target.metric)
        base = lookup(result, target.relative_to) if target.relative_to else 1.0
        limit = None if base is None else round(target.limit * base, 3)
        passed = None if measured is None or limit is None else COMPARE[target.op](measured, limit)
        checked.append({"metric": target.metric, "target": target.describe(), "measured": measured,
                        "limit": limit, "pass": passed})
    return checked

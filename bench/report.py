"""The results table (Markdown, for the console and the README) from a ``bench.json`` result.

    python -m bench.report bench.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.targets import TARGETS, evaluate, lookup

# metric, label ({section.key} is replaced by that value), how the value is shown
ROWS: tuple[tuple[str, str, str], ...] = (
    ("generation.raw_tokens_per_s", "Generation, plain llama-cpp-python", "{:.1f} tok/s"),
    ("generation.app_tokens_per_s", "Generation through the app (as shown in the window)", "{:.1f} tok/s"),
    ("generation.ratio", "App ÷ plain", "{:.3f}"),
    ("ttft.empty_ms", "First text, new chat", "{:,.0f} ms"),
    ("ttft.followup_ms", "First text, follow-up in a {ttft.history_prompt_tokens}-token chat", "{:,.0f} ms"),
    ("ttft.after_switch_ms", "First text, same, after switching to another chat and back", "{:,.0f} ms"),
    ("ttft.after_restart_ms", "First text, same, after restarting the app", "{:,.0f} ms"),
    ("ui.max_stall_ms", "Longest GUI stall, {ui.tokens} tokens streaming into {ui.messages_shown} messages",
     "{:.1f} ms"),
    ("ui.p99_stall_ms", "99th-percentile GUI stall, same", "{:.1f} ms"),
    ("ui.open_1000_messages_ms", "Open a 1,000-message chat", "{:,.0f} ms"),
    ("store.search_ms", "Search {store.messages} messages (slowest of the queries)", "{:.1f} ms"),
    ("store.list_ms", "List {store.conversations} chats for the sidebar", "{:.1f} ms"),
    ("startup.window_ms", "Start until the window is shown", "{:,.0f} ms"),
    ("memory.app_overhead_mb", "Memory on top of plain llama-cpp-python ({memory.plain_rss_mb} MB)",
     "{:,.0f} MB"),
)
VERDICT = {True: "✔", False: "✘ missed", None: "not measured"}


def _fill(label: str, result: Mapping[str, Any]) -> str:
    """Replace each ``{section.key}`` in ``label`` with that value from ``result``."""
    def value(match: re.Match[str]) -> str:
        number = lookup(result, match.group(1))
        return "?" if number is None else f"{number:,.0f}"
    return re.sub(r"\{([a-z_]+\.[a-z_0-9]+)\}", value, label)


def machine_line(result: Mapping[str, Any]) -> str:
    """One sentence saying where and how the numbers were measured."""
    m = result.get("machine", {})
    line = (f"Measured on {m.get('cpu', '?')} ({m.get('cores', '?')} cores, {m.get('ram_gb', '?')} GB RAM), "
            f"{m.get('os', '?')}, Python {m.get('python', '?')}, "
            f"llama-cpp-python {m.get('llama_cpp_python', '?')}, "
            f"{result.get('created', '')[:10] or 'undated'}")
    if result.get("quick"):
        line += ", quick mode (small sizes, one repetition: not comparable)"
    busy = [part.get("cpu_busy_before", 0) for part in result.get("parts", {}).values()]
    if busy and max(busy) > 10:
        line += f"; other processes kept the CPU up to {max(busy):.0f}% busy while it ran"
    return line + "."


def markdown_table(result: Mapping[str, Any]) -> str:
    """Every headline metric with its target and verdict, under the machine line."""
    checked = {row["metric"]: row for row in result.get("targets") or evaluate(result)}
    lines = [machine_line(result), "", "| Measurement | Result | Target |", "|---|---|---|"]
    for metric, label, shown in ROWS:
        value = lookup(result, metric)
        target = checked.get(metric)
        cell = ""
        if target is not None:
            relative = target["limit"] is not None and "×" in target["target"]
            limit = f" = {target['limit']:,.0f}" if relative else ""
            cell = f"{target['target']}{limit} {VERDICT[target['pass']]}"
        lines.append(f"| {_fill(label, result)} | {'not measured' if value is None else shown.format(value)}"
                     f" | {cell} |")
    for part, error in (result.get("errors") or {}).items():
        lines.append(f"\nNot measured: {part}: {error}")
    return "\n".join(lines)


def targets_table(result: Mapping[str, Any]) -> str:
    """Only the targets whose metric is in ``result`` (for a part run on its own)."""
    rows = [row for row in evaluate(result) if row["measured"] is not None]
    return "\n".join(["Targets"] + [f"  {VERDICT[row['pass']]:<12} {row['metric']:<28} "
                                    f"{row['measured']:>10,.1f}  (target {row['target']})" for row in rows])


def summary_line(result: Mapping[str, Any]) -> str:
    """How many targets were met, missed and not measured."""
    checked = result.get("targets") or evaluate(result)
    met = sum(row["pass"] is True for row in checked)
    missed = [row["metric"] for row in checked if row["pass"] is False]
    unknown = sum(row["pass"] is None for row in checked)
    line = f"{met} of {len(TARGETS)} targets met"
    if missed:
        line += "; missed: " + ", ".join(missed)
    return line + (f"; {unknown} not measured." if unknown else ".")


def main(argv: list[str] | None = None) -> int:
    """Print the Markdown table for a ``bench.json``."""
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("result", type=Path, nargs="?", default=Path("bench.json"))
    result = json.loads(parser.parse_args(argv).result.read_text(encoding="utf-8"))
    print(markdown_table(result))
    print()
    print(summary_line(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

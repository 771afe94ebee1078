"""``make bench``: every benchmark, one table, one ``bench.json``.

    QT_QPA_PLATFORM=offscreen python -m bench.run [--out bench.json] [--quick] [--only PART,...]

Parts (in the order they run): history (``store.*``, ``ui.open_1000_messages_ms``),
ui_stalls (``ui.max_stall_ms``, ``ui.p99_stall_ms``), startup, memory, generation and ttft,
each in a fresh child process (``--part NAME``) so that no part inherits another's threads,
memory or Qt state, all offscreen with temporary data directories (never the user's
profile). ``--quick`` runs
small sizes with one repetition, to check that the benchmark works; its numbers are not
comparable. A missed target is reported in the table and the exit status stays 0 (this is
a measurement); a part that could not be measured at all makes it 1.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import argparse
import datetime as dt
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import machine_info, print_child_result, progress, run_child, wait_for_quiet
from bench.history_data import HistorySize
from bench.report import markdown_table, summary_line
from bench.targets import evaluate


@dataclass(frozen=True)
class Sizes:
    """How much each part measures."""

    history: HistorySize
    history_runs: int
    gui_runs: int
    stall_messages: int
    stall_tokens: int
    startup_runs: int
    memory_runs: int
    generation_repetitions: int
    generation_max_tokens: int
    ttft_repetitions: int
    ttft_history_tokens: int


FULL = Sizes(HistorySize(10_000, 50), 20, 5, 200, 1000, 5, 2, 3, 1000, 3, 1600)
QUICK = Sizes(HistorySize(300, 20), 3, 1, 40, 200, 1, 1, 1, 96, 1, 400)
PART_TIMEOUT_S = 3600  # a part that takes longer than this has hung


def _parts(sizes: Sizes, model: Path, wait_quiet_s: float = 0) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each part: a function returning the sections it measured (imported only when it runs)."""
    def history() -> dict[str, Any]:
        from bench.history import measure_history
        return measure_history(sizes.history, sizes.history_runs, sizes.gui_runs)

    def ui_stalls() -> dict[str, Any]:
        from bench.ui_stalls import measure_ui_stalls
        return {"ui": measure_ui_stalls(sizes.stall_messages, sizes.stall_tokens)}

    def startup() -> dict[str, Any]:
        from bench.startup import measure_startup
        return {"startup": measure_startup(sizes.startup_runs)}

    def memory() -> dict[str, Any]:
        from bench.memory import measure_memory
        return {"memory": measure_memory(model, sizes.memory_runs)}

    def generation() -> dict[str, Any]:
        from bench.generation import measure_generation
        return {"generation": measure_generation(model, sizes.generation_repetitions,
                                                 sizes.generation_max_tokens, wait_quiet_s)}

    def ttft() -> dict[str, Any]:
        from bench.ttft import measure_ttft
        return {"ttft": measure_ttft(model, sizes.ttft_repetitions, sizes.ttft_history_tokens, wait_quiet_s)}

    return {"history": history, "ui_stalls": ui_stalls, "startup": startup, "memory": memory,
            "generation": generation, "ttft": ttft}


def merge(into: dict[str, Any], sections: dict[str, Any]) -> None:
    """Add each section's keys to ``into`` (two parts may fill one section, e.g. ``ui``)."""
    for name, values in sections.items():
        into.setdefault(name, {}).update(values)


def run_part(name: str, sizes: Sizes, wait_quiet_s: float = 0) -> dict[str, Any]:
    """In the part's own process: measure it; its sections, or ``{"error": sentence}``."""
    from app.core.bundled_model import bundled_model_path
    from bench.qt_session import quiet_offscreen_warnings

    quiet_offscreen_warnings()
    try:
        return _parts(sizes, bundled_model_path(), wait_quiet_s)[name]()
    except Exception as exc:  # reported in the table; the other parts still run
        progress(traceback.format_exc())
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}


def run(parts: list[str], child_args: list[str], quick: bool, wait_quiet_s: float = 0) -> dict[str, Any]:
    """Run ``parts``, each in a child process, and return the whole result, targets checked."""
    from app.core.bundled_model import bundled_model_path

    model = bundled_model_path()
    result: dict[str, Any] = {
        "benchmark": "parley", "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": quick, "wait_quiet_s": wait_quiet_s, "machine": machine_info(),
        "model": {"path": str(model), "name": model.name}, "parts": {}, "errors": {}}
    for name in parts:
        busy = wait_for_quiet(wait_quiet_s)
        progress(f"== {name} (CPU {busy:.0f}% busy before it)")
        started = time.perf_counter()
        try:
            sections = run_child("bench.run", ["--part", name, *child_args], PART_TIMEOUT_S,
                                 show_progress=True)
        except Exception as exc:  # a crash or a hang: reported, and the other parts still run
            sections = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        if "error" in sections:
            result["errors"][name] = sections.pop("error")
        merge(result, sections)
        result["parts"][name] = {"seconds": round(time.perf_counter() - started, 1), "cpu_busy_before": busy,
                                 "load_average_after": round(os.getloadavg()[0], 2)}
    result["targets"] = evaluate(result)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench.run``."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("bench.json"), help="where to write the JSON")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--only", help="comma-separated parts to run (default: all)")
    parser.add_argument("--conversations", type=int, help="size of the generated history")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each part, each generation pair and each timed first text, wait up to "
                             "SECONDS for other processes to leave the CPU idle")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # be the child process measuring one part
    args = parser.parse_args(argv)
    known = list(_parts(QUICK, Path()))
    args.parts = args.only.split(",") if args.only else known
    unknown = [p for p in [*args.parts, *([args.part] if args.part else [])] if p not in known]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}; the parts are {', '.join(known)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON."""
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    child_args = ["--quick"] if args.quick else []
    if args.wait_quiet:
        child_args += ["--wait-quiet", str(args.wait_quiet)]
    if args.conversations:
        sizes = Sizes(**{**vars(sizes), "history": HistorySize(args.conversations,
                                                                sizes.history.messages_per_conversation)})
        child_args += ["--conversations", str(args.conversations)]
    if args.part:
        print_child_result(run_part(args.part, sizes, args.wait_quiet))
        return 0
    result = run(args.parts, child_args, args.quick, args.wait_quiet)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{markdown_table(result)}\n\n{summary_line(result)}\nResults written to {args.out}", flush=True)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

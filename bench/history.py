"""Benchmark: searching and listing a large history, and opening a long conversation.

- ``store.search_ms``: full-text search over 10,000 conversations / 500,000 messages
  (``Store.search``, the slowest query's median; target < 100 ms);
- ``store.list_ms``: listing the conversations as the sidebar does (``Store.list_conversations``;
  filling the sidebar's model with them is reported beside it);
- ``ui.open_1000_messages_ms``: opening a 1,000-message conversation (``Store.branch`` plus
  ``TranscriptView.show_conversation`` and the events that lay it out, medians added up;
  target < 300 ms).

The database comes from ``bench.history_data`` (generated once, cached in ``.bench-cache/``).
``make bench`` runs this as part of ``bench.run``; on its own:

    QT_QPA_PLATFORM=offscreen python -m bench.history [--conversations N]
        [--messages-per-conversation M] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from app.core.search_text import match_query
from app.core.store import Store
from bench.common import machine_info, progress, summary_ms, times_ms
from bench.history_data import CACHE_DIR, LONG_MESSAGES, SEED, SHORT_MESSAGES, HistorySize, prepare_database

QUERIES: tuple[tuple[str, str], ...] = (
    ("rare English word", "quillwort"),
    ("common English word", "the"),
    ("English prefix, as typed", "tomat"),
    ("one letter, as first typed", "t"),
    ("Chinese word (2 chars)", "天气"),
    ("Chinese character", "的"),
    ("two words", "python error"),
    ("no hits", "zzqxv"),
)


def measure_search(store: Store, db_path: Path, runs: int) -> list[dict[str, Any]]:
    """Each query: warmed once, then ``runs`` timed calls of Store.search."""
    counter = sqlite3.connect(db_path)  # the total number of matching messages, for context
    results = []
    try:
        for label, query in QUERIES:
            expression = match_query(query)
            matches = counter.execute("SELECT count(*) FROM message_search WHERE message_search MATCH ?",
                                      (expression,)).fetchone()[0]
            start = time.perf_counter()
            hits = store.search(query)
            first_ms = (time.perf_counter() - start) * 1000
            samples = times_ms(lambda q=query: store.search(q), runs)
            results.append({"label": label, "query": query, "match_expression": expression,
                            "hits_returned": len(hits), "messages_matching": matches,
                            "first_ms": round(first_ms, 2), **summary_ms(samples)})
    finally:
        counter.close()
    return results


def measure_open(store: Store, conversation_id: int, runs: int, gui_runs: int) -> dict[str, Any]:
    """Store.branch, then the transcript showing that branch until it is laid out."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from app.application import create_application
    from app.ui.transcript import TranscriptView

    items = store.branch(conversation_id)
    branch_samples = times_ms(lambda: store.branch(conversation_id), runs)

    app = create_application([sys.argv[0]])
    view = TranscriptView()
    view.resize(900, 800)
    view.show()
    bar = view.verticalScrollBar()
    container = view.widget()

    def settle() -> int:
        # Process events until two passes in a row change nothing (laid out, scrolled).
        passes = quiet = 0
        state = None
        while quiet < 2 and passes < 30:
            app.processEvents()
            passes += 1
            now = (container.height(), bar.maximum(), bar.value())
            quiet = quiet + 1 if now == state else 0
            state = now
        return passes

    build, layout, total, passes = [], [], [], []
    for _ in range(gui_runs + 1):  # the first run warms Qt up and is not counted
        view.show_conversation([])
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        settle()
        start = time.perf_counter()
        view.show_conversation(items)
        built = time.perf_counter()
        passes.append(settle())
        done = time.perf_counter()
        build.append((built - start) * 1000)
        layout.append((done - built) * 1000)
        total.append((done - start) * 1000)
    content_height = container.height()
    at_bottom = bar.value() == bar.maximum()
    view.show_conversation([])
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return {
        "conversation_id": conversation_id,
        "messages_shown": len(items),
        "store_branch": summary_ms(branch_samples),
        "gui_show_conversation": summary_ms(total[1:]),
        "gui_widget_construction": summary_ms(build[1:]),
        "gui_event_processing": summary_ms(layout[1:]),
        "gui_event_passes": passes[1:],
        "gui_content_height_px": content_height,
        "gui_scrolled_to_bottom": at_bottom,  # show_conversation is meant to end at the bottom
        "total_median_ms": round(statistics.median(branch_samples) + statistics.median(total[1:]), 2),
    }



def measure_list(store: Store, runs: int) -> dict[str, Any]:
    """Listing every conversation for the sidebar: the query, then filling the sidebar's model."""
    from app.ui.conversation_list import ConversationListModel

    rows = store.list_conversations()
    model = ConversationListModel()
    return {"conversations": len(rows), "store": summary_ms(times_ms(store.list_conversations, runs)),
            "sidebar_model": summary_ms(times_ms(lambda: model.set_conversations(rows), runs))}


def measure_history(size: HistorySize, runs: int = 20, gui_runs: int = 5) -> dict[str, Any]:
    """``store.*`` and ``ui.open_*`` over the generated history (built or reused first)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # measure without a window on screen
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as temp:
        db_path, meta = prepare_database(size, Path(temp), progress)
        progress("  measuring search, listing and opening ...")
        store = Store(db_path)
        try:
            search = measure_search(store, db_path, runs)
            listing = measure_list(store, runs)
            open_short = measure_open(store, meta["short_conversation_id"], runs, gui_runs)
            open_long = measure_open(store, meta["long_conversation_id"], runs, gui_runs)
        finally:
            store.close()
        size_mb = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*")) / 2**20
    worst = max(search, key=lambda row: row["median_ms"])
    return {
        "store": {
            "search_ms": worst["median_ms"], "search_slowest_query": worst["query"],
            "list_ms": listing["store"]["median_ms"],
            "list_sidebar_model_ms": listing["sidebar_model"]["median_ms"],
            "conversations": meta["conversations"], "messages": meta["messages"],
            "database": {**meta, "size_mb": round(size_mb, 1), "path": str(db_path)},
            "parameters": {"conversations": size.conversations,
                           "messages_per_conversation": size.messages_per_conversation,
                           "runs": runs, "gui_runs": gui_runs, "seed": SEED},
            "search": search, "list": listing,
        },
        "ui": {
            "open_1000_messages_ms": open_long["total_median_ms"],
            "open_50_messages_ms": open_short["total_median_ms"],
            "open_long": open_long, "open_short": open_short,
            "open_ratio_long_to_short": round(
                open_long["total_median_ms"] / open_short["total_median_ms"], 2),
        },
    }


# -- reporting --------------------------------------------------------------------------------

def report_table(result: dict[str, Any]) -> str:
    """The detailed table for ``python -m bench.history`` (``result`` as ``measure_history`` gives)."""
    store, ui = result["store"], result["ui"]
    params, db = store["parameters"], store["database"]
    lines = [
        f"Parley history benchmark: {params['conversations']:,} conversations x "
        f"{params['messages_per_conversation']} messages (+ a {SHORT_MESSAGES}- and a "
        f"{LONG_MESSAGES}-message conversation)",
        f"Database: {db['messages']:,} messages, {db['size_mb']:.0f} MB, "
        + (f"reused from the cache (built in {db['build_s']:.1f} s)" if db["reused"]
           else f"built in {db['build_s']:.1f} s"),
        "",
        f"{'Search (Store.search, limit 50)':<44}{'query':<15}{'hits':>6}{'matching':>10}"
        f"{'median ms':>11}{'max ms':>9}",
    ]
    for row in store["search"]:
        query = repr(row["query"])
        query += " " * max(0, 15 - len(query) - sum(unicodedata.east_asian_width(c) in "WF" for c in query))
        lines.append(f"  {row['label']:<42}{query}{row['hits_returned']:>6}"
                     f"{row['messages_matching']:>10,}{row['median_ms']:>11.1f}{row['max_ms']:>9.1f}")
    lines += ["", f"{'Open a conversation (median ms)':<44}{'store':>9}{'widgets':>9}{'events':>9}"
                  f"{'GUI':>9}{'total':>9}"]
    for key in ("open_short", "open_long"):
        row = ui[key]
        lines.append(f"  {row['messages_shown']:>5} messages{'':<30}{row['store_branch']['median_ms']:>9.1f}"
                     f"{row['gui_widget_construction']['median_ms']:>9.1f}"
                     f"{row['gui_event_processing']['median_ms']:>9.1f}"
                     f"{row['gui_show_conversation']['median_ms']:>9.1f}{row['total_median_ms']:>9.1f}")
    lines.append(f"  long / short: x{ui['open_ratio_long_to_short']:.1f}")
    listing = store["list"]
    lines += ["", f"List {listing['conversations']:,} conversations (median ms): "
                  f"store {listing['store']['median_ms']:.1f}, "
                  f"sidebar model {listing['sidebar_model']['median_ms']:.1f}"]
    return "\n".join(lines)




def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench.history``."""
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-per-conversation", type=int, default=50)
    parser.add_argument("--out", type=Path, help="write the JSON results here (default: print them)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per search query")
    parser.add_argument("--gui-runs", type=int, default=5, help="timed runs of opening in the GUI")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument("--rebuild", action="store_true", help="build the database even if cached")
    parser.add_argument("--no-cache", action="store_true", help="build in a temporary folder")
    args = parser.parse_args(argv)
    if args.conversations < 1 or args.messages_per_conversation < 2:
        parser.error("need at least 1 conversation of at least 2 messages")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and the targets, write JSON; 0 even when a target is missed."""
    from bench.report import targets_table
    from bench.targets import evaluate

    args = parse_args(argv)
    size = HistorySize(args.conversations, args.messages_per_conversation,
                       None if args.no_cache else args.cache_dir, args.rebuild)
    result: dict[str, Any] = {"benchmark": "history", "machine": machine_info(),
                              **measure_history(size, args.runs, args.gui_runs)}
    result["targets"] = evaluate(result)
    print(report_table(result) + "\n\n" + targets_table(result), flush=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"\nResults written to {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

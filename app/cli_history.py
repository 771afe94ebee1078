"""The history subcommands of ``parley``: export, import and search (see ``app.cli``).

``parley search --json`` prints a list of objects: ``conversation_id``, ``title``,
``message_id`` and ``role`` (both null when the title matched), ``snippet`` (plain text) and
``matches``, the ``[start, end)`` character ranges of the matched words in the snippet.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from app.core.exchange import (
    conversations_for_export,
    export_file,
    export_text,
    import_file,
)
from app.core.models import SearchHit
from app.core.preferences import export_preferences
from app.core.search_text import MATCH_END, MATCH_START
from app.core.store import Store

HISTORY_COMMANDS = ("export", "import", "search")


def add_history_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``export``, ``import`` and ``search`` to the ``parley`` subcommands."""
    export = commands.add_parser("export", parents=[common],
                                 help="write conversations as Markdown or JSON")
    which = export.add_mutually_exclusive_group()
    which.add_argument("conversation", nargs="?", type=int, metavar="ID",
                       help="the conversation to export (see `parley conversations`)")
    which.add_argument("--all", action="store_true",
                       help="every conversation (JSON also includes the trash)")
    which.add_argument("--preferences", action="store_true",
                       help="write rated alternative replies as a preference dataset (JSONL)")
    export.add_argument("--format", choices=("md", "json"),
                        help="md: readable, the shown branch (default); json: lossless, every branch")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE instead of printing")

    importing = commands.add_parser("import", parents=[common],
                                    help="import a Parley JSON export or ChatGPT's conversations.json")
    importing.add_argument("file", type=Path, metavar="FILE", help="the file to import")

    search = commands.add_parser("search", parents=[common], help="search titles and messages")
    search.add_argument("query", metavar="QUERY", help="words that must all appear")
    search.add_argument("--json", action="store_true", help="print a JSON list")


def check_history_arguments(args: argparse.Namespace, error: Callable[[str], NoReturn]) -> None:
    """Report argument combinations argparse cannot express (``error`` exits with status 2)."""
    if args.command != "export":
        return
    if args.preferences:
        if args.output is None:
            error("export --preferences needs -o FILE.jsonl")
        if args.format is not None:
            error("export --preferences always writes JSONL; leave out --format")
    elif args.conversation is None and not args.all:
        error("export needs a conversation ID or --all")


def run_history_command(store: Store, args: argparse.Namespace) -> int:
    """Run ``parley export``, ``import`` or ``search``; return the exit status."""
    commands = {"export": _export, "import": _import, "search": _search}
    return commands[args.command](store, args)


def _export(store: Store, args: argparse.Namespace) -> int:
    if args.preferences:
        count = export_preferences(store, args.output)
        print(f"Wrote {_count(count, 'preference pair')} to {args.output}.")
        return 0
    fmt = args.format or "md"
    ids = conversations_for_export(store, fmt) if args.all else [args.conversation]
    if args.output is None:
        sys.stdout.write(export_text(store, ids, fmt))
        return 0
    export_file(store, ids, fmt, args.output)
    print(f"Exported {_count(len(ids), 'conversation')} to {args.output}.")
    return 0


def _import(store: Store, args: argparse.Namespace) -> int:
    ids = import_file(store, args.file)
    listed = f": {', '.join(map(str, ids))}" if ids else ""
    print(f"Imported {_count(len(ids), 'conversation')}{listed}.")
    return 0


def _search(store: Store, args: argparse.Namespace) -> int:
    hits = store.search(args.query)
    if args.json:
        print(json.dumps([_hit_json(hit) for hit in hits], ensure_ascii=False))
        return 0
    if not hits:
        print("No matches.")
    for hit in hits:
        where = f"#{hit.message_id}" if hit.message_id is not None else "title"
        snippet = hit.snippet.replace(MATCH_START, "[").replace(MATCH_END, "]")
        print(f"{hit.conversation_id:>5}  {where:>7}  {hit.title}: {' '.join(snippet.split())}")
    return 0


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    snippet, matches = unmark(hit.snippet)
    return {"conversation_id": hit.conversation_id, "title": hit.title, "message_id": hit.message_id,
            "role": hit.role.value if hit.role else None, "snippet": snippet, "matches": matches}


def unmark(snippet: str) -> tuple[str, list[list[int]]]:
    """A search snippet without its match markers, and the ``[start, end)`` ranges they marked."""
    text: list[str] = []
    matches: list[list[int]] = []
    length = 0
    for char in snippet:
        if char == MATCH_START:
            matches.append([length, length])
        elif char == MATCH_END and matches:
            matches[-1][1] = length
        else:
            text.append(char)
            length += 1
    return "".join(text), matches


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"

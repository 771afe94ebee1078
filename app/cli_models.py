"""The ``parley models`` subcommands: list the library, add, remove and download models.

    parley models [--json]                          the library, with each model's facts
    parley models add PATH [--copy]                 link a GGUF file (or copy it in)
    parley models remove NAME [--delete-file]       take a model out of the library
    parley models download URL_OR_REPO [--sha256 HEX]   into the models folder, resumable

``parley models --json`` prints a list of objects: ``name``, ``path``, ``origin``,
``available``, and either the header's facts (see ``core/model_facts.py``) or ``error``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.core.download import DownloadProgress, download, format_progress, resolve_source
from app.core.errors import ParleyError
from app.core.gguf_header import read_header
from app.core.memory import estimate_memory
from app.core.model_facts import fact_lines, model_facts
from app.core.model_library import LibraryModel
from app.core.settings import Settings
from app.profile import Profile

PROGRESS_EVERY_S = 0.5


def add_models_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``models`` and its own subcommands to the ``parley`` subcommands."""
    models = commands.add_parser("models", parents=[common], help="list, add, remove or download models")
    models.add_argument("--json", action="store_true", help="print the library as a JSON list")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="add a GGUF file to the library")
    add.add_argument("path", metavar="PATH", help="the .gguf file (linked where it is)")
    add.add_argument("--copy", action="store_true", help="copy it into Parley's models folder")
    remove = actions.add_parser("remove", parents=[common], help="take a model out of the library")
    remove.add_argument("name", metavar="NAME", help="the model's name or path")
    remove.add_argument("--delete-file", action="store_true", help="delete the file as well")
    fetch = actions.add_parser("download", parents=[common],
                               help="download a GGUF from a URL or a Hugging Face repository")
    fetch.add_argument("source", metavar="URL_OR_REPO",
                       help="an https URL, or owner/repository/file.gguf on Hugging Face")
    fetch.add_argument("--sha256", metavar="HEX", help="the file's expected SHA-256")


def run_models_command(profile: Profile, settings: Settings, args: argparse.Namespace) -> int:
    """Run ``parley models ...``; ParleyError for problems the user can fix."""
    library = profile.models
    action = args.models_command
    if action == "add":
        model = library.add(library.find(args.path), copy=args.copy)
        print(f"Added {model.name} ({model.origin.value}): {model.path}")
    elif action == "remove":
        model = _library_model(profile, args.name)
        library.remove(model, delete_file=args.delete_file)
        print(f"Removed {model.name}" + (" and deleted its file." if args.delete_file else "."))
    elif action == "download":
        _download(profile, args.source, args.sha256)
    else:
        _list(library.models(), settings, args.json)
    return 0


def _library_model(profile: Profile, name: str) -> LibraryModel:
    path = profile.models.find(name)
    model = profile.models.model_for(path)
    if model is None:
        raise ParleyError(f"{name} is not in the library; list the models with `parley models`.")
    return model


def _list(models: list[LibraryModel], settings: Settings, as_json: bool) -> None:
    n_ctx, n_batch = int(settings["n_ctx"]), int(settings["n_batch"])
    rows: list[dict[str, Any]] = []
    for model in models:
        row: dict[str, Any] = {"name": model.name, "path": str(model.path),
                               "origin": model.origin.value, "available": model.available}
        try:
            header = read_header(model.path)
        except ParleyError as exc:
            row["error"] = str(exc)
        else:
            estimate = estimate_memory(header, n_ctx, n_batch)
            row.update(model_facts(header, estimate))
            row["lines"] = fact_lines(header, estimate)
        rows.append(row)
    if as_json:
        print(json.dumps([{k: v for k, v in row.items() if k != "lines"} for row in rows],
                         ensure_ascii=False))
        return
    for row in rows:
        print(f"{row['name']}  ({row['origin']})\n  {row['path']}")
        for line in row.get("lines", [row.get("error", "")]):
            print(f"  {line}")
    from app.engine.gpu import probe_offload  # llama.cpp only when the GPUs are asked about

    print(probe_offload().describe())


def _download(profile: Profile, text: str, sha256: str | None) -> None:
    source = resolve_source(text)
    last = 0.0

    def show(progress: DownloadProgress) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY_S:
            last = time.monotonic()
            print(f"\r{format_progress(progress)}\033[K", end="", file=sys.stderr, flush=True)

    try:
        path = download(source, profile.models.models_dir, sha256=sha256, progress=show)
    except KeyboardInterrupt:
        print(f"\nparley: the download of {source.file_name} was interrupted; run the same "
              "command again to resume it.", file=sys.stderr)
        raise
    profile.models.register(path)  # listed even if a file of that name was removed before
    print(file=sys.stderr)
    print(f"Downloaded {path.name} into {path.parent}")

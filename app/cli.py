"""Command-line entry point: the GUI by default, and headless subcommands.

    parley [--data-dir DIR] [--model PATH]             open the desktop app
    parley chat [--preset NAME] [--set NAME=VALUE]... MESSAGE   one exchange, streamed
    parley chat --connection NAME [--model ID] MESSAGE  the same, through a remote server
    parley conversations [--json]                       list saved conversations
    parley export [--format md|json] (--all | ID) [-o FILE]   Markdown or lossless JSON
    parley export --preferences -o FILE.jsonl           rated alternatives, for fine-tuning
    parley import FILE                                  Parley JSON or ChatGPT conversations.json
    parley search QUERY [--json]                        search titles and messages
    parley models [--json] | add PATH | remove NAME | download URL_OR_REPO   the model library
    parley serve [--port N] [--model NAME_OR_PATH] [--show-token]   the local OpenAI API server
    parley connections [--json] | add NAME BASE_URL | remove NAME   remote OpenAI-compatible servers
    parley desktop install | uninstall                  the application menu entry and icons (Linux)

``--model`` takes a library name (see ``parley models``) or a path to a .gguf file; with
``--connection``, a model id the server lists. A conversation that ran on a connection goes on
there unless ``--model`` names a local model.

``--data-dir`` works before or after the subcommand. The headless commands use the same
profile, store and engine code as the GUI. Errors exit non-zero with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from app import __version__
from app.cli_connections import add_connections_command, run_connections_command
from app.cli_history import (
    HISTORY_COMMANDS,
    add_history_commands,
    check_history_arguments,
    run_history_command,
)
from app.cli_models import add_models_command, run_models_command
from app.cli_serve import add_serve_command
from app.core.atomic import error_text
from app.core.bundled_model import resolve_model_path
from app.core.engine import Engine
from app.core.errors import ParleyError
from app.core.generation import LoadRequest, ModelInfo
from app.core.models import GenerationStats, Message
from app.core.presets import PresetLibrary
from app.core.scopes import SettingScopes
from app.core.settings import Settings
from app.core.settings_schema import SettingError, parse_assignment
from app.core.turn import ReplyRecorder, start_turn
from app.desktop_entry import add_desktop_command, run_desktop_command
from app.paths import AppPaths
from app.platform_check import display_problem
from app.profile import Profile, open_profile

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"parley: error: {message} (see `parley --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``parley`` argument parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                        help="keep every file Parley writes under DIR")
    parser = _Parser(prog="parley", parents=[common],
                     description="Chat with language models that run on this computer.")
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    parser.add_argument("--model", metavar="NAME_OR_PATH",
                        help="model to load: a library name or a .gguf file")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = commands.add_parser("gui", parents=[common], help="open the desktop app (the default)")
    gui.add_argument("--model", metavar="NAME_OR_PATH", default=argparse.SUPPRESS,
                     help="model to load this time instead of the configured one: a library name or a file")
    gui.add_argument("--self-test", action="store_true",
                     help="open the window, wait for the model to load, report both and quit "
                          "(exit status 0 when both worked)")

    chat = commands.add_parser("chat", parents=[common], help="send one message, print the reply")
    chat.add_argument("message", help="the message to send")
    chat.add_argument("--conversation", type=int, metavar="ID",
                      help="continue this conversation (see `parley conversations`)")
    chat.add_argument("--model", metavar="NAME_OR_PATH", default=argparse.SUPPRESS,
                      help="model to use instead of the configured one: a library name or a file "
                           "(with --connection: a model id the server lists)")
    chat.add_argument("--connection", metavar="NAME",
                      help="chat through this remote connection (see `parley connections`)")
    chat.add_argument("--json", action="store_true",
                      help="print one JSON object at the end instead of streaming text")
    chat.add_argument("--preset", metavar="NAME",
                      help="apply a preset or persona for this message (see the settings panel)")
    chat.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                      type=_assignment, help="override a setting for this message (repeatable)")

    listing = commands.add_parser("conversations", parents=[common],
                                  help="list saved conversations")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    add_history_commands(commands, common)
    add_models_command(commands, common)
    add_serve_command(commands, common)
    add_connections_command(commands, common)
    add_desktop_command(commands, common)
    return parser


def _assignment(text: str) -> tuple[str, Any]:
    """``--set NAME=VALUE``, validated by the settings schema; errors exit with status 2."""
    try:
        return parse_assignment(text)
    except SettingError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``parley`` with ``argv``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    check_history_arguments(args, parser.error)
    paths = AppPaths.from_data_dir(getattr(args, "data_dir", None))
    try:
        if args.command in (None, "gui"):
            problem = display_problem()  # before QtGui loads: a missing library becomes a sentence
            if problem:
                print(f"parley: {problem}", file=sys.stderr)
                return 1
            from app.application import run_gui  # Qt is imported only for the GUI

            return run_gui(paths, args.model, self_test=getattr(args, "self_test", False))
        if args.command == "serve":
            from app.cli_serve import run_serve  # Qt and llama.cpp only when serving

            return run_serve(paths, args)
        if args.command == "models":
            return _models(paths, args)
        if args.command == "chat":
            return _chat(paths, args)
        if args.command == "connections":
            return _connections(paths, args)
        if args.command == "desktop":
            return run_desktop_command(args)
        if args.command in HISTORY_COMMANDS:
            return _history(paths, args)
        return _list_conversations(paths, args)
    except ParleyError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a full disk or a read-only folder, else a bug: log it, show one sentence
        log.exception("unexpected error")
        return _fail(error_text(exc))


def _fail(message: str) -> int:
    print(f"parley: error: {message}", file=sys.stderr)
    return 1


def _open(paths: AppPaths, writes: bool = False) -> Profile:
    """The profile, its warnings printed; for a command that ``writes``, ParleyError (one line, no
    warnings) if the conversations could only be opened read-only."""
    profile = open_profile(paths)
    if writes and profile.store.read_only:
        profile.close()
        profile.require_writable()
    for warning in profile.warnings:
        print(f"parley: warning: {warning}", file=sys.stderr)
    return profile


def _chat(paths: AppPaths, args: argparse.Namespace) -> int:
    profile = _open(paths, writes=True)
    store = profile.store
    try:
        if args.conversation is not None and store.conversation(args.conversation) is None:
            raise ParleyError(f"There is no conversation {args.conversation}; "
                              "list them with `parley conversations`.")
        settings = _effective_settings(profile, args)
        engine, info, stamp = _load_for_chat(profile, settings, args)
        settings = settings.with_changes(stamp)  # the reply records what it really ran on
        try:
            turn = start_turn(store, args.conversation, args.message, settings, info.label, stamp)
            recorder = ReplyRecorder(store, turn)

            def show(text: str) -> None:
                recorder.append(text)
                if not args.json:
                    sys.stdout.write(text)
                    sys.stdout.flush()

            try:
                result = engine.generate(turn.request, show)
            except ParleyError as exc:
                recorder.fail(str(exc))
                raise
            except KeyboardInterrupt:
                recorder.stop_now()
                raise
            reply = recorder.finish(result)
            engine.remember_state(turn.request)  # the next message in this chat starts at once
        finally:
            engine.close()
    finally:
        profile.close()
    if args.json:
        print(json.dumps(_chat_json(turn.conversation_id, turn.user_message.id, reply),
                         ensure_ascii=False))
    else:
        print()
    return 0


def _load_for_chat(profile: Profile, settings: Settings,
                   args: argparse.Namespace) -> tuple[Engine, ModelInfo, dict[str, str]]:
    """The engine for ``parley chat``, loaded: the remote connection named by ``--connection``
    (or by the conversation, unless ``--model`` names a local model), else the local model.
    Also the settings a new conversation keeps, so it goes on where it started."""
    name = args.connection or ("" if args.model else settings["connection"])
    if name:
        from app.engine.remote_engine import RemoteEngine  # networking code only when needed

        target = profile.connections.find(name).target(args.model)
        engine: Engine = RemoteEngine(profile.api_keys)
        info = engine.load(LoadRequest(None, Settings(), remote=target), lambda _progress: None)
        for unused in sorted(set(info.unused) & {setting for setting, _ in args.set}):
            print(f"parley: note: {unused} is not sent to {name} (its API has no such field).",
                  file=sys.stderr)
        return engine, info, {"connection": name}
    from app.engine.llama_engine import LlamaEngine  # llama.cpp only when needed

    model = profile.models.find(args.model) if args.model else resolve_model_path(settings["model_path"])
    engine = LlamaEngine(profile.paths.kv_state_dir)
    with profile.load_marker.loading(model):
        info = engine.load(LoadRequest(model, settings), lambda _progress: None)
    bundled = model == profile.models.bundled_path()
    return engine, info, {"model_path": "" if bundled else str(model), "connection": ""}


def _connections(paths: AppPaths, args: argparse.Namespace) -> int:
    profile = _open(paths)
    try:
        return run_connections_command(profile, args)
    finally:
        profile.close()


def _models(paths: AppPaths, args: argparse.Namespace) -> int:
    profile = _open(paths)
    try:
        return run_models_command(profile, profile.settings, args)
    finally:
        profile.close()


def _history(paths: AppPaths, args: argparse.Namespace) -> int:
    profile = _open(paths, writes=args.command == "import")
    try:
        return run_history_command(profile.store, args)
    finally:
        profile.close()


def _effective_settings(profile: Profile, args: argparse.Namespace) -> Settings:
    """Defaults, then the conversation's overrides, then ``--preset``, then each ``--set``."""
    scopes = SettingScopes(profile.settings, profile.paths.settings_file, profile.store)
    for problem in scopes.open(args.conversation):
        print(f"parley: warning: {problem}", file=sys.stderr)
    settings = scopes.effective()
    if args.preset:
        library, warning = PresetLibrary.open(profile.paths.presets_file)
        if warning:
            print(f"parley: warning: {warning}", file=sys.stderr)
        settings = library.find(args.preset).applied_to(settings)
    return settings.with_changes(args.set)


def _chat_json(conversation_id: int, user_message_id: int, reply: Message) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "user_message_id": user_message_id,
        "assistant_message_id": reply.id,
        "reply": reply.content,
        **asdict(reply.stats or GenerationStats("", {}, 0)),
    }


def _list_conversations(paths: AppPaths, args: argparse.Namespace) -> int:
    profile = _open(paths)
    try:
        rows = profile.store.list_conversations()
    finally:
        profile.close()
    if args.json:
        print(json.dumps([{"id": r.id, "title": r.title, "updated_at": r.updated_at,
                           "message_count": r.message_count} for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("No conversations yet.")
    for row in rows:
        print(f"{row.id:>5}  {row.message_count:>4} messages  {row.title}")
    return 0

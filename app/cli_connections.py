"""The ``parley connections`` subcommands: remote OpenAI-compatible servers.

    parley connections [list] [--json]                    every connection
    parley connections add NAME BASE_URL [--api-key-env VAR] [--model ID] [--api DIALECT]
                                                          (an existing NAME is changed: its key,
                                                          model and dialect stay unless given)
    parley connections remove NAME                        the connection and its stored key

``add`` reads the API key from the environment variable VAR (so it never appears in the shell's
history or the process list) and stores it in the system keyring, or in a file only the user
can read when there is none; it says which. It then asks the server for its models: the model
given with ``--model`` must be one of them; without it, the server's first model is used.
A server that cannot be reached is still added, with a warning.

``parley connections list --json`` prints a list of objects: ``name``, ``base_url``, ``model``,
``api`` and ``has_key``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from app.core.connections import ApiDialect, Connection
from app.core.errors import ParleyError
from app.profile import Profile


def add_connections_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``connections`` and its own subcommands to the ``parley`` subcommands."""
    connections = commands.add_parser("connections", parents=[common],
                                      help="list, add or remove remote OpenAI-compatible servers")
    connections.add_argument("--json", action="store_true", help="print the connections as a JSON list")
    actions = connections.add_subparsers(dest="connections_command", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list the connections")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    add = actions.add_parser("add", parents=[common], help="add a server (or change one)")
    add.add_argument("name", metavar="NAME", help="a name for the connection")
    add.add_argument("base_url", metavar="BASE_URL", help="the API's address, e.g. http://localhost:8080/v1")
    add.add_argument("--api-key-env", metavar="VAR", help="read the API key from this environment variable")
    add.add_argument("--model", metavar="ID",
                     help="the model to use (default: the server's first, or the one chosen before)")
    add.add_argument("--api", choices=[d.value for d in ApiDialect],
                     help="which fields beyond OpenAI's the server accepts (default: auto, or as before)")
    remove = actions.add_parser("remove", parents=[common], help="remove a connection and its key")
    remove.add_argument("name", metavar="NAME")


def run_connections_command(profile: Profile, args: argparse.Namespace) -> int:
    """Run ``parley connections ...``; ParleyError for problems the user can fix."""
    action = args.connections_command
    if action == "add":
        _add(profile, args)
    elif action == "remove":
        removed = profile.connections.remove(args.name)
        if removed.has_key:
            profile.api_keys.delete(removed.name)
        print(f"Removed the connection {removed.name}.")
    else:
        _list(profile.connections.all(), args.json)
    return 0


def _add(profile: Profile, args: argparse.Namespace) -> None:
    key = _key_from_environment(args.api_key_env) if args.api_key_env else None
    existing = profile.connections.get(args.name.strip())  # changed: what is not given is kept
    has_key = key is not None or bool(existing and existing.has_key)
    model = args.model if args.model is not None else existing.model if existing else ""
    api = ApiDialect(args.api) if args.api else existing.api if existing else ApiDialect.AUTO
    connection = profile.connections.save(Connection(args.name, args.base_url, model, api, has_key),
                                          replacing=existing.name if existing else None)
    if key is not None:
        profile.api_keys.set(connection.name, key)
        print(str(profile.api_keys.location))
    print(f"{'Changed' if existing else 'Added'} the connection {connection.name}: {connection.base_url}")
    _check_models(profile, connection, key)


def _check_models(profile: Profile, connection: Connection, key: str | None) -> None:
    """Ask the server for its models and say which one will be used (a warning if it cannot)."""
    from app.engine.remote_engine import list_models  # networking code only when needed

    if key is None and connection.has_key:
        key = profile.api_keys.get(connection.name)
    try:
        models, dialect = list_models(connection.target(), key)
    except ParleyError as exc:
        print(f"parley: warning: the server's models could not be listed: {exc}", file=sys.stderr)
        return
    shown = ", ".join(models[:10]) + (", …" if len(models) > 10 else "")
    print(f"The server offers {len(models)} model(s): {shown} (API: {dialect.value}).")
    if connection.model and connection.model not in models:
        print(f"parley: warning: the server does not list the model {connection.model}; choose one of "
              "the above with --model.", file=sys.stderr)
    else:
        print(f"Chats through {connection.name} use {connection.model or (models[0] if models else '?')}.")


def _key_from_environment(variable: str) -> str:
    key = os.environ.get(variable, "").strip()
    if not key:
        raise ParleyError(f"The environment variable {variable} is not set or empty; set it to the API "
                          "key, or leave out --api-key-env.")
    return key


def _list(connections: list[Connection], as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"name": c.name, "base_url": c.base_url, "model": c.model, "api": c.api.value,
                           "has_key": c.has_key} for c in connections], ensure_ascii=False))
        return
    if not connections:
        print("No connections yet; add one with `parley connections add NAME BASE_URL`.")
    for c in connections:
        key = "key stored" if c.has_key else "no key"
        print(f"{c.name}  {c.base_url}  model: {c.model or '(first)'}  api: {c.api.value}  {key}")

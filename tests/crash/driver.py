"""The process the harness kills: ``python -m tests.crash.driver SCENARIO WORKDIR SEED [--unsafe KIND]``.

It journals the app's writes (``instrument.py``), then runs one scenario of the real app in a
loop until it is killed; a scenario that ends or fails exits non-zero, which the harness
reports. Scenarios:

- ``cli-chat``: ``parley chat`` with the bundled model, a long reply streamed into the store
- ``cli-import``: ``parley import`` of a Parley JSON file, over and over
- ``settings``: settings saved as fast as possible, the defaults (the settings file) and
  conversations' own values (the database), through ``SettingScopes`` as the settings panel does
- ``gui``: the real window offscreen with a fake engine: see ``gui_driver.py``
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import cli
from app.core.scopes import Scope, SettingScopes
from app.paths import AppPaths
from app.profile import open_profile
from tests.crash.instrument import UNSAFE_WRITERS, journal_writes, use_unsafe_writer
from tests.crash.journal import Journal
from tests.crash.workdir import Workdir


def random_settings(rng: random.Random) -> dict[str, Any]:
    """New default values, with a system prompt of random length (settings files differ in size)."""
    return {"temperature": round(rng.uniform(0.0, 2.0), 3), "top_k": rng.randint(1, 200),
            "system_prompt": f"Prompt {rng.randrange(10**9)}. " + "Be brief. " * rng.randint(10, 300)}


def run_cli(*argv: str) -> None:
    """Run ``parley`` in this process (the same code as the installed command); stop on failure."""
    status = cli.main(list(argv))
    if status != 0:
        raise SystemExit(f"parley {argv[0]} exited with status {status}")


def cli_chat(work: Workdir, rng: random.Random) -> None:
    """Chat with the bundled model: each reply is long enough to still be streaming at the kill."""
    while True:
        story = f"Write a very long story about ship {rng.randrange(100)}."
        run_cli("chat", "--data-dir", str(work.data), "--set", "max_tokens=1500",
                "--set", f"seed={rng.randrange(1000)}", story)


def cli_import(work: Workdir, rng: random.Random) -> None:
    """Import the chain's Parley JSON file, again and again (each import adds every conversation)."""
    while True:
        run_cli("import", "--data-dir", str(work.data), str(work.import_file))


def save_settings_loop(work: Workdir, rng: random.Random) -> None:
    """Save the defaults, and now and then a conversation's own values, as fast as possible."""
    profile = open_profile(AppPaths.from_data_dir(work.data))
    scopes = SettingScopes(profile.settings, profile.paths.settings_file, profile.store)
    chats = [c.id for c in profile.store.list_conversations()]
    chats = chats or [profile.store.create_conversation(f"chat {number}") for number in range(3)]
    while True:
        scopes.open(None)
        scopes.set_values(Scope.DEFAULTS, random_settings(rng))
        if rng.random() < 0.5:
            scopes.open(rng.choice(chats))
            scopes.set_values(Scope.CONVERSATION, {"top_k": rng.randint(1, 200),
                                                   "temperature": round(rng.uniform(0.0, 2.0), 3)})


def gui(work: Workdir, rng: random.Random) -> None:
    """The window offscreen (Qt is imported only for this scenario)."""
    from tests.crash.gui_driver import run_window

    run_window(work, rng)


SCENARIOS: dict[str, Callable[[Workdir, random.Random], None]] = {
    "cli-chat": cli_chat, "cli-import": cli_import, "settings": save_settings_loop, "gui": gui}


def main(argv: list[str] | None = None) -> int:
    """Journal the app's writes, then run the scenario until killed."""
    parser = argparse.ArgumentParser(prog="python -m tests.crash.driver")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("workdir", type=Path)
    parser.add_argument("seed", type=int)
    parser.add_argument("--unsafe", choices=UNSAFE_WRITERS, help="a control: use an unsafe writer")
    args = parser.parse_args(argv)
    work = Workdir(args.workdir)
    journal_writes(Journal(work.journal))
    if args.unsafe:
        use_unsafe_writer(args.unsafe)
    SCENARIOS[args.scenario](work, random.Random(args.seed))
    print("the scenario ended before it was killed", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())

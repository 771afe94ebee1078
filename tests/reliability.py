"""The reliability tally printed at the end of ``make test``: what the crash, fuzz and hostile-input
tests did and what they found. Tests call ``record``; ``tests/conftest.py`` prints ``summary()``.

Kinds (each a count):
    kill_runs            processes killed with SIGKILL by the crash harness
    integrity_failures   checks after a kill that found damage or a lost message
    fuzz_cases           mutated model files loaded in child processes
    fuzz_signals         of those, children that died by a signal (a crash in native code)
    canaries_planted     hostile-template runs that tried to create a canary file
    canaries_created     canary files that were created (a sandbox escape)
    hostile_inputs       hostile files and values fed to Parley (imports, settings, startup damage)
    store_examples       Hypothesis examples run against the store's model
"""

from __future__ import annotations

from collections import Counter

TALLY: Counter[str] = Counter()

LINES = (
    ("Crash consistency", "kill_runs", "kill -9 runs", "integrity_failures", "integrity failures"),
    ("Model file fuzzing", "fuzz_cases", "mutated GGUF loads", "fuzz_signals", "children killed by a signal"),
    ("Chat template sandbox", "canaries_planted", "escape attempts", "canaries_created", "canaries created"),
    ("Store model checking", "store_examples", "Hypothesis examples", None, None),
    ("Hostile input", "hostile_inputs", "files, texts and values refused or shown safely", None, None),
)


def record(kind: str, count: int = 1) -> None:
    """Add ``count`` to ``kind`` (one of the kinds in the module docstring)."""
    TALLY[kind] += count


def summary() -> list[str]:
    """The report's lines (empty when no reliability test ran)."""
    if not TALLY:
        return []
    lines = []
    for title, done, done_text, found, found_text in LINES:
        text = f"{title}: {TALLY[done]:,} {done_text}"
        if found is not None:
            text += f", {TALLY[found]:,} {found_text}"
        lines.append(text)
    return lines

"""Errors are one English sentence for the command line and the log, and translatable in the GUI:
a literal template marked for translation, filled with named values."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.core.errors import ERRORS_CONTEXT, Joined, ParleyError, Phrase, StoreError, user_message
from app.core.load_errors import LoadFailure, ModelLoadError, load_failure
from app.core.option import SettingError
from app.core.settings_schema import option

APP = Path(__file__).resolve().parents[2] / "app"

# A fake translation: the English templates it knows, in capitals and with the fields reordered.
FAKE = {
    "Cannot write {path} ({reason}); choose another file.": "({reason}) CANNOT WRITE {path}.",
    "The setting {name} cannot be {value}; use {accepts}.": "SETTING {name} NOT {value}, USE {accepts}.",
    "a whole number from {minimum} to {maximum}": "WHOLE {minimum}..{maximum}",
    "Only a reply that was stopped or cut short can be continued.": "ONLY STOPPED REPLIES.",
    "There is not enough memory for this; close other programs or choose a smaller model.": "NO MEMORY.",
    "Something unexpected went wrong ({kind}: {error}); your conversations are safe, and details "
    "are in the log.": "UNEXPECTED {kind}: {error}.",
}
asked: list[tuple[str, str]] = []


def fake_translate(context: str, text: str) -> str:
    asked.append((context, text))
    return FAKE.get(text, text)


def test_the_english_sentence_is_the_template_filled_in() -> None:
    error = ParleyError("Cannot write {path} ({reason}); choose another file.",
                        path=Path("/tmp/x.json"), reason="Permission denied")
    assert error.template == "Cannot write {path} ({reason}); choose another file."
    assert error.values == {"path": Path("/tmp/x.json"), "reason": "Permission denied"}
    assert str(error) == "Cannot write /tmp/x.json (Permission denied); choose another file."
    assert error.shown() == str(error)


def test_shown_translates_the_template_then_fills_it_in() -> None:
    asked.clear()
    error = ParleyError("Cannot write {path} ({reason}); choose another file.",
                        path="/tmp/x.json", reason="Permission denied")
    assert error.shown(fake_translate) == "(Permission denied) CANNOT WRITE /tmp/x.json."
    assert asked == [(ERRORS_CONTEXT, "Cannot write {path} ({reason}); choose another file.")]
    assert ERRORS_CONTEXT == "Errors"


def test_a_plain_sentence_still_works_braces_and_all() -> None:
    error = StoreError("The database is gone; use {{ message }} literally.")
    assert str(error) == "The database is gone; use {{ message }} literally."  # not formatted
    assert error.shown(fake_translate) == str(error)  # unknown to the translation: English
    assert ParleyError().template == "" and str(ParleyError()) == ""
    with pytest.raises(ParleyError, match="Only a reply"):
        raise ParleyError("Only a reply that was stopped or cut short can be continued.")
    assert ParleyError("Only a reply that was stopped or cut short can be continued.").shown(
        fake_translate) == "ONLY STOPPED REPLIES."


def test_values_that_are_phrases_or_errors_are_translated_too() -> None:
    error = SettingError("The setting {name} cannot be {value}; use {accepts}.", name="seed",
                         value="x", accepts=Phrase("a whole number from {minimum} to {maximum}",
                                                   minimum=-1, maximum=99))
    assert str(error) == "The setting seed cannot be x; use a whole number from -1 to 99."
    assert error.shown(fake_translate) == "SETTING seed NOT x, USE WHOLE -1..99."
    wrapped = ParleyError("The preset {name} is invalid: {problem}", name="'p'", problem=error)
    assert str(wrapped) == "The preset 'p' is invalid: " + str(error)
    assert wrapped.shown(fake_translate).endswith("SETTING seed NOT x, USE WHOLE -1..99.")
    assert str(Phrase("{done} of {total}", done="1 MB", total="2 MB")) == "1 MB of 2 MB"


def test_joined_phrases_are_translated_one_by_one() -> None:
    asked.clear()
    joined = Joined(" · ", [Phrase("a whole number from {minimum} to {maximum}", minimum=1, maximum=2),
                            "4.1 GB", ParleyError("Only a reply that was stopped or cut short can be "
                                                  "continued.")])
    assert str(joined) == ("a whole number from 1 to 2 · 4.1 GB · Only a reply that was stopped or cut "
                           "short can be continued.")
    assert joined.shown(fake_translate) == "WHOLE 1..2 · 4.1 GB · ONLY STOPPED REPLIES."
    assert [text for _, text in asked] == ["a whole number from {minimum} to {maximum}",
                                           "Only a reply that was stopped or cut short can be continued."]
    inside = Phrase("Cannot write {path} ({reason}); choose another file.", path="x", reason=joined)
    assert inside.shown(fake_translate) == "(WHOLE 1..2 · 4.1 GB · ONLY STOPPED REPLIES.) CANNOT WRITE x."
    assert str(Joined(" ", [])) == ""


def test_a_broken_translation_falls_back_to_english() -> None:
    error = ParleyError("Loading {file} was cancelled.", file="a.gguf")
    assert error.shown(lambda _context, _text: "{fiel} CANCELLED") == "Loading a.gguf was cancelled."


def test_a_real_rejection_is_translatable() -> None:
    with pytest.raises(SettingError) as caught:
        option("seed").coerce("lots")
    error = caught.value
    assert str(error).startswith("The setting seed cannot be lots; use a whole number from -1 to ")
    assert error.template == "The setting {name} cannot be {value}; use {accepts}."
    assert error.shown(fake_translate).startswith("SETTING seed NOT lots, USE WHOLE -1..")


def test_a_load_error_keeps_its_kind_with_a_template() -> None:
    error = load_failure("big.gguf", "cudaMalloc failed: out of memory")
    assert error.kind is LoadFailure.MEMORY and error.worth_retrying_with_fewer_gpu_layers
    assert error.values == {"file": "big.gguf"}
    assert str(error).startswith("There is not enough memory to load big.gguf; close other programs")
    assert ModelLoadError("plain", LoadFailure.CORRUPT).kind is LoadFailure.CORRUPT
    assert str(load_failure("x.gguf", "  ")) == (
        "llama.cpp could not load x.gguf (no reason given); the file may be damaged or need a newer "
        "Parley, so try downloading it again.")


def test_user_message_translates_parley_errors_and_the_generic_sentences() -> None:
    error = ParleyError("Only a reply that was stopped or cut short can be continued.")
    assert user_message(error) == "Only a reply that was stopped or cut short can be continued."
    assert user_message(error, fake_translate) == "ONLY STOPPED REPLIES."
    assert user_message(MemoryError()) == ("There is not enough memory for this; close other programs "
                                           "or choose a smaller model.")
    assert user_message(MemoryError(), fake_translate) == "NO MEMORY."
    bug = KeyError("x")
    assert user_message(bug) == ("Something unexpected went wrong (KeyError: 'x'); your conversations "
                                 "are safe, and details are in the log.")
    assert user_message(bug, fake_translate) == "UNEXPECTED KeyError: 'x'."


# -- every error in core and the engine is a literal template --------------------------------

_ERROR_NAMES = {"ParleyError", "StoreError", "StoreDamagedError", "SettingError", "ModelLoadError",
                "LoadCancelled", "ImportFileError", "ModelFileError", "ContextOverflowError",
                "DownloadError", "DownloadCancelled", "GenerationError", "StreamCut", "GrammarError",
                "TemplateLimitError"}
_SOURCES = [*sorted((APP / "core").rglob("*.py")), *sorted((APP / "engine").rglob("*.py")),
            APP / "api" / "token.py", APP / "api" / "server.py", APP / "api" / "service.py",
            APP / "profile.py", APP / "paths.py"]


def _is_marked(node: ast.expr) -> bool:
    """``QT_TRANSLATE_NOOP("Errors", "literal")``: what lupdate can find."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "QT_TRANSLATE_NOOP" and len(node.args) == 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
            and node.args[0].value == "Errors")


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def test_every_error_sentence_in_core_and_the_engine_is_a_marked_literal_template() -> None:
    """A ParleyError (or a Phrase, or a corrupt-header reason) is built from
    ``QT_TRANSLATE_NOOP("Errors", "...")``, or passes on a template it was given; never an
    f-string, which the translation could not contain."""
    wrong, marked = [], 0
    for source in _SOURCES:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _callee(node)
            if name not in _ERROR_NAMES | {"Phrase", "corrupt"}:
                continue
            first = node.args[0]
            if _is_marked(first):
                marked += 1
            elif not isinstance(first, ast.Name):  # a template passed through, as in corrupt()
                wrong.append(f"{source.relative_to(APP)}:{node.lineno} {name}(...)")
    assert not wrong, "errors without a marked literal template:\n" + "\n".join(wrong)
    assert marked > 150


# -- other user-facing text built in core is made of phrases too -----------------------------

# f-strings in core that may hold English words: SQL, the prompt asking the model for a title,
# and the Markdown export (a file's content, not the UI).
_NOT_UI = {("titles.py", "title_request"), ("exchange.py", "_speaker"), ("exchange.py", "_status_note")}
_SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|BEGIN|CREATE|PRAGMA)\b")
_PROGRAMMING_ERRORS = {"ValueError", "TypeError", "KeyError", "AssertionError", "RuntimeError"}
_WORDS = re.compile(r"[A-Za-z]{2,} [a-z]{2,}")  # two words: the makings of an English sentence


def _english_f_strings(source: Path) -> list[str]:
    """f-strings with English words in ``source``, outside SQL, log calls and raised bugs."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    exempt: set[int] = set()
    for node in ast.walk(tree):
        not_ui = isinstance(node, ast.FunctionDef) and (source.name, node.name) in _NOT_UI
        logged = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and isinstance(node.func.value, ast.Name) and node.func.value.id == "log")
        a_bug = isinstance(node, ast.Call) and _callee(node) in _PROGRAMMING_ERRORS
        if not_ui or logged or a_bug:
            exempt.update(id(sub) for sub in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in exempt:
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if _WORDS.search(literal) and not _SQL.match(literal):
                found.append(f"{source.relative_to(APP)}:{node.lineno} {literal!r}")
    return found


def test_no_user_facing_text_in_core_is_an_english_f_string() -> None:
    """Notes, warnings and facts that core builds for the GUI (offload notes, the Models dialog's
    facts, start-up warnings, download progress) are Phrases with marked templates, which the
    syntax-tree check above covers; an f-string sentence could not be translated."""
    found = [text for source in _SOURCES for text in _english_f_strings(source)]
    assert not found, "English f-strings in core (make them a Phrase):\n" + "\n".join(found)


def _bracketing(context: str, text: str) -> str:
    """A fake translation that shows which pieces were translated: each inside brackets."""
    assert context == ERRORS_CONTEXT
    return f"[{text}]"


def test_core_notes_warnings_and_facts_are_translated_piece_by_piece(tmp_path: Path) -> None:
    from app.core.download import DownloadProgress, format_progress
    from app.core.gguf_header import read_header
    from app.core.load_errors import LoadFailure, ModelLoadError
    from app.core.memory import estimate_memory
    from app.core.model_facts import fact_lines, free_memory_line, memory_warning
    from app.core.offload import AUTO, GpuDevice, OffloadSupport, fallback_note, placement_text
    from app.core.settings import load_settings
    from tests.gguf_files import write_gguf

    settings_file = tmp_path / "settings.json"
    settings_file.write_text("{broken", encoding="utf-8")
    warning = load_settings(settings_file)[1]
    assert warning is not None and str(warning).startswith(
        "The settings file could not be used because it is not valid JSON (")
    assert warning.shown(_bracketing).startswith(
        "[The [settings] file could not be used because [it is not valid JSON (")

    settings_file.write_text('{"seed": "lots"}', encoding="utf-8")
    warning = load_settings(settings_file)[1]
    assert warning is not None and warning.shown(_bracketing).startswith(
        "[Invalid settings were replaced by their defaults and [the old file was kept as ")
    assert "[The setting seed cannot be lots; use [a whole number from -1 to " in warning.shown(_bracketing)

    note = fallback_note(0, AUTO, 33, ModelLoadError("cudaMalloc failed", LoadFailure.MEMORY))
    assert str(note) == "Loaded on CPU: the GPU ran out of memory at all layers."
    assert note.shown(_bracketing) == ("[Loaded {where}: {why} at {asked}.]"
                                       .format(where="[on CPU]", why="[the GPU ran out of memory]",
                                               asked="[all layers]"))
    assert placement_text(33, 33).shown(_bracketing) == "[GPU 33/33 layers]"
    support = OffloadSupport(True, (GpuDevice("CUDA0", "Test GPU", 2 * 10**9, 24 * 10**9),))
    assert support.describe().shown(_bracketing) == "[GPUs: [Test GPU (2.0 GB of 24.0 GB free)]]"

    header = read_header(write_gguf(tmp_path / "m.gguf", {"general.architecture": "llama",
                                                          "general.name": "M", "llama.block_count": 2}))
    estimate = estimate_memory(header, 4096)
    lines = fact_lines(header, estimate)
    assert [str(line) for line in lines][:2] == [
        "Name: M", "Architecture: llama · Parameters: 0 · Quantization: unknown"]
    assert [line.shown(_bracketing) for line in lines][:3] == [
        "[Name: M]", "[Architecture: llama · Parameters: 0 · Quantization: [unknown]]",
        "[Trained context: [not stated] · Chat template: [none (a generic one is used)]]"]
    assert free_memory_line(None, OffloadSupport(False)).shown(_bracketing) == \
        "[Free now: RAM [unknown] · [no GPU in use]]"
    warning = memory_warning(header, estimate, 0, OffloadSupport(False))
    assert warning is not None and str(warning).startswith("m.gguf needs about ")
    assert warning.shown(_bracketing).startswith("[m.gguf needs about ") and "of [memory] is free" in \
        warning.shown(_bracketing)
    progress = format_progress(DownloadProgress(1, 2, None, 90))
    assert progress.shown(_bracketing) == "[1 B of 2 B] · [1 min left]"

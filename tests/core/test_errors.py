"""Errors are one English sentence for the command line and the log, and translatable in the GUI:
a literal template marked for translation, filled with named values."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.core.errors import ERRORS_CONTEXT, ParleyError, Phrase, StoreError, user_message
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
                "DownloadError", "DownloadCancelled", "GenerationError"}
_SOURCES = [*sorted((APP / "core").rglob("*.py")), *sorted((APP / "engine").rglob("*.py")),
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

"""Grammars from API requests are checked before llama.cpp samples with them: one it refuses
would otherwise crash the process (a NULL sampler), and deep nesting overflows its stack."""

from __future__ import annotations

import pytest

from app.engine import grammars
from app.engine.grammars import GrammarError, bracket_depth, check_gbnf, json_schema_grammar


@pytest.mark.parametrize("gbnf", ['root ::= "yes" | "no"', grammars.JSON_OBJECT_GRAMMAR,
                                  'root ::= [a-z]{1,5} ("(" [^)]* ")")?  # a comment ((('])
def test_good_grammars_pass(gbnf: str) -> None:
    check_gbnf(gbnf)


@pytest.mark.parametrize("gbnf, words", [
    ("root ::= foo", "refused"),                     # undefined rule
    ('x ::= "a"', "refused"),                        # no root
    ('root ::= root "a"', "refused"),                # left recursion
    ('root ::= "a" (', "refused"),                   # syntax
    ("root ::= <|im_end|>", "refused"),              # a token reference needs the vocabulary
    ('root ::= "a"{100000}', "refused"),             # llama.cpp's own repetition limit
    ('root ::= "a\x00"', "NUL"),
    ("root ::= " + "(" * 150 + '"a"' + ")" * 150, "nests brackets 150 deep"),
    ('root ::= "' + "a" * 70_000 + '"', "too long"),
])
def test_bad_grammars_are_refused_with_a_sentence(gbnf: str, words: str) -> None:
    with pytest.raises(GrammarError, match=words):
        check_gbnf(gbnf)


def test_bracket_depth_ignores_literals_classes_and_comments() -> None:
    assert bracket_depth('root ::= "((((" [(((] # ((((\n ("a" ("b"))') == 2
    assert bracket_depth(r'root ::= "\"((" ("a")') == 1
    assert bracket_depth("root ::= )))(") == 1


def test_json_schemas_become_checked_grammars() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
                                               "tags": {"type": "array", "items": {"type": "string"},
                                                        "maxItems": 3}},
              "required": ["name"], "$defs": {"x": {"type": "integer"}}}
    gbnf = json_schema_grammar(schema)
    assert "root ::=" in gbnf and "name" in gbnf
    check_gbnf(gbnf)


@pytest.mark.parametrize("schema, words", [
    ([], "must be an object"),
    ({"type": "array", "items": {"type": "string"}, "maxItems": 10**9}, "repetitions"),
    ({"type": "string", "pattern": "^a{20000}$"}, "repetitions"),
    ({"type": "string", "maxLength": -1}, "at least 0"),
    ({"type": "string", "maxLength": "many"}, "at least 0"),
    ({"$ref": "https://example.com/schema.json"}, "only references inside the schema"),
    ({"$ref": "#/$defs/missing"}, "cannot be turned into a grammar"),
    ({"type": "quaternion"}, "cannot be turned into a grammar"),
])
def test_unusable_schemas_are_refused_before_conversion(schema: object, words: str) -> None:
    with pytest.raises(GrammarError, match=words):
        json_schema_grammar(schema)


def test_deeply_nested_schemas_are_refused() -> None:
    schema: dict = {"type": "string"}
    for _ in range(100):
        schema = {"type": "array", "items": schema}
    with pytest.raises(GrammarError, match="nested too deeply"):
        json_schema_grammar(schema)


_ENGINE_WITH_BAD_GRAMMAR = """
from app.core.bundled_model import bundled_model_path
from app.core.errors import ParleyError
from app.core.generation import ChatMessage, GenerationRequest
from app.core.settings import Settings
from tests.helpers import load_model

engine = load_model(bundled_model_path(), Settings({"n_ctx": 512}))
request = GenerationRequest([ChatMessage("user", "Hi")], Settings({"max_tokens": 4}).sampling(), 1,
                            purpose="api", grammar="root ::= undefined")
try:
    engine.generate(request, lambda _text: None)
except ParleyError as exc:
    print("refused:", exc)
"""


@pytest.mark.model
def test_the_engine_refuses_a_bad_grammar_instead_of_crashing() -> None:
    """llama-cpp-python adds the NULL sampler llama.cpp returns for a grammar it refuses, and the
    first token then segfaults the process: run in a child so a crash fails only this test."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    child = subprocess.run([sys.executable, "-c", _ENGINE_WITH_BAD_GRAMMAR], cwd=root, capture_output=True,
                           text=True, timeout=180, check=False)
    assert child.returncode == 0, f"the engine crashed (status {child.returncode})"
    assert "refused: llama.cpp refused the grammar" in child.stdout

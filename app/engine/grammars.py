"""Grammars from outside the app (the local API server): checked before llama.cpp samples with
them, and JSON schemas turned into GBNF.

llama-cpp-python only parses a grammar when it builds the sampler, deep inside generation, and
when llama.cpp refuses it (a syntax error, an undefined rule, no root rule, left recursion) the
NULL it returns is added to the sampler chain anyway: the next token segfaults the whole process
(measured with 0.3.36). A grammar nested 50,000 brackets deep, or a chain of 100,000 rules,
overflows llama.cpp's recursive parser. So a grammar is checked here first: its size and bracket
depth in Python, then llama.cpp's own parser without a vocabulary (that needs no model, so the
HTTP threads can do it while the worker generates; a token reference such as ``<|im_end|>``
needs the model's vocabulary and is refused).

JSON schemas are converted by llama-cpp-python's SchemaConverter (it never fetches remote
``$ref``s here) after a check of their repetition counts, which it would otherwise expand into
a grammar of any size before llama.cpp's own limit refused it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import llama_cpp
from llama_cpp import llama_grammar

from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP

__all__ = ["JSON_OBJECT_GRAMMAR", "GrammarError", "check_gbnf", "json_schema_grammar"]

# llama.cpp's JSON grammar: its root is an object, as OpenAI's "json_object" mode promises.
JSON_OBJECT_GRAMMAR: str = llama_grammar.JSON_GBNF

MAX_GRAMMAR_BYTES = 64 * 1024  # chains of ~6,000 rules; llama.cpp's stack held 25,000 (8 MiB)
MAX_BRACKET_DEPTH = 100        # 10,000 parsed; 50,000 overflowed the stack
MAX_SCHEMA_DEPTH = 64
MAX_SCHEMA_REPETITIONS = 10_000  # minItems, maxLength, pattern {m,n}…, summed over the schema
_REPETITION_KEYS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties",
                    "maxProperties")
_PATTERN_COUNTS = re.compile(r"\{\s*(\d+)\s*(?:,\s*(\d*)\s*)?\}")


class GrammarError(ParleyError):
    """A grammar or JSON schema that cannot be used."""


def check_gbnf(gbnf: str) -> None:
    """Raise GrammarError unless llama.cpp can parse ``gbnf`` safely (root rule ``root``)."""
    encoded = gbnf.encode("utf-8", errors="replace")
    if len(encoded) > MAX_GRAMMAR_BYTES:
        raise GrammarError(QT_TRANSLATE_NOOP(
            "Errors", "The grammar is too long ({size} bytes); the most is {limit}."),
            size=len(encoded), limit=MAX_GRAMMAR_BYTES)
    if "\x00" in gbnf:
        raise GrammarError(QT_TRANSLATE_NOOP("Errors", "The grammar contains a NUL character."))
    depth = bracket_depth(gbnf)
    if depth > MAX_BRACKET_DEPTH:
        raise GrammarError(QT_TRANSLATE_NOOP(
            "Errors", "The grammar nests brackets {depth} deep; the most is {limit}."),
            depth=depth, limit=MAX_BRACKET_DEPTH)
    sampler = llama_cpp.llama_sampler_init_grammar(None, encoded, b"root")
    if not sampler:
        raise GrammarError(QT_TRANSLATE_NOOP(
            "Errors", "llama.cpp refused the grammar (a syntax error, an undefined rule, no root "
                      "rule, left recursion, too many repetitions, or a token reference, which is "
                      "not supported here); check its GBNF syntax."))
    llama_cpp.llama_sampler_free(sampler)


def bracket_depth(gbnf: str) -> int:
    """The deepest nesting of ``(`` in ``gbnf``, outside literals, character classes and comments."""
    depth = deepest = 0
    closing: str | None = None  # the end of the literal or class being read
    escaped = comment = False
    for char in gbnf:
        if comment:
            comment = char not in "\r\n"
        elif closing is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == closing:
                closing = None
        elif char in "\"[":
            closing = '"' if char == '"' else "]"
        elif char == "#":
            comment = True
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest


def json_schema_grammar(schema: Any) -> str:
    """GBNF for JSON following ``schema`` (a JSON Schema object), checked by ``check_gbnf``."""
    if not isinstance(schema, dict):
        raise GrammarError(QT_TRANSLATE_NOOP("Errors", "The JSON schema must be an object."))
    _check_schema(schema)
    try:
        gbnf = llama_grammar.json_schema_to_gbnf(json.dumps(schema))
    except Exception as exc:  # the converter asserts, and raises Key-, Type- and ValueErrors
        raise GrammarError(QT_TRANSLATE_NOOP(
            "Errors", "The JSON schema cannot be turned into a grammar ({problem})."),
            problem=str(exc)[:200] or type(exc).__name__) from None
    check_gbnf(gbnf)
    return gbnf


def _check_schema(schema: dict[str, Any]) -> None:
    """Refuse what would make the converter build a huge grammar or recurse without end."""
    repetitions = 0
    pending: list[tuple[Any, int]] = [(schema, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_SCHEMA_DEPTH:
            raise GrammarError(QT_TRANSLATE_NOOP(
                "Errors", "The JSON schema is nested too deeply; the most is {limit} levels."),
                limit=MAX_SCHEMA_DEPTH)
        if isinstance(node, list):
            pending.extend((item, depth + 1) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in _REPETITION_KEYS:
                repetitions += _count(key, value)
            elif key == "pattern" and isinstance(value, str):
                repetitions += sum(int(high or low) for low, high in _PATTERN_COUNTS.findall(value))
            elif key == "$ref" and not (isinstance(value, str) and value.startswith("#/")):
                raise GrammarError(QT_TRANSLATE_NOOP(
                    "Errors", "The JSON schema refers to {ref}; only references inside the schema "
                              "(starting with #/) are supported."), ref=str(value)[:100])
            pending.append((value, depth + 1))
    if repetitions > MAX_SCHEMA_REPETITIONS:
        raise GrammarError(QT_TRANSLATE_NOOP(
            "Errors", "The JSON schema asks for {count} repetitions in all; the most is {limit}."),
            count=repetitions, limit=MAX_SCHEMA_REPETITIONS)


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise GrammarError(QT_TRANSLATE_NOOP(
            "Errors", "{key} in the JSON schema must be a whole number of at least 0."), key=key)
    return value

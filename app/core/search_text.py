"""How text is prepared for SQLite FTS5 full-text search, in English and in Chinese.

FTS5's ``unicode61`` tokenizer splits on spaces and punctuation, which suits English but
treats a run of Chinese characters as one word, so "天气" would never match inside
"今天天气很好". The ``trigram`` tokenizer finds substrings, but not ones shorter than three
characters, and most Chinese words are two. So before indexing, a zero-width space is put
around every CJK character: each becomes its own token, and a query for "天气" is the
phrase "天 气", which matches that substring anywhere, through the index. English words stay
whole and are matched by prefix as the user types.

The zero-width spaces are invisible in snippets and are removed before showing them.
"""

from __future__ import annotations

import re

SEPARATOR = "\u200b"  # zero-width space: a token separator for unicode61, invisible when shown
MATCH_START = "\ue000"  # private-use characters that mark the matched words in a snippet
MATCH_END = "\ue001"

# Han ideographs (with extensions and compatibility forms), kana, Hangul, CJK punctuation.
_CJK = ("\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
        "\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f")
_AROUND_CJK = re.compile(f"(?<=[{_CJK}])|(?=[{_CJK}])")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_TERM = re.compile(r"\S+")


def search_text(text: str | None) -> str:
    """``text`` as it is indexed: every CJK character a separate token, even next to Latin
    letters or digits (学习Python教程, 2024年)."""
    return _AROUND_CJK.sub(SEPARATOR, text or "")


def match_query(query: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed, or None if there is nothing to find.

    Every whitespace-separated term must appear (AND); each is quoted, so FTS5 syntax in the
    user's text is searched for literally, and matched as a prefix, so results appear while
    a word is still being typed. (Prefixes of one to three characters have their own index,
    so even the first letter typed is answered quickly.)
    """
    printable = "".join(ch if ch.isprintable() else " " for ch in query)  # no NUL, no controls
    terms = [term.replace('"', '""') for term in _TERM.findall(printable)]
    terms = [term for term in terms if any(ch.isalnum() for ch in term)]
    if not terms:
        return None
    return " AND ".join(_phrase(term) for term in terms)


def _phrase(term: str) -> str:
    """One quoted term, matched as a prefix unless it ends in a CJK character (a whole token)."""
    star = "" if _CJK_CHAR.match(term[-1]) else "*"
    return f'"{search_text(term)}"{star}'


def clean_snippet(snippet: str) -> str:
    """A snippet from FTS5 without the separators added for indexing."""
    return snippet.replace(SEPARATOR, "")

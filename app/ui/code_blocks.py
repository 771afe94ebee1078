"""Code blocks in rendered model text: exact text, syntax colours, and a header with Copy.

Qt's Markdown importer shows a code block as one paragraph per line, each with the block format
property ``BlockCodeLanguage`` (the fence's first word, or empty). Before it parses, the source
goes through ``mark_code_blocks``: the first line of each fenced block gets a ``CODE_START``
marker (Qt would merge two adjacent blocks of the same language, and it drops leading blank lines)
and tabs in code become ``TAB`` (Qt turns leading tabs into spaces; a Makefile copied with spaces
is broken). ``finish_code_blocks`` then, in the detached document, puts the tabs back, removes
the markers and, for display, gives each block:

- a background, and foreground colours from Pygments for the fence's language (by name only:
  guessing is slow and unreliable); a light or a dark Pygments style by the application palette.
  Blocks over ``HIGHLIGHT_LIMIT`` characters stay plain, so hostile output stays fast; per chunk
  (``stream_render``) a block is at most a few thousand characters anyway;
- a header paragraph above it: the language (plain text, at most ``LABEL_LIMIT`` characters) and
  a Copy link. The link's URL uses ``COPY_SCHEME``, made with a random per-process nonce, so no
  model text can write one; the view copies the code paragraphs that follow the header
  (``code_block_text``), so it works in whole and chunked documents alike, and a block continued
  in the next chunk (no header of its own) is copied whole. Any other link, including one that
  merely looks like a copy link, goes to the view's ordinary (http(s)-only) link handling.

Limitations: a code block in a quote or list item keeps Qt's tab expansion and is merged with an
adjacent one of the same language; a block split across chunks is coloured per chunk.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import Token, _TokenType
from PySide6.QtCore import QUrl
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPalette,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from app.ui.i18n import translate
from app.ui.markdown_chunks import source_lines
from app.ui.theme import is_dark

log = logging.getLogger(__name__)

# Copy links' scheme, with 64 random bits no model can know (``os.urandom`` is what
# ``secrets.token_hex`` uses).
COPY_SCHEME = f"parley-copy-{os.urandom(8).hex()}"
HIGHLIGHT_LIMIT = 20_000  # longer code blocks are shown without colours
RELEX_AFTER = 200         # a streaming code block is lexed again once it grew by this much
LABEL_LIMIT = 30          # characters of the language shown in the header
LIGHT_STYLE, DARK_STYLE = "default", "monokai"  # Pygments styles for light and dark palettes

CODE_START = "\ue004"  # before the first line of a fenced code block, in the source
TAB = "\ue005"         # a tab in code, in the source
MARKERS = CODE_START + TAB

HEADER_PROPERTY = int(QTextFormat.Property.UserProperty) + 1  # a header block's copy link id
_LANGUAGE = QTextFormat.Property.BlockCodeLanguage
_KEPT_IN_HEADER = (QTextFormat.Property.BlockQuoteLevel, QTextFormat.Property.BlockIndent,
                   QTextFormat.Property.BlockLeftMargin, QTextFormat.Property.BlockRightMargin)
_ids = itertools.count()


# -- the source, before Qt parses it -----------------------------------------------------------


def mark_code_blocks(markdown: str) -> str:
    """``markdown`` with ``CODE_START`` before the first line of each top-level fenced code
    block and ``TAB`` for each tab in code (not in the indentation that is block structure)."""
    if "```" not in markdown and "~~~" not in markdown and "\t" not in markdown:
        return markdown
    out: list[str] = []
    for line in source_lines(markdown):
        if line.code and line.structure >= 0:
            out.append(_mark_line(line.text, line.structure, line.first))
        else:
            out.append(line.text)
    return "".join(out)


def _mark_line(text: str, structure: int, first: bool) -> str:
    column = index = 0
    while index < len(text) and column < structure and text[index] in " \t":
        column = column + 4 - column % 4 if text[index] == "\t" else column + 1
        index += 1
    if column > structure:  # a tab that is partly structure: left to Qt
        return text
    return text[:index] + (CODE_START if first else "") + text[index:].replace("\t", TAB)


# -- the rendered document ---------------------------------------------------------------------


@dataclass
class _Block:
    """A code block in a document: its first and last paragraphs and its language."""

    first: QTextBlock
    last: QTextBlock
    language: str


def finish_code_blocks(document: QTextDocument, decorate: bool = True,
                       continues: bool = False, streaming: bool = False) -> None:
    """Put back what ``mark_code_blocks`` replaced in ``document`` and, if ``decorate``, colour
    each code block and add its header (none for a first block that ``continues`` one cut off
    at the end of the previous chunk). ``streaming``: the document is a growing reply's tail,
    rendered again on every update, so colours lexed a moment ago may be reused (see ``_runs``)."""
    blocks = _code_blocks(document)
    if not decorate or not blocks:
        return
    style_name = DARK_STYLE if is_dark() else LIGHT_STYLE
    style = get_style_by_name(style_name)
    background = QColor(style.background_color)
    for block in reversed(blocks):  # headers added after a block do not move it
        code_format = QTextBlockFormat()
        code_format.setBackground(background)
        cursor = _select(document, block)
        cursor.mergeBlockFormat(code_format)
        lexer = _lexer(block.language)
        code = cursor.selectedText().replace("\u2029", "\n")
        if lexer is not None and len(code) <= HIGHLIGHT_LIMIT:
            _highlight(document, block.first.position(), code, lexer, style_name, streaming)
        if not (continues and block.first == document.begin()):
            _insert_header(document, block, background)


def _code_blocks(document: QTextDocument) -> list[_Block]:
    """The code blocks, with tabs put back and block start markers removed."""
    blocks: list[_Block] = []
    previous: tuple[str, int, int] | None = None
    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        text = block.text()
        starts = CODE_START in text
        if starts or TAB in text:
            _restore(cursor, block.position(), text)
        block_format = block.blockFormat()
        key = None
        if block_format.hasProperty(_LANGUAGE):
            key = (block_format.stringProperty(_LANGUAGE), block_format.indent(),
                   block_format.intProperty(QTextFormat.Property.BlockQuoteLevel))
            if starts or key != previous:
                blocks.append(_Block(block, block, key[0]))
            else:
                blocks[-1].last = block
        previous = key
        block = block.next()
    return blocks


def _restore(cursor: QTextCursor, position: int, text: str) -> None:
    for index in range(len(text) - 1, -1, -1):
        if text[index] in MARKERS:
            cursor.setPosition(position + index)
            cursor.setPosition(position + index + 1, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText("\t" if text[index] == TAB else "", cursor.charFormat())


def _select(document: QTextDocument, block: _Block) -> QTextCursor:
    cursor = QTextCursor(document)
    cursor.setPosition(block.first.position())
    cursor.setPosition(block.last.position() + block.last.length() - 1,
                       QTextCursor.MoveMode.KeepAnchor)
    return cursor


@lru_cache(maxsize=1)
def _lexer_names() -> frozenset[str]:
    """Every Pygments language name, without plugins: looking a name up among those reads
    installed packages' metadata each time (tens of milliseconds)."""
    return frozenset(alias.lower() for _, aliases, _, _ in get_all_lexers(plugins=False)
                     for alias in aliases)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    name = language.strip().lower()
    if name not in _lexer_names():
        return None
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except Exception:  # a lexer that fails to load leaves its code plain
        log.exception("no lexer for %r", name)
        return None


@lru_cache(maxsize=4096)
def _colour(style_name: str, token: _TokenType) -> str | None:
    """The token's colour in the style (``#rrggbb``), or None where it is the style's plain one."""
    style = get_style_by_name(style_name)
    colour = style.style_for_token(token)["color"]
    return f"#{colour}" if colour and colour != style.style_for_token(Token)["color"] else None


_Run = tuple[int, int, "str | None"]  # start, end and colour of a run of one colour in the code


@dataclass
class _Lexed:
    """The code last lexed while streaming, and its runs."""

    key: tuple[str, str]  # the lexer's name and the style
    code: str
    runs: list[_Run]


_last_streamed: _Lexed | None = None


def _runs(code: str, lexer: Lexer, style_name: str, streaming: bool) -> list[_Run]:
    """The runs of one colour in ``code``.

    While a reply streams, its tail is rendered again on every update, and lexing its code
    block each time cost time in the square of the block's length (a 2,000-character block took
    10 ms per update). So for a streaming tail whose code only grew, by less than
    ``RELEX_AFTER`` characters, since it was last lexed, the earlier runs are used again: the
    newest characters stay plain until the next lexing, and the finished reply is lexed whole."""
    global _last_streamed
    key = (lexer.name, style_name)
    last = _last_streamed
    if (streaming and last is not None and last.key == key and code.startswith(last.code)
            and len(code) - len(last.code) < RELEX_AFTER):
        return last.runs
    runs: list[_Run] = []
    for index, token, value in lexer.get_tokens_unprocessed(code + "\n"):
        colour = _colour(style_name, token)
        end = min(index + len(value), len(code))
        if runs and runs[-1][2] == colour and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], end, colour)
        elif index < end:
            runs.append((index, end, colour))
    if streaming:
        _last_streamed = _Lexed(key, code, runs)
    return runs


def _highlight(document: QTextDocument, start: int, code: str, lexer: Lexer,
               style_name: str, streaming: bool = False) -> None:
    """Colour ``code``, which starts at ``start`` in ``document``, run by run of one colour."""
    cursor = QTextCursor(document)
    try:
        runs = _runs(code, lexer, style_name, streaming)
    except Exception:  # a lexer's bug leaves the code plain
        log.exception("highlighting failed")
        return
    for begin, end, colour in runs:
        if colour is not None:
            char_format = QTextCharFormat()
            char_format.setForeground(QColor(colour))
            cursor.setPosition(start + begin)
            cursor.setPosition(start + end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(char_format)


def _insert_header(document: QTextDocument, block: _Block, background: QColor) -> None:
    """A paragraph before the block: its language (plain text) and a Copy link."""
    code_format = block.first.blockFormat()
    cursor = QTextCursor(document)
    cursor.setPosition(block.first.position())
    cursor.insertBlock(code_format, block.first.charFormat())  # the code moves to a new paragraph
    cursor.movePosition(QTextCursor.MoveOperation.PreviousBlock)
    header_id = str(next(_ids))
    header_format = QTextBlockFormat()
    header_format.setProperty(HEADER_PROPERTY, header_id)
    header_format.setBackground(background)
    for kept in _KEPT_IN_HEADER:
        if code_format.hasProperty(kept):
            header_format.setProperty(kept, code_format.property(kept))
    cursor.setBlockFormat(header_format)
    cursor.setBlockCharFormat(QTextCharFormat())
    palette = QGuiApplication.palette()
    label_format = QTextCharFormat()
    label_format.setForeground(palette.color(QPalette.ColorRole.PlaceholderText))
    label_format.setProperty(QTextFormat.Property.FontSizeAdjustment, -1)
    cursor.insertText(language_label(block.language) + "   ", label_format)
    link_format = QTextCharFormat(label_format)
    link_format.setAnchor(True)
    link_format.setAnchorHref(f"{COPY_SCHEME}:{header_id}")
    link_format.setForeground(palette.color(QPalette.ColorRole.Link))
    link_format.setFontUnderline(True)
    cursor.insertText(translate("CodeBlock", "Copy"), link_format)


def language_label(language: str) -> str:
    """The header's name for a code block's language: printable characters only, shortened."""
    label = "".join(char for char in language if char.isprintable()).strip()
    if not label:
        return translate("CodeBlock", "code")
    return label if len(label) <= LABEL_LIMIT else label[:LABEL_LIMIT - 1] + "…"


# -- copying -----------------------------------------------------------------------------------


def is_copy_link(url: QUrl) -> bool:
    """Whether ``url`` is one of this process's copy links (not a look-alike written by a model)."""
    return url.scheme() == COPY_SCHEME


def code_block_text(document: QTextDocument, url: QUrl) -> str | None:
    """The code under the header whose Copy link is ``url`` (the code paragraphs that follow it,
    up to the next header), or None if ``document`` has no such header."""
    if not is_copy_link(url) or not url.path():
        return None
    block = document.begin()
    while block.isValid() and block.blockFormat().stringProperty(HEADER_PROPERTY) != url.path():
        block = block.next()
    if not block.isValid():
        return None
    lines: list[str] = []
    block = block.next()
    while (block.isValid() and block.blockFormat().hasProperty(_LANGUAGE)
           and not block.blockFormat().hasProperty(HEADER_PROPERTY)):
        lines.append(block.text())
        block = block.next()
    return "\n".join(lines)

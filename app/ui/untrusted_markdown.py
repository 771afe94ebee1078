"""Untrusted Markdown to a Qt document (or fragment) with nothing loaded and no image left.

Qt's text classes load local files named in Markdown images (``/dev/zero`` hangs the process)
the moment a document with an image is laid out. So model text is parsed into a *detached*
document (no layout, hence no loading), every image in it is replaced by a plain-text note, and
only then is it shown or copied into a shown document. Raw HTML is shown as text.

Before parsing, the source is rewritten: TeX math becomes escaped Unicode text between markers
(``math_text``), which are then replaced by italics; code blocks are marked so their exact text
survives (``code_blocks``), then coloured and given a header with a Copy link. Private-use
characters that serve as these markers are replaced in the model's own text first, so no model
text can produce them.

(Overriding ``loadResource`` in Python is not an option: in PySide6 6.12 every call of such an
override drops a reference to ``None``, which eventually aborts the interpreter.)
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
)

from app.ui import code_blocks, math_text
from app.ui.i18n import translate

RUN_PIECE = 500  # a run without whitespace is shown as plain text in paragraphs this long
_RUN = re.compile(r"\S+")

MARKDOWN_FEATURES = (QTextDocument.MarkdownFeature.MarkdownDialectGitHub
                     | QTextDocument.MarkdownFeature.MarkdownNoHTML)
_MARKERS = str.maketrans(dict.fromkeys(math_text.MARKERS + code_blocks.MARKERS, "\ufffd"))
_MATH_MARKERS = frozenset(math_text.MARKERS)


def render_untrusted_markdown(text: str, decorate: bool = True, continues: bool = False,
                              streaming: bool = False) -> QTextDocument:
    """A new document showing ``text`` as Markdown, with every image replaced by a text note,
    math as text and, if ``decorate``, code blocks coloured with a header (none for a block
    that ``continues`` one cut at the end of the previous chunk). ``streaming``: ``text`` is a
    growing reply's tail (its code's colours may lag a little; see ``code_blocks``)."""
    source = math_text.convert_math(text.translate(_MARKERS))
    has_math = "$" in text and any(marker in source for marker in _MATH_MARKERS)
    document = QTextDocument()
    document.setMarkdown(code_blocks.mark_code_blocks(source), MARKDOWN_FEATURES)
    document.setUndoRedoEnabled(False)
    # One edit block: outside one, each edit of a paragraph costs time in its length.
    edit = QTextCursor(document)
    edit.beginEditBlock()
    _replace_images(document)
    if has_math:
        _style_math(document)
    code_blocks.finish_code_blocks(document, decorate, continues, streaming)
    edit.endEditBlock()
    return document


def untrusted_fragment(text: str, markdown: bool, after_special: bool = False,
                       continues: bool = False, streaming: bool = False) -> QTextDocumentFragment:
    """``text`` rendered safely (as Markdown, or as plain text, with runs of more than
    ``RUN_PIECE`` characters without whitespace broken into paragraphs) as a fragment that starts with
    a paragraph break, so that inserted at the end of a document it keeps the formatting of its
    own first paragraph (a heading, a list item, a code block).

    A fragment that starts with a table or rule (after the empty paragraph Qt puts before them)
    continues the paragraph it is inserted after instead, as in a document rendered whole;
    only after a quote, code block or rule (``after_special``) is a table given its own empty
    paragraph, again as Qt does. A chunk that ``continues`` a code block gets no second header."""
    if markdown:
        document = render_untrusted_markdown(text, continues=continues, streaming=streaming)
    else:
        document = QTextDocument()
        # Laying out a line with no break opportunity takes time quadratic in its length.
        # (No final newline: the break before the next chunk ends the last line.)
        text = text.removesuffix("\n")
        if max(map(len, text.split()), default=0) > RUN_PIECE:
            text = _RUN.sub(_broken_run, text)
        document.setPlainText(text)
    cursor = QTextCursor(document)
    first = document.begin()
    starts_with_empty = (first.length() == 1 and first.blockFormat() == QTextBlockFormat()
                         and first.textList() is None and document.blockCount() > 1)
    if starts_with_empty and after_special:
        starts_with_empty = QTextCursor(first.next()).currentTable() is None
    if not starts_with_empty:
        # A new empty first paragraph; the break after it carries the real first one's format.
        cursor.insertBlock(cursor.blockFormat(), cursor.blockCharFormat())
        first = document.begin()
        if first.textList() is not None:
            first.textList().remove(first)
        cursor.setPosition(0)
        cursor.setBlockFormat(QTextBlockFormat())
    cursor.setPosition(0)
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    return cursor.selection()


def _broken_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return "\n".join(run[i:i + RUN_PIECE] for i in range(0, len(run), RUN_PIECE))


def is_special_block(block: QTextBlock) -> bool:
    """Whether a table after ``block`` gets an empty paragraph before it (a quote, code, a rule)."""
    block_format = block.blockFormat()
    return (block_format.hasProperty(QTextFormat.Property.BlockCodeLanguage)
            or block_format.hasProperty(QTextFormat.Property.BlockQuoteLevel)
            or block_format.hasProperty(QTextFormat.Property.BlockTrailingHorizontalRulerWidth))


def _replace_images(document: QTextDocument) -> None:
    images: list[tuple[int, int, str]] = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.isValid() and fragment.charFormat().isImageFormat():
                name = fragment.charFormat().toImageFormat().name()
                images.append((fragment.position(), fragment.length(), name))
            fragments += 1
        block = block.next()
    cursor = QTextCursor(document)
    for position, length, name in reversed(images):
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        note = translate("UntrustedMarkdown", "[image not loaded: {name}]").format(name=name)
        cursor.insertText(note, QTextCharFormat())


def _style_math(document: QTextDocument) -> None:
    """Italicize the text between math markers and remove the markers; centre a paragraph that
    is one display formula and nothing else."""
    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        text = block.text()
        if any(marker in text for marker in _MATH_MARKERS):
            _style_math_in(cursor, block, text)
        block = block.next()


def _style_math_in(cursor: QTextCursor, block: QTextBlock, text: str) -> None:
    spans: list[tuple[int, int]] = []
    start = -1
    for index, char in enumerate(text):
        if char in (math_text.MATH_START, math_text.DISPLAY_START):
            start = index
        elif char in (math_text.MATH_END, math_text.DISPLAY_END) and start >= 0:
            spans.append((start, index))
            start = -1
    display_only = (text.strip().startswith(math_text.DISPLAY_START) and len(spans) == 1
                    and text.strip().endswith(math_text.DISPLAY_END))
    italic = QTextCharFormat()
    italic.setFontItalic(True)
    position = block.position()
    for start, end in reversed(spans):
        cursor.setPosition(position + start + 1)
        cursor.setPosition(position + end, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(italic)
    for index in range(len(text) - 1, -1, -1):  # every marker, paired or not
        if text[index] in _MATH_MARKERS:
            cursor.setPosition(position + index)
            cursor.setPosition(position + index + 1, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
    if display_only and block.textList() is None:
        centred = QTextBlockFormat()
        centred.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        cursor.setPosition(position)
        cursor.mergeBlockFormat(centred)

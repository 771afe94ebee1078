"""A message's document built chunk by chunk, so showing a growing reply costs the same per update
however long the reply is, and no text (however hostile) takes long to show.

The document holds the settled chunks of the text (see ``markdown_chunks``), each rendered once
and appended, then the unsettled rest (the *tail*), replaced whenever the text grows, then, for a
text longer than ``DISPLAY_LIMIT`` characters or ``DISPLAY_LINES`` lines, a note saying how much
is shown. Rendering the whole text again at the end gives the same document, so a finished reply
needs no new rendering unless it is small enough to be rendered in one piece (``fits_whole``),
which keeps Markdown constructs that span chunks (reference links, loose lists) exact.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import (
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
)

from app.ui.markdown_chunks import Chunk, ChunkSplitter, cap_note, display_end
from app.ui.untrusted_markdown import is_special_block, render_untrusted_markdown, untrusted_fragment

_Mark = tuple[int, QTextBlockFormat, QTextCharFormat]  # an end position, its paragraph's formats


class ChunkedDocument:
    """A document showing an untrusted Markdown text that may still grow."""

    def __init__(self, parent: QObject | None = None) -> None:
        self.document = QTextDocument(parent)
        self.document.setUndoRedoEnabled(False)  # else every replaced tail is kept for undo
        self.text = ""
        self._splitter = ChunkSplitter()
        self._cut_at: int | None = None  # where the shown part ends, once the text is longer
        # Where the settled chunks and the tail end (None: nothing yet), with the formats of the
        # paragraph there, which what is appended after it may change.
        self._settled: _Mark | None = None
        self._tail: _Mark | None = None
        self._tail_key: tuple[str, bool] | None = None  # what the tail shows now
        self._tail_streaming = False  # the tail was rendered as a growing reply's (see extend)
        self._note = ""  # what the note shows now
        self._blank = True  # nothing appended since the document was last emptied

    def extend(self, text: str, final: bool = False) -> None:
        """Show ``text``, which starts with the text shown before; ``final``: it is the whole
        reply (the tail's code is then coloured exactly, not as while streaming)."""
        if self._cut_at is None and (end := display_end(text)) < len(text):
            self._cut_at = end
        shown = text if self._cut_at is None else text[:self._cut_at]
        new_chunks = self._splitter.feed(shown)
        if new_chunks:
            self._cut_back(self._settled)
            for chunk in new_chunks:
                self._append_chunk(chunk, shown)
            self._settled = self._mark()
            self._tail_key = None
        tail = self._splitter.tail(shown)
        key = (tail.source(shown), tail.is_markdown(shown))
        note = cap_note(len(shown), len(text)) if len(text) > len(shown) else ""
        if key != self._tail_key or (final and self._tail_streaming):
            self._cut_back(self._settled)
            self._append_chunk(tail, shown, streaming=not final)
            self._tail, self._tail_key, self._note = self._mark(), key, ""
            self._tail_streaming = not final
        if note != self._note:
            self._cut_back(self._tail)
            self._append(untrusted_fragment(note, markdown=False), italic=True)
            self._note = note
        self.text = text

    def _append_chunk(self, chunk: Chunk, text: str, streaming: bool = False) -> None:
        if chunk.end > chunk.start:
            markdown = chunk.is_markdown(text)
            source = chunk.source(text) if markdown else text[chunk.start:chunk.end]
            after_special = is_special_block(self.document.lastBlock())
            self._append(untrusted_fragment(source, markdown, after_special, bool(chunk.opener),
                                            streaming))

    def _append(self, fragment: QTextDocumentFragment, italic: bool = False) -> None:
        cursor = QTextCursor(self.document)
        start = self._end()
        cursor.setPosition(start)
        cursor.insertFragment(fragment)
        if italic:
            cursor.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
            style = QTextCharFormat()
            style.setFontItalic(True)
            cursor.mergeCharFormat(style)
        if self._blank:  # drop the empty paragraph before the fragment's leading break
            self._blank = False
            second = self.document.begin().next()
            if second.isValid() and QTextCursor(second).currentFrame() == self.document.rootFrame():
                cursor.setPosition(0)
                cursor.deleteChar()

    def _mark(self) -> _Mark:
        cursor = QTextCursor(self.document)
        cursor.setPosition(self._end())
        return self._end(), cursor.blockFormat(), cursor.blockCharFormat()

    def _cut_back(self, mark: _Mark | None) -> None:
        """Remove everything after ``mark`` (everything, if None)."""
        if mark is None:
            self.document.clear()
            self.document.setUndoRedoEnabled(False)
            self._blank = True
            return
        position, block_format, char_format = mark
        if position < self._end():
            cursor = QTextCursor(self.document)
            cursor.setPosition(position)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            cursor.setBlockFormat(block_format)
            cursor.setBlockCharFormat(char_format)

    def _end(self) -> int:
        return self.document.characterCount() - 1


def chunked_plain_text(text: str) -> str:
    """The plain text that ``text`` rendered chunk by chunk (with no display limit) reads as."""
    splitter = ChunkSplitter()
    chunks = [*splitter.feed(text), splitter.tail(text)]
    parts = []
    for chunk in chunks:
        if chunk.end > chunk.start:
            if chunk.is_markdown(text):
                document = render_untrusted_markdown(chunk.source(text), decorate=False,
                                                     continues=bool(chunk.opener))
                parts.append(document.toPlainText())
            else:
                parts.append(text[chunk.start:chunk.end].removesuffix("\n"))
    return "\n".join(parts)

"""Showing untrusted model text: Markdown rendered with nothing loaded and nothing followed.

Qt's text classes load local files named in Markdown images (``/dev/zero`` hangs the process)
the moment a document with an image is laid out, and QTextBrowser follows ``file:`` links.
So model text is parsed into a *detached* document (no layout, hence no loading), every image
in it is replaced by a plain-text note, and only then is it shown. Raw HTML is shown as text.
Links open only when clicked, only for http(s), and only in the system browser.

(Overriding ``loadResource`` in Python is not an option: in PySide6 6.12 every call of such an
override drops a reference to ``None``, which eventually aborts the interpreter.)
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

log = logging.getLogger(__name__)

MARKDOWN_FEATURES = (QTextDocument.MarkdownFeature.MarkdownDialectGitHub
                     | QTextDocument.MarkdownFeature.MarkdownNoHTML)
SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def render_untrusted_markdown(text: str) -> QTextDocument:
    """A new document showing ``text`` as Markdown, with every image replaced by a text note."""
    document = QTextDocument()
    document.setMarkdown(text, MARKDOWN_FEATURES)
    _replace_images(document)
    return document


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
        cursor.insertText(f"[image not loaded: {name}]", QTextCharFormat())


def open_link_if_safe(url: QUrl) -> bool:
    """Open an http(s) link in the system browser; refuse every other scheme."""
    if url.scheme().lower() not in SAFE_LINK_SCHEMES or not url.host():
        log.info("refused to open link %s", url.toString())
        return False
    return QDesktopServices.openUrl(url)


class SafeTextView(QTextBrowser):
    """A read-only Markdown view for untrusted text that grows to fit its content."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(open_link_if_safe)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self._rendered: QTextDocument | None = None  # the document we created and own

    def set_markdown(self, text: str) -> None:
        """Show ``text`` (untrusted) as Markdown."""
        document = render_untrusted_markdown(text)
        document.setParent(self)
        self.setDocument(document)  # Qt deletes its own default document, not ours
        if self._rendered is not None:
            self._rendered.deleteLater()
        self._rendered = document
        document.documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self, *_: Any) -> None:
        self.document().setTextWidth(self.viewport().width())
        margins = self.contentsMargins()
        height = int(self.document().size().height()) + margins.top() + margins.bottom() + 2
        if height != self.height():
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())

"""Showing untrusted model text: Markdown rendered with nothing loaded and nothing followed.

Model text is rendered into detached documents whose images are replaced by text notes before
anything is laid out (see ``untrusted_markdown``). Raw HTML is shown as text. Links open only
when clicked, only for http(s), and only in the system browser. A text that is small and tame
(``fits_whole``) is rendered in one piece; any other text, and every reply while it streams, is
rendered chunk by chunk (``stream_render``), so no text takes long to show or to update.

Code blocks have a Copy link (``code_blocks``) whose scheme carries a per-process random nonce;
the view copies the block for such a link and hands every other link, look-alikes included, to
``open_link_if_safe``. Code colours follow the application palette: when it turns from light to
dark or back, the shown text is rendered again (other palette changes cost nothing).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from app.ui.code_blocks import code_block_text, is_copy_link
from app.ui.markdown_chunks import MARKDOWN_LIMIT, fits_whole
from app.ui.stream_render import ChunkedDocument, chunked_plain_text
from app.ui.theme import is_dark
from app.ui.untrusted_markdown import render_untrusted_markdown

__all__ = ["SafeTextView", "open_link_if_safe", "render_untrusted_markdown", "untrusted_plain_text"]

log = logging.getLogger(__name__)

SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def untrusted_plain_text(text: str) -> str:
    """The plain text that untrusted Markdown reads as (however long or hostile it is)."""
    if fits_whole(text):
        return render_untrusted_markdown(text, decorate=False).toPlainText()
    if len(text) > MARKDOWN_LIMIT:
        return text  # mostly shown as plain text anyway
    return chunked_plain_text(text)


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
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self._whole: QTextDocument | None = None  # the one-piece document we own, if shown
        self._chunked: ChunkedDocument | None = None  # the chunked document we own, if shown
        self._final: str | None = None  # the finished text shown
        self._dark: bool | None = None  # whether the palette was dark when it was rendered

    def set_markdown(self, text: str) -> None:
        """Show ``text`` (untrusted, finished) as Markdown."""
        if text != self._final:
            self._render_final(text, reuse_streamed=True)

    def _render_final(self, text: str, reuse_streamed: bool) -> None:
        self._final = text
        if fits_whole(text):
            self._show(render_untrusted_markdown(text), None)
        elif not reuse_streamed or self._chunked is None or self._chunked.text != text:
            chunked = ChunkedDocument()
            chunked.extend(text, final=True)
            self._show(chunked.document, chunked)
        else:  # the streamed document is what rendering ``text`` in chunks gives, but for colours
            self._chunked.extend(text, final=True)

    def set_streaming_markdown(self, text: str) -> None:
        """Show ``text`` (untrusted), the reply received so far; only what changed is rendered."""
        self._final = None
        if self._chunked is not None and text.startswith(self._chunked.text):
            self._chunked.extend(text)
            return
        chunked = ChunkedDocument()
        chunked.extend(text)
        self._show(chunked.document, chunked)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        """A code block's Copy link copies it; every other link is only opened if safe."""
        if is_copy_link(url):
            code = code_block_text(self.document(), url)
            if code is not None:
                QGuiApplication.clipboard().setText(code)
            return
        open_link_if_safe(url)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Every widget gets PaletteChange when the application palette changes (an explicitly
        # set palette too), so ApplicationPaletteChange needs no handling of its own.
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_theme()

    def _follow_theme(self) -> None:
        """Render the shown text again if the palette turned from light to dark or back."""
        rendered_dark = getattr(self, "_dark", None)  # None: nothing shown (or still in __init__)
        if rendered_dark is None or rendered_dark == is_dark():
            return
        if self._final is not None:
            self._render_final(self._final, reuse_streamed=False)
        elif self._chunked is not None:
            chunked = ChunkedDocument()
            chunked.extend(self._chunked.text)
            self._show(chunked.document, chunked)

    def _show(self, document: QTextDocument, chunked: ChunkedDocument | None) -> None:
        self._dark = is_dark()
        document.setParent(self)
        option = document.defaultTextOption()  # tabs in code: 4 columns, not Qt's 80 pixels
        mono = QFontMetricsF(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        option.setTabStopDistance(4 * mono.horizontalAdvance(" "))
        document.setDefaultTextOption(option)
        document.setTextWidth(self.viewport().width())
        self.setDocument(document)  # Qt deletes its own default document, not ours
        for old in (self._whole, self._chunked.document if self._chunked else None):
            if old is not None:
                old.deleteLater()
        self._whole, self._chunked = (None, chunked) if chunked is not None else (document, None)
        document.documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self, *_: Any) -> None:
        document = self.document()
        width = self.viewport().width()
        if document.textWidth() != width:  # setting it, even unchanged, lays out everything again
            document.setTextWidth(width)
        margins = self.contentsMargins()
        height = int(document.size().height()) + margins.top() + margins.bottom() + 2
        if height != self.height():
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())

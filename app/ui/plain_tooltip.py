"""Tooltips that show untrusted text (titles, file names, notes, preset descriptions) as text.

Qt shows a tooltip as HTML when its text merely looks like HTML (``Qt.mightBeRichText``), and
HTML tooltips load the images they name: a chat titled ``<img src="/dev/zero">`` would hang the
app on hover. So such text is converted to HTML that says exactly the text.
"""

from __future__ import annotations

from PySide6.QtGui import Qt


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that Qt shows literally, whatever it contains."""
    return Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)

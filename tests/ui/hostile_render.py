"""Run as a script: render a hostile corpus in every widget that shows model text, lay it out
and paint it. tests/ui/test_safe_text.py runs this under strace to prove no file is touched."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtWidgets import QApplication, QListView, QMessageBox, QToolTip

from app.application import create_application
from app.core.models import ConversationSummary, Message, MessageStatus, Role, SearchHit
from app.core.tree import BranchItem
from app.ui import dialogs
from app.ui.conversation_list import ConversationListModel
from app.ui.search_dialog import SearchDialog
from app.ui.transcript import TranscriptView

FORGED = "parley-copy-ffffffffffffffff:1"


def main(marker_dir: str) -> None:
    app = create_application()
    entries = [
        f"![local]({marker_dir}/secret.png)",
        f"![file](file://{marker_dir}/secret-url.png)",
        "![zero](/dev/zero)",
        "![remote](https://example.invalid/tracker.png)",
        f"![rel](secret-relative.png) ![qrc](qrc:/{marker_dir}/secret-qrc.png)",
        f"[file link](file://{marker_dir}/secret-link) [js](javascript:alert(1))",
        "[data](data:text/html,<script>alert(1)</script>) [custom](parley-evil://x)",
        f"<img src=\"{marker_dir}/secret-html.png\"> <b>bold</b> <a href=\"file:///etc/passwd\">x</a>",
        r"\\server\share\secret.png ![unc](\\server\share\secret-unc.png)",
        f"| a | b |\n|---|---|\n| ![t]({marker_dir}/secret-table.png) | 2 |",
        # Code and math: the fence language and formulas are model text too.
        '```<img src="/dev/zero">\ncode\n```',
        f'```<img src="{marker_dir}/secret-lang.png"> ![l]({marker_dir}/secret-lang.png)\nx\n```',
        f"```python\n![c]({marker_dir}/secret-code.png) $![m](/dev/zero)$\n```",
        "$\\includegraphics{/dev/zero}$ and $![x](/dev/zero)$ and "
        f"$$![y]({marker_dir}/secret-math.png) \\href{{file:///etc/passwd}}{{x}}$$",
        f"$\\text{{<img src=\"{marker_dir}/secret-math.png\">}}$",
        f"[copy](parley-copy-0123456789abcdef:0) [copy]({FORGED})",
    ]
    corpus = "\n\n".join(entries)
    view = TranscriptView()
    view.resize(800, 600)
    view.show()
    reply = Message(1, 1, None, Role.ASSISTANT, corpus, MessageStatus.COMPLETE, 0.0)
    view.show_conversation([BranchItem(reply, (1,))])
    view.stream_text(1, corpus + "\n\nmore")
    # Too long to render in one piece: rendered chunk by chunk, as it streams and finished.
    long_corpus = "\n\n".join([corpus] * 40 + ["*a" * 5_000])
    for end in range(1, len(long_corpus), len(long_corpus) // 20):
        view.stream_text(1, long_corpus[:end])
        app.processEvents()
    view.update_message(Message(1, 1, None, Role.ASSISTANT, long_corpus, MessageStatus.COMPLETE, 0.0))
    body = view.message_widget(1).body
    for href in ("parley-copy-0123456789abcdef:0", FORGED, f"file://{marker_dir}/secret-link"):
        body.anchorClicked.emit(QUrl(href))  # a forged copy link copies and opens nothing
    search = SearchDialog(lambda _: [SearchHit(1, corpus, 1, corpus, Role.ASSISTANT),
                                     SearchHit(1, corpus, None, corpus)])
    search.open_search()
    search.query.setText("hostile")
    search.run_search()
    search.grab()
    show_titles(f'<img src="{marker_dir}/secret-title.png"> <b>t</b> ![t](/dev/zero)')
    for _ in range(5):
        app.processEvents()
    view.grab()
    print(f"rendered {len(entries) + 1} hostile texts", flush=True)  # the entries and a title


def show_titles(title: str) -> None:
    """A hostile chat title (the model writes titles) in the chat list, its tooltip, a message
    box quoting it and a window title: Qt would treat each as HTML if it only looked like HTML."""
    model = ConversationListModel()
    model.set_conversations([ConversationSummary(1, title, 0.0, 2)])
    chats = QListView()
    chats.setModel(model)
    chats.show()
    chats.setWindowTitle(title)
    chats.grab()
    tooltip = model.data(model.index(model.row_of(1)), Qt.ItemDataRole.ToolTipRole)
    QToolTip.showText(chats.mapToGlobal(QPoint(10, 10)), tooltip, chats)
    box = dialogs._message_box(None, QMessageBox.Icon.Question, title, f"Delete “{title}”?",
                               QMessageBox.StandardButton.Ok)
    box.show()
    box.grab()
    QApplication.processEvents()
    QToolTip.hideText()
    box.close()


if __name__ == "__main__":
    main(sys.argv[1])

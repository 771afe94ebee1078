"""Rendering stays cheap: a streaming reply re-renders only its unsettled tail, hostile output is
shown (cut, or as plain text) without freezing, long chats load earlier messages on scrolling up,
and messages outside the context window are marked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QAbstractSlider

from app.core.models import Message, MessageStatus, Role
from app.core.tree import BranchItem
from app.ui import stream_render
from app.ui.markdown_chunks import HARD_CHUNK, LONG_LINE, ChunkSplitter
from app.ui.message_widget import OUTSIDE_CONTEXT_NOTE, MessageActions, MessageWidget
from app.ui.safe_text import render_untrusted_markdown
from app.ui.transcript import WINDOW, TranscriptView

NORMAL_REPLY = "\n\n".join([
    "# A heading",
    "Some **bold** words and *emphasis*, a [link](https://example.org) and `code`.",
    "- one\n- two\n  - nested",
    "```python\ndef f(x):\n\n    return x * 2\n```",
    "1. first\n\n2. second",
    "> quoted ![image](/etc/passwd) text",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "---",
    "The end.",
])


def message(content: str, message_id: int = 1, role: Role = Role.ASSISTANT,
            status: MessageStatus = MessageStatus.COMPLETE) -> Message:
    parent = message_id - 1 if message_id > 1 else None
    return Message(message_id, 1, parent, role, content, status, float(message_id))


def make_widget(qtbot, content: str = "", status: MessageStatus = MessageStatus.STREAMING
                ) -> MessageWidget:
    widget = MessageWidget(BranchItem(message(content, status=status), (1,)), MessageActions())
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    return widget


def stream(widget: MessageWidget, text: str, pieces: int) -> None:
    step = max(1, len(text) // pieces)
    for end in [*range(step, len(text), step), len(text)]:
        widget.show_streaming_text(text[:end])


def document(widget: MessageWidget) -> QTextDocument:
    return widget.body.document()


def has_bold(doc: QTextDocument, text: str) -> bool:
    block = doc.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.text() == text and fragment.charFormat().fontWeight() >= QFont.Weight.Bold:
                return True
            fragments += 1
        block = block.next()
    return False


def code_lines(doc: QTextDocument) -> list[str]:
    lines, block = [], doc.begin()
    while block.isValid():
        if block.blockFormat().nonBreakableLines():
            lines.append(block.text())
        block = block.next()
    return lines


# -- streaming -------------------------------------------------------------------------------


def test_markdown_renders_while_streaming_and_finished(qtbot) -> None:
    widget = make_widget(qtbot)
    stream(widget, NORMAL_REPLY, pieces=60)
    one_shot = render_untrusted_markdown(NORMAL_REPLY)
    for doc in (document(widget), one_shot):
        assert has_bold(doc, "bold") and "**" not in doc.toPlainText()
        assert code_lines(doc) == ["def f(x):", "", "    return x * 2"]
        assert "[image not loaded: /etc/passwd]" in doc.toPlainText()
    assert document(widget).toPlainText() == one_shot.toPlainText()

    widget.show_message(message(NORMAL_REPLY))
    assert has_bold(document(widget), "bold")
    assert document(widget).toPlainText() == one_shot.toPlainText()


def test_every_way_of_streaming_ends_with_the_same_document(qtbot) -> None:
    reply = "\n\n".join([NORMAL_REPLY] * 30)  # larger than what is rendered in one piece
    widget = make_widget(qtbot)
    widget.show_message(message(reply))
    once = document(widget).toPlainText()
    assert has_bold(document(widget), "bold") and "def f(x):" in code_lines(document(widget))
    for pieces in (7, 150):
        streamed = make_widget(qtbot)
        stream(streamed, reply, pieces)
        assert document(streamed).toPlainText() == once
        shown = document(streamed)
        streamed.show_message(message(reply))
        assert document(streamed) is shown  # finishing renders nothing again


def test_each_update_renders_only_the_unsettled_tail(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[int] = []
    fragment = stream_render.untrusted_fragment
    monkeypatch.setattr(stream_render, "untrusted_fragment",
                        lambda text, *args: rendered.append(len(text)) or fragment(text, *args))
    paragraph = " ".join(["Some **bold** words in a long reply, with `code` here and there."] * 6)
    reply = "\n\n".join(f"{paragraph} ({i})" for i in range(60))  # about 3,000 words
    widget = make_widget(qtbot)
    words = reply.split(" ")
    per_update: list[int] = []
    for end in range(5, len(words) + 5, 5):
        rendered.clear()
        widget.show_streaming_text(" ".join(words[:end]))
        per_update.append(sum(rendered))
    assert len(reply) > 20_000
    assert max(per_update[-50:]) < 2 * len(paragraph) + 100  # the tail, at most one settled chunk
    assert document(widget).toPlainText() == render_untrusted_markdown(reply).toPlainText()


def test_cuts_do_not_depend_on_how_the_text_arrives() -> None:
    text = NORMAL_REPLY + "\n\n```\n" + "code line\n" * 400 + "```\n\n" + "y" * (3 * LONG_LINE)
    whole = ChunkSplitter()
    chunks = [*whole.feed(text), whole.tail(text)]
    pieces = ChunkSplitter()
    for end in range(1, len(text) + 1, 13):
        pieces.feed(text[:end])
    pieces.feed(text)
    assert [*pieces.settled, pieces.tail(text)] == chunks
    assert len(chunks) > 4 and all(c.end - c.start <= HARD_CHUNK for c in chunks)
    assert "".join(text[c.start:c.end] for c in chunks) == text


# -- hostile output --------------------------------------------------------------------------

MB_LINE = "x" * 1_000_000
HOSTILE = {
    "one 1 MB line": (MB_LINE, "x" * 500),
    "emphasis runs": ("*a" * 50_000, "*a*a*a*a*a"),
    "brackets": ("[" * 100_000, "[" * 100),
    "backticks": ("`" * 100_000, "`" * 100),
    "underscores": ("_a" * 50_000, "_a_a_a_a"),
    "quote markers": (">" * 100_000, ">" * 100),
    "nested quotes": ("".join(">" * i + f" q{i}\n" for i in range(1, 1500)), "q1"),
    "nested lists": ("".join("  " * i + f"- l{i}\n" for i in range(1500)), "l0"),
    "long ordered list": ("".join(f"{i}. item\n" for i in range(20_000)), "item"),
    "long table": ("| a | b |\n|---|---|\n" + "| x | y |\n" * 10_000, "a"),
    "many short lines": ("a\n" * 500_000, "a\na\na"),
    "dollars and backslashes": ("$\\" * 500_000, "$\\$\\$\\"),
    "formulas": ("$x^2$ " * 170_000, "x² x² x²"),
    "nested formula": ("$" + "\\frac{" * 2_000 + "$ " * 300_000, "$"),
    "code fences": ("```python\nx = 1\n```\n" * 60_000, "python"),
    "code languages": ("".join(f"```lang{i} <b>\nx\n```\n" for i in range(40_000)), "x"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_output_is_shown_quickly_finished_and_streamed(qtbot, name: str) -> None:
    text, beginning = HOSTILE[name]
    finished = make_widget(qtbot, text, MessageStatus.COMPLETE)
    streamed = make_widget(qtbot)
    stream(streamed, text, pieces=100)
    for widget in (finished, streamed):
        widget.grab(QRect(0, 0, 700, 400))  # laid out, and painted where a scroll area shows it
        assert beginning in document(widget).toPlainText()
        assert widget.body.height() > 20
    assert document(streamed).toPlainText() == document(finished).toPlainText()


@pytest.mark.timeout(60)
def test_a_huge_reply_is_cut_with_a_note_and_copied_whole(qtbot) -> None:
    widget = make_widget(qtbot, MB_LINE, MessageStatus.COMPLETE)
    shown = document(widget).toPlainText()
    assert "Showing the first 200 KB of 1.0 MB; Copy gets all of it." in shown
    assert shown.count("x") == 200_000
    widget.copy(markdown=False)
    assert QGuiApplication.clipboard().text() == MB_LINE
    widget.copy(markdown=True)
    assert QGuiApplication.clipboard().text() == MB_LINE


def test_text_that_is_not_markdown_safe_is_plain_but_the_rest_stays_markdown(qtbot) -> None:
    text = "**bold** start\n\n" + "*a" * 20_000 + "\n\nand **bold** again"
    widget = make_widget(qtbot, text, MessageStatus.COMPLETE)
    plain = document(widget).toPlainText()
    assert plain.startswith("bold start") and "*a*a*a" in plain and plain.endswith("and bold again")
    assert has_bold(document(widget), "bold")


# -- the transcript --------------------------------------------------------------------------


def branch(count: int) -> list[BranchItem]:
    roles = (Role.USER, Role.ASSISTANT)
    return [BranchItem(message(f"message {i} " + "words " * 30, i, roles[i % 2]), (i,))
            for i in range(1, count + 1)]


def make_transcript(qtbot, items: list[BranchItem]) -> TranscriptView:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    view.show_conversation(items)
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    return view


def test_scrolling_to_the_top_adds_earlier_messages_in_place(qtbot) -> None:
    items = branch(1000)
    view = make_transcript(qtbot, items)
    assert len(view.shown_ids()) == WINDOW
    bar = view.verticalScrollBar()
    bar.setValue(0)  # not the user: nothing is added
    qtbot.wait(20)
    assert len(view.shown_ids()) == WINDOW
    top = view.message_widget(view.shown_ids()[0])
    before = top.mapTo(view.viewport(), top.rect().topLeft()).y()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)  # as a wheel or key would
    qtbot.waitUntil(lambda: len(view.shown_ids()) == 2 * WINDOW)
    qtbot.waitUntil(lambda: bar.value() > 0)
    assert top.mapTo(view.viewport(), top.rect().topLeft()).y() == before
    assert view.shown_ids() == [item.message.id for item in items[-2 * WINDOW:]]
    assert view.earlier_button.isVisible()  # still there for the keyboard


def test_messages_outside_the_context_window_are_marked(qtbot) -> None:
    items = branch(100)
    view = make_transcript(qtbot, items)
    shown = view.shown_ids()
    outside = {shown[0], shown[1], items[0].message.id}  # the last one has no widget yet
    view.set_outside_context(outside)
    for message_id in shown:
        widget = view.message_widget(message_id)
        assert widget.outside_context is (message_id in outside)
        assert widget.context_note.isVisible() is (message_id in outside)
    note = view.message_widget(shown[0]).context_note
    assert note.text() == OUTSIDE_CONTEXT_NOTE
    dimmed = view.message_widget(shown[0]).body.palette().color(view.palette().ColorRole.Text)
    assert dimmed != view.message_widget(shown[5]).body.palette().color(view.palette().ColorRole.Text)

    while view.message_widget(items[0].message.id) is None:
        view.show_earlier()
    assert view.message_widget(items[0].message.id).outside_context
    assert not view.message_widget(items[2].message.id).outside_context

    view.show_branch(items[:-1])  # rebuilt (an edit or a branch switch)
    view.show_conversation(items)
    assert view.message_widget(shown[1]).outside_context
    assert not view.message_widget(shown[2]).outside_context

    view.set_outside_context({shown[2]})
    assert not view.message_widget(shown[1]).outside_context
    assert not view.message_widget(shown[1]).context_note.isVisible()
    assert view.message_widget(shown[2]).outside_context

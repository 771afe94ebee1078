"""Model text as GitHub-flavoured Markdown: every construct renders, code blocks are coloured and
have a header with a Copy link that copies the block exactly (and only from a real header), math
reads as Unicode, and the colours follow the palette."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QApplication

from app.ui import code_blocks
from app.ui.code_blocks import COPY_SCHEME, HEADER_PROPERTY, mark_code_blocks
from app.ui.math_text import DISPLAY_END, DISPLAY_START, MATH_END, MATH_START, convert_math, latex_to_unicode
from app.ui.safe_text import SafeTextView, render_untrusted_markdown, untrusted_plain_text

LANGUAGE = QTextFormat.Property.BlockCodeLanguage
PYTHON = "def greet(name):\n\tif name:\n\n        return 'hello ' + name  # a comment"
MAKEFILE = "all:\n\techo 'tabs stay tabs'"


def fragments(document: QTextDocument) -> Iterator[tuple[object, object]]:
    """(block, fragment) for every text fragment of ``document``."""
    block = document.begin()
    while block.isValid():
        parts = block.begin()
        while not parts.atEnd():
            yield block, parts.fragment()
            parts += 1
        block = block.next()


def blocks(document: QTextDocument) -> list:
    found, block = [], document.begin()
    while block.isValid():
        found.append(block)
        block = block.next()
    return found


def fragment_with(document: QTextDocument, text: str):
    return next(fragment for _, fragment in fragments(document) if text in fragment.text())


def foreground(document: QTextDocument, text: str) -> QColor | None:
    """The colour set on the fragment holding ``text`` (None: the palette's text colour)."""
    brush = fragment_with(document, text).charFormat().foreground()
    return brush.color() if brush.style() != Qt.BrushStyle.NoBrush else None


def code_colours(document: QTextDocument) -> set[str]:
    return {fragment.charFormat().foreground().color().name() for block, fragment in fragments(document)
            if block.blockFormat().hasProperty(LANGUAGE)
            and fragment.charFormat().foreground().style() != Qt.BrushStyle.NoBrush}


def headers(document: QTextDocument) -> list[str]:
    return [block.text() for block in blocks(document)
            if block.blockFormat().hasProperty(HEADER_PROPERTY)]


def anchors(document: QTextDocument) -> list[str]:
    return [fragment.charFormat().anchorHref() for _, fragment in fragments(document)
            if fragment.charFormat().isAnchor()]


def copy_links(document: QTextDocument) -> list[str]:
    """The hrefs of the Copy links in code block headers."""
    return [fragment.charFormat().anchorHref() for block, fragment in fragments(document)
            if fragment.charFormat().isAnchor() and block.blockFormat().hasProperty(HEADER_PROPERTY)]


def make_view(qtbot) -> SafeTextView:
    view = SafeTextView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    return view


@pytest.fixture
def use_palette(qapp) -> Iterator[Callable[[bool], None]]:
    """Switch the application palette to a light or a dark one; the original comes back after."""
    original = QGuiApplication.palette()

    def use(dark: bool) -> None:
        palette = QPalette(original)
        for role, light_colour, dark_colour in (
                (QPalette.ColorRole.Base, "#ffffff", "#17181a"),
                (QPalette.ColorRole.Window, "#f6f7f9", "#202124"),
                (QPalette.ColorRole.Text, "#1f2023", "#e8eaed"),
                (QPalette.ColorRole.WindowText, "#1f2023", "#e8eaed")):
            palette.setColor(role, QColor(dark_colour if dark else light_colour))
        QApplication.setPalette(palette)

    use(False)
    yield use
    QApplication.setPalette(original)


# -- every construct ---------------------------------------------------------------------------


def test_headings_lists_tables_and_quotes_render(qapp) -> None:
    document = render_untrusted_markdown("\n\n".join([
        "# Title", "## Section", "- one\n- two", "1. first\n2. second",
        "| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n| 4 | 5 | 6 |", "> quoted words"]))
    by_text = {block.text(): block for block in blocks(document)}
    assert by_text["Title"].blockFormat().headingLevel() == 1
    assert by_text["Section"].blockFormat().headingLevel() == 2
    assert by_text["one"].textList().format().style() == by_text["two"].textList().format().style()
    assert by_text["one"].textList().format().style().name == "ListDisc"
    assert by_text["first"].textList().format().style().name == "ListDecimal"
    table = QTextCursor(by_text["5"]).currentTable()
    assert table is not None and (table.rows(), table.columns()) == (3, 3)
    assert by_text["quoted words"].blockFormat().intProperty(QTextFormat.Property.BlockQuoteLevel) == 1
    assert "#" not in document.toPlainText() and "|" not in document.toPlainText()


def test_inline_code_strikethrough_and_fenced_code_render(qapp) -> None:
    document = render_untrusted_markdown("use `x = 1` here, ~~gone~~ now\n\n```python\nprint(1)\n```")
    assert fragment_with(document, "x = 1").charFormat().fontFixedPitch()
    assert not fragment_with(document, "use").charFormat().fontFixedPitch()
    assert fragment_with(document, "gone").charFormat().fontStrikeOut()
    code = [block for block in blocks(document) if block.blockFormat().hasProperty(LANGUAGE)]
    assert [block.text() for block in code] == ["print(1)"]
    assert code[0].blockFormat().stringProperty(LANGUAGE) == "python"
    assert "`" not in document.toPlainText() and "~" not in document.toPlainText()


def test_links_keep_their_target_but_only_http_opens(qtbot, _no_real_browser: list[str]) -> None:
    view = make_view(qtbot)
    view.set_markdown("[site](https://example.org/a) and [file](file:///etc/passwd)")
    assert anchors(view.document()) == ["https://example.org/a", "file:///etc/passwd"]
    for href in anchors(view.document()):
        view.anchorClicked.emit(QUrl(href))
    assert _no_real_browser == ["https://example.org/a"]


# -- highlighting ------------------------------------------------------------------------------


def test_python_code_is_coloured_by_token(use_palette) -> None:
    document = render_untrusted_markdown(f"plain words\n\n```python\n{PYTHON}\n```")
    keyword, string = foreground(document, "def"), foreground(document, "'hello '")
    assert keyword is not None and string is not None
    assert keyword != string
    assert foreground(document, "plain words") is None
    plain_code = render_untrusted_markdown("```\nx\n```")
    assert "monospace" in fragment_with(plain_code, "x").charFormat().fontFamilies()
    assert fragment_with(document, "'hello '").charFormat().fontFamilies() == \
        fragment_with(plain_code, "x").charFormat().fontFamilies()  # still monospace
    code = [block for block in blocks(document) if block.blockFormat().hasProperty(LANGUAGE)]
    assert all(block.blockFormat().background().style() != Qt.BrushStyle.NoBrush for block in code)


def test_unknown_or_missing_language_is_not_coloured(use_palette) -> None:
    for fence in ("```nosuchlanguage", "```", "~~~"):
        document = render_untrusted_markdown(f"{fence}\n{PYTHON}\n{fence[:3]}")
        assert code_colours(document) == set()
        assert "def greet(name):" in document.toPlainText()


def test_dark_palette_gets_other_colours(use_palette) -> None:
    light = render_untrusted_markdown(f"```python\n{PYTHON}\n```")
    use_palette(True)
    dark = render_untrusted_markdown(f"```python\n{PYTHON}\n```")
    assert foreground(dark, "def") not in (None, foreground(light, "def"))
    assert code_colours(dark).isdisjoint(code_colours(light))
    background = [block.blockFormat().background().color().lightness()
                  for document in (light, dark) for block in blocks(document)
                  if block.blockFormat().hasProperty(LANGUAGE)]
    assert background[0] > 128 > background[-1]


def test_very_long_code_blocks_stay_plain_and_fast(qapp) -> None:
    code = "\n".join(f"x_{i} = 'value {i}'" for i in range(1500))  # over 20,000 characters
    started = time.perf_counter()
    document = render_untrusted_markdown(f"```python\n{code}\n```")
    assert time.perf_counter() - started < 2
    assert len(code) > 20_000 and code_colours(document) == set()


def test_theme_change_renders_the_shown_text_again(qtbot, use_palette) -> None:
    view = make_view(qtbot)
    view.set_markdown(f"```python\n{PYTHON}\n```")
    light = foreground(view.document(), "def")
    shown = view.document()
    palette = QPalette(view.palette())  # an unrelated change: no new rendering
    palette.setColor(QPalette.ColorRole.Text, QColor("#777777"))
    view.setPalette(palette)
    assert view.document() is shown
    use_palette(True)  # the view hears of it when events are processed
    qtbot.waitUntil(lambda: foreground(view.document(), "def") not in (None, light))
    use_palette(False)
    qtbot.waitUntil(lambda: foreground(view.document(), "def") == light)


def test_theme_change_while_streaming_and_after(qtbot, use_palette) -> None:
    view = make_view(qtbot)
    reply = "\n\n".join(["Some words here."] * 800 + [f"```python\n{PYTHON}\n```"])
    view.set_streaming_markdown(reply[:len(reply) // 2])
    light = view.document()
    use_palette(True)
    qtbot.waitUntil(lambda: view.document() is not light)  # rendered again while streaming
    view.set_streaming_markdown(reply)
    view.set_markdown(reply)
    dark = foreground(view.document(), "def")
    use_palette(False)
    qtbot.waitUntil(lambda: foreground(view.document(), "def") not in (None, dark))
    assert view.toPlainText().count("def greet") == 1


# -- the header and Copy -----------------------------------------------------------------------


def click_copy(view: SafeTextView, index: int = 0) -> None:
    view.anchorClicked.emit(QUrl(copy_links(view.document())[index]))


def test_header_shows_the_language_and_copy_copies_the_exact_code(
        qtbot, _no_real_browser: list[str]) -> None:
    view = make_view(qtbot)
    view.set_markdown(f"Here:\n\n```python\n{PYTHON}\n```\n\n```make\n{MAKEFILE}\n```\n\n```\nx\n```")
    assert [header.split()[0] for header in headers(view.document())] == ["python", "make", "code"]
    assert all(header.split()[-1] == "Copy" for header in headers(view.document()))
    click_copy(view, 0)
    assert QGuiApplication.clipboard().text() == PYTHON
    click_copy(view, 1)
    assert QGuiApplication.clipboard().text() == MAKEFILE
    click_copy(view, 2)
    assert QGuiApplication.clipboard().text() == "x"
    assert _no_real_browser == []
    assert "Copy" not in untrusted_plain_text(f"```python\n{PYTHON}\n```")  # Copy as text: no header


def test_clicking_the_copy_link_with_the_mouse_copies(qtbot) -> None:
    view = make_view(qtbot)
    view.set_markdown(f"```python\n{PYTHON}\n```")
    QGuiApplication.clipboard().setText("before")
    header = next(block for block in blocks(view.document())
                  if block.blockFormat().hasProperty(HEADER_PROPERTY))
    cursor = QTextCursor(header)
    cursor.setPosition(header.position() + header.text().index("Copy") + 2)
    where: QPoint = view.cursorRect(cursor).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert QGuiApplication.clipboard().text() == PYTHON


def test_adjacent_blocks_and_leading_blank_lines_are_kept_apart_and_exact(qtbot) -> None:
    view = make_view(qtbot)
    view.set_markdown("```python\na = 1\n```\n```python\n\n\nb = 2\n```")
    assert len(headers(view.document())) == 2
    click_copy(view, 1)
    assert QGuiApplication.clipboard().text() == "\n\nb = 2"


LONG_CODE = "\n".join(f"\tvalue_{i} = compute({i}, 'text')  # step {i}" for i in range(250))
LONG_REPLY = "\n\n".join(["A paragraph with enough words in it to take some room. " * 10] * 40
                         + [f"```python\n{LONG_CODE}\n```", f"```make\n{MAKEFILE}\n```", "The end."])


def test_copy_works_in_a_text_rendered_in_chunks(qtbot) -> None:
    assert len(LONG_REPLY) > 32_000 and len(LONG_CODE) > 8_000  # chunked; the block is cut
    view = make_view(qtbot)
    view.set_markdown(LONG_REPLY)
    assert [header.split()[0] for header in headers(view.document())] == ["python", "make"]
    click_copy(view, 0)
    assert QGuiApplication.clipboard().text() == LONG_CODE
    click_copy(view, 1)
    assert QGuiApplication.clipboard().text() == MAKEFILE


def test_copy_works_while_streaming_and_after(qtbot) -> None:
    view = make_view(qtbot)
    end = LONG_REPLY.index("```make")
    for stop in range(200, end, 1_111):
        view.set_streaming_markdown(LONG_REPLY[:stop])
    view.set_streaming_markdown(LONG_REPLY[:end])
    assert len(headers(view.document())) == 1
    click_copy(view)
    assert QGuiApplication.clipboard().text() == LONG_CODE
    view.set_streaming_markdown(LONG_REPLY)
    view.set_markdown(LONG_REPLY)
    whole = make_view(qtbot)
    whole.set_markdown(LONG_REPLY)
    assert view.toPlainText() == whole.toPlainText()
    click_copy(view, 1)
    assert QGuiApplication.clipboard().text() == MAKEFILE


def test_streaming_code_is_not_lexed_again_on_every_update(qtbot, monkeypatch) -> None:
    """A code block streaming in is lexed again only every RELEX_AFTER characters (not on every
    update), and the finished reply is coloured exactly, to its last token."""
    lexed: list[int] = []
    python = code_blocks._lexer("python")

    class CountingLexer:
        name = python.name

        def get_tokens_unprocessed(self, text: str):
            lexed.append(len(text))
            return python.get_tokens_unprocessed(text)

    monkeypatch.setattr(code_blocks, "_lexer", lambda language: CountingLexer())
    body = "".join(f"def f{i}(x):\n    return x * {i}\n" for i in range(60))
    reply = "Code:\n\n```python\n" + body + "last = 'end'\n```\n"
    view = make_view(qtbot)
    updates = range(20, len(reply), 5)
    for stop in updates:
        view.set_streaming_markdown(reply[:stop])
    assert len(lexed) < len(updates) / 5
    view.set_markdown(reply)
    assert foreground(view.document(), "'end'") is not None  # the last token has its colour


def test_a_forged_copy_link_copies_and_opens_nothing(qtbot, _no_real_browser: list[str]) -> None:
    guessed = "parley-copy-0123456789abcdef"
    view = make_view(qtbot)
    view.set_markdown(f"[copy](https://example.org) [me]({guessed}:0) [too]({COPY_SCHEME}:999999)"
                      f"\n\n```python\n{PYTHON}\n```")
    written = anchors(view.document())[1:3]  # the model's links, as the view would report them
    assert written == [f"{guessed}:0", f"{COPY_SCHEME}:999999"]
    real_id = copy_links(view.document())[0].split(":")[1]
    QGuiApplication.clipboard().setText("before")
    for href in [*written, f"{guessed}:{real_id}", f"parley-copy:{real_id}", real_id,
                 f"{COPY_SCHEME}:", f"{COPY_SCHEME}-x:{real_id}"]:
        view.anchorClicked.emit(QUrl(href))
    assert QGuiApplication.clipboard().text() == "before"
    assert _no_real_browser == []
    click_copy(view)  # the real one does copy
    assert QGuiApplication.clipboard().text() == PYTHON


def test_a_hostile_language_is_plain_text(qapp) -> None:
    document = render_untrusted_markdown('```<img src="/dev/zero"><b>x</b>' + "y" * 50 + "\ncode\n```")
    header = headers(document)[0]
    assert header.startswith("<img")
    assert len(header.split("   ")[0]) <= 30
    assert not any(fragment.charFormat().isImageFormat() for _, fragment in fragments(document))


def test_tabs_in_code_survive_the_markdown_parser(qapp) -> None:
    assert mark_code_blocks("```\n\tx\n```") != "```\n\tx\n```"
    document = render_untrusted_markdown(f"```make\n{MAKEFILE}\n```\n\n    indented\n    \tcode")
    texts = [block.text() for block in blocks(document) if block.blockFormat().hasProperty(LANGUAGE)]
    assert texts == ["all:", "\techo 'tabs stay tabs'", "indented", "\tcode"]


# -- math --------------------------------------------------------------------------------------


@pytest.mark.parametrize("latex, text", [
    (r"\alpha^2 + \beta_i", "α² + βᵢ"),
    (r"\frac{a+b}{2}", "(a+b)/2"),
    (r"\frac12", "1/2"),
    (r"\sqrt{x}", "√x"),
    (r"\sqrt{x+1}", "√(x+1)"),
    (r"\sqrt[3]{x}", "∛x"),
    (r"\sum_{i=1}^n x_i", "∑ᵢ₌₁ⁿ xᵢ"),
    (r"x_{max} \leq y^{(k)} + z_{bc}", "xₘₐₓ ≤ y⁽ᵏ⁾ + z_(bc)"),
    (r"\int_0^\infty e^{-x^2} \, dx", "∫₀^∞ e^(-x²) dx"),
    (r"\left( \frac{\partial f}{\partial x} \right)", "( ∂f/(∂x) )"),
    (r"\frac{-b \pm \sqrt{b^2 - 4ac}}{2a}", "(-b ± √(b² - 4ac))/(2a)"),
    (r"\frac{x_1}{\hat{y}}", "x₁/y\u0302"),
    (r"\text{if } x \in \mathbb{R}", "if x ∈ ℝ"),
    (r"\mathbf{v} \cdot \mathrm{d}\vec{s}", "v · ds\u20d7"),
    (r"\forall \epsilon > 0 \exists \delta", "∀ ε > 0 ∃ δ"),
    (r"a \neq b \approx c \pm d \times e \to \infty", "a ≠ b ≈ c ± d × e → ∞"),
    (r"\unknowncommand{x}", "unknowncommandx"),
])
def test_latex_becomes_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_math_delimiters() -> None:
    assert convert_math(r"so $\alpha^2 + \beta_i$.") == f"so {MATH_START}α² \\+ βᵢ{MATH_END}."
    assert convert_math("$$\\frac{a+b}{2}$$") == f"{DISPLAY_START}\\(a\\+b\\)\\/2{DISPLAY_END}"
    assert convert_math("$$\n\\sqrt{x}\n$$\n") == f"{DISPLAY_START}√x{DISPLAY_END}\n"
    for untouched in ["It costs $5 and $10.", "$5/$10", "a $ b $ c", "from $3 to $4,5",
                      r"\$x\$ is escaped", "`$x$` is code", "``a $x$ ` b``",
                      "```\n$x$\n```", "    $indented$ code", "$$a\n\nb$$", "$x\ny$"]:
        assert convert_math(untouched) == untouched, untouched
    assert convert_math("`$x$` but $y$") == f"`$x$` but {MATH_START}y{MATH_END}"


def test_math_output_cannot_make_markdown(qapp) -> None:
    converted = convert_math("$![x](/dev/zero) <b>*a*_b_ \\includegraphics{/dev/zero}$")
    document = render_untrusted_markdown(converted)
    assert not any(fragment.charFormat().isImageFormat() or fragment.charFormat().isAnchor()
                   or fragment.charFormat().fontWeight() > 400 for _, fragment in fragments(document))


def test_rendered_math_has_no_backslashes_and_is_italic(qtbot) -> None:
    reply = ("Euler: $e^{i\\pi} + 1 = 0$, and\n\n$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$\n\n"
             "Costs $5, code `$\\alpha$` stays.")
    view = make_view(qtbot)
    view.set_markdown(reply)
    text = view.toPlainText()
    assert "e^(iπ) + 1 = 0" in text and "∫₀¹ x dx = 1/2" in text and "Costs $5" in text
    assert "\\" not in text.replace("`$\\alpha$`", "").replace("$\\alpha$", "")
    assert fragment_with(view.document(), "e^(iπ)").charFormat().fontItalic()
    display = next(block for block in blocks(view.document()) if "∫" in block.text())
    assert display.blockFormat().alignment() & Qt.AlignmentFlag.AlignHCenter
    assert not any(ch in text for ch in MATH_START + MATH_END + DISPLAY_START + DISPLAY_END)


def test_private_markers_in_model_text_are_neutralised(qapp) -> None:
    document = render_untrusted_markdown(f"a{MATH_START}b{MATH_END}c ```\ue004\ue005")
    assert document.toPlainText() == "a\ufffdb\ufffdc ```\ufffd\ufffd"
    assert not fragment_with(document, "b").charFormat().fontItalic()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [
    "$\\" * 500_000, "$\\ " * 330_000, "$$a" * 330_000, "`$" * 500_000, "$x^2$ " * 170_000,
    "$" + "{" * 200_000 + "$", "$" + "\\frac" * 100_000 + "$", "\\$" * 500_000,
])
def test_math_conversion_is_fast_on_hostile_text(text: str) -> None:
    started = time.perf_counter()
    convert_math(text)
    assert time.perf_counter() - started < 5

"""Model text is untrusted: nothing is loaded from it, raw HTML is text, only http(s) opens."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from app.ui.safe_text import SafeTextView, open_link_if_safe, render_untrusted_markdown
from tests import reliability

ROOT = Path(__file__).resolve().parents[2]


def image_count(view: SafeTextView) -> int:
    document, count = view.document(), 0
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            count += fragments.fragment().charFormat().isImageFormat()
            fragments += 1
        block = block.next()
    return count


def test_images_become_text_and_markdown_still_renders(qtbot) -> None:
    view = SafeTextView()
    qtbot.addWidget(view)
    view.set_markdown("**bold** ![x](/etc/passwd)\n\n- item\n\n| a |\n|---|\n| ![y](/dev/zero) |")
    assert image_count(view) == 0
    text = view.toPlainText()
    assert "[image not loaded: /etc/passwd]" in text
    assert "[image not loaded: /dev/zero]" in text
    assert "bold" in text and "**" not in text and "item" in text


def test_images_become_text_in_long_and_streamed_text(qtbot) -> None:
    corpus = "\n\n".join(["![x](/etc/passwd) text", "| ![t](/dev/zero) |\n|---|", "- ![y](/x.png)"] * 400)
    view = SafeTextView()
    qtbot.addWidget(view)
    view.set_markdown(corpus)  # too long to render in one piece
    assert image_count(view) == 0
    assert view.toPlainText().count("[image not loaded: /dev/zero]") == 400
    for end in range(1, len(corpus), 997):
        view.set_streaming_markdown(corpus[:end])
        assert image_count(view) == 0
    assert "[image not loaded: /etc/passwd]" in view.toPlainText()


def test_raw_html_is_shown_as_text(qtbot) -> None:
    document = render_untrusted_markdown('<img src="/etc/passwd"> <b>x</b>')
    assert '<img src="/etc/passwd">' in document.toPlainText()
    assert "<b>x</b>" in document.toPlainText()


@pytest.mark.parametrize("url, opens", [
    ("https://example.org/page", True),
    ("http://example.org", True),
    ("file:///etc/passwd", False),
    ("javascript:alert(1)", False),
    ("data:text/html,hi", False),
    ("qrc:/x", False),
    ("parley-evil://x", False),
    ("relative/path", False),
    ("//server/share", False),
])
def test_only_http_links_open(qtbot, _no_real_browser: list[str], url: str, opens: bool) -> None:
    assert open_link_if_safe(QUrl(url)) is opens
    assert _no_real_browser == ([QUrl(url).toString()] if opens else [])


def test_clicking_a_link_never_navigates_the_view(qtbot, _no_real_browser: list[str]) -> None:
    view = SafeTextView()
    qtbot.addWidget(view)
    view.set_markdown("[a](file:///etc/passwd) [b](https://example.org)")
    before = view.toPlainText()
    view.anchorClicked.emit(QUrl("file:///etc/passwd"))
    view.anchorClicked.emit(QUrl("https://example.org"))
    assert view.toPlainText() == before
    assert view.source().isEmpty()
    assert _no_real_browser == ["https://example.org"]


@pytest.mark.skipif(shutil.which("strace") is None or not sys.platform.startswith("linux"),
                    reason="needs strace to watch file access")
def test_hostile_corpus_loads_no_file(tmp_path: Path) -> None:
    """Every path named in the corpus exists and is watched: none may be opened or even probed."""
    for name in ("secret.png", "secret-url.png", "secret-html.png", "secret-table.png",
                 "secret-lang.png", "secret-code.png", "secret-math.png", "secret-title.png"):
        (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    trace = tmp_path / "trace.txt"
    result = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=%file", "-o", str(trace),
         sys.executable, str(ROOT / "tests/ui/hostile_render.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = re.search(r"rendered (\d+) hostile texts", result.stdout)
    assert rendered, result.stdout
    reliability.record("hostile_inputs", int(rendered.group(1)))
    touched = [line for line in trace.read_text().splitlines()  # (not Python's secrets.py)
               if re.search(r"secret[-.]", line) or "/dev/zero" in line or "/etc/passwd" in line]
    assert touched == []

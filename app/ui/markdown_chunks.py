"""Where untrusted Markdown may be cut into independently rendered chunks, and what each may cost.

Qt renders Markdown in time that grows faster than the text for some inputs (a long line with
no break opportunity, tables and lists with thousands of rows, emphasis delimiter runs), and
re-rendering a whole streaming reply every frame grows with the reply. So a text that is not
plainly cheap (``fits_whole``) is cut into chunks of bounded size, each rendered on its own and
appended once; a chunk that could still be slow is shown as plain text. Pure Python, no Qt
(``cap_note`` imports the translation function only when it is called).

The cuts are *prefix-stable*: a cut found in a prefix of a text is a cut of every longer text.
So a reply streamed in pieces ends as the same chunks as the whole reply cut at once, and only
the unsettled rest after the last cut needs rendering again as more text arrives. Cuts are made:

- before a line that starts at column 0 after a blank line, outside a fenced code block (known
  from its first character; every other cut waits for the line to be complete);
- once a chunk is ``SOFT_CHUNK`` long, before the next line that starts at column 0 (not a table
  row or setext underline), or before any line inside a code block;
- once a chunk is ``HARD_CHUNK`` long, before any line;
- inside a line longer than ``LONG_LINE``, every ``LONG_LINE`` characters (after a space if
  there is one near).

A code block cut in two is closed at the end of the first chunk and reopened in the next.

``source_lines`` tells which lines of a Markdown source are code, for the passes that rewrite the
source before Qt parses it (math in ``math_text``, tabs and block starts in ``code_blocks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

SOFT_CHUNK = 2_000
HARD_CHUNK = 8_000
LONG_LINE = 4_000
RUN_LIMIT = 1_000        # longest run without whitespace still rendered as Markdown
CHUNK_LINES = 300        # more lines in one chunk are shown as plain text (tables are quadratic)
WHOLE_LIMIT = 32_000     # texts up to this size (and within the limits above) render in one piece
WHOLE_LINES = 600
MARKDOWN_LIMIT = 100_000  # chunks starting after this are plain text
DISPLAY_LIMIT = 200_000   # characters shown at most; the rest is summarized in a note
DISPLAY_LINES = 5_000     # lines shown at most (each costs layout time however short it is)

_FENCE = re.compile(r"\s*(`{3,}|~{3,})")
_SETEXT = re.compile(r" {0,3}(=+|-+)\s*$")


def longest_run(text: str) -> int:
    """The length of the longest run of characters without whitespace (linear)."""
    return max(map(len, text.split()), default=0)


def fits_whole(text: str) -> bool:
    """Whether ``text`` is small and tame enough to render as one Markdown document."""
    return (len(text) <= WHOLE_LIMIT and text.count("\n") <= WHOLE_LINES
            and longest_run(text) <= RUN_LIMIT)


def display_end(text: str) -> int:
    """How much of ``text`` is shown: at most DISPLAY_LIMIT characters and DISPLAY_LINES lines."""
    end = min(len(text), DISPLAY_LIMIT)
    if text.count("\n", 0, end) > DISPLAY_LINES:
        end = -1
        for _ in range(DISPLAY_LINES):
            end = text.find("\n", end + 1)
        end += 1
    return end


def format_size(characters: int) -> str:
    """A text length for people: ``200 KB``, ``1.0 MB``."""
    if characters >= 1_000_000:
        return f"{characters / 1_000_000:.1f} MB"
    return f"{max(1, round(characters / 1000))} KB"


def cap_note(shown: int, total: int) -> str:
    """The line shown under a text cut to its first ``shown`` characters."""
    from app.ui.i18n import translate  # here, so that importing this module needs no Qt

    return translate("MarkdownChunks", "Showing the first {shown} of {total}; Copy gets all of it."
                     ).format(shown=format_size(shown), total=format_size(total))


class SourceLine(NamedTuple):
    """A line of Markdown source, and whether (and how) it belongs to a code block."""

    text: str        # the line, with its line break if it has one
    code: bool       # a line of a code block, its fence lines included
    structure: int   # for code: columns of indentation that are block structure, not code
    #                  (-1: not known, for a fence line or code inside a quote or list item)
    first: bool      # the first line inside a fenced code block


_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_FENCE_START = re.compile(r"`{3,}|~{3,}")


def _columns(whitespace: str) -> int:
    """How many columns a run of spaces and tabs is wide (tab stops every 4 columns)."""
    column = 0
    for char in whitespace:
        column = column + 4 - column % 4 if char == "\t" else column + 1
    return column


def source_lines(text: str) -> Iterator[SourceLine]:
    """The lines of ``text``, each marked as code or not, in one pass (linear time).

    Fenced code blocks are found as CommonMark does at the top level; a fence after quote markers
    or a list marker also opens one (its lines' structure is then unknown), and for a quoted one
    the first line without ``>`` closes it. Indented code is a line indented 4 columns or more
    after a blank line (or another indented code line) outside a list; inside a list such a line
    is taken as a list paragraph. Blank lines are not code unless inside a fence."""
    fence: tuple[str, int, int, bool] | None = None  # char, length, structure, quoted
    first = indented = in_list = False
    blank_before = True
    lines = text.split("\n")
    for number, line in enumerate(lines):
        full = line if number == len(lines) - 1 else line + "\n"
        if not full:
            break
        prefix_end = len(line) - len(line.lstrip(" \t>"))
        quoted = ">" in line[:prefix_end]
        blank = not line.strip()
        if fence is not None and (quoted or not fence[3]):
            char, length, structure, in_quote = fence
            rest = (line[prefix_end:] if in_quote else line).strip()
            closes = len(rest) >= length and rest == char * len(rest)
            yield SourceLine(full, True, -1 if closes else structure, first and not closes)
            fence = None if closes else fence
            first, blank_before = False, blank
            continue
        fence = None
        indent = -1 if quoted else _columns(line[:prefix_end])
        if blank:
            yield SourceLine(full, False, -1, False)
            blank_before = True
            continue
        if indent >= 4 and (blank_before or indented) and not in_list:
            indented, blank_before = True, False
            yield SourceLine(full, True, 4, False)
            continue
        item = _LIST_ITEM.match(line, prefix_end) if 0 <= indent <= 3 else None
        if item:
            in_list = True
        elif indent == 0 and blank_before:
            in_list = False
        indented = blank_before = False
        opening = _FENCE_START.match(line, item.end() if item else prefix_end)
        if opening and not (opening.group()[0] == "`" and "`" in line[opening.end():]):
            simple = not quoted and not item and indent <= 3
            fence = (opening.group()[0], len(opening.group()), indent if simple else -1, quoted)
            first = True
        yield SourceLine(full, fence is not None, -1, False)


@dataclass(frozen=True)
class Chunk:
    """``text[start:end]``, with a fence line before (``opener``) or after (``closer``) when it
    starts or ends inside a code block."""

    start: int
    end: int
    opener: str = ""
    closer: str = ""

    def source(self, text: str) -> str:
        """The Markdown this chunk renders."""
        return self.opener + text[self.start:self.end] + self.closer

    def is_markdown(self, text: str) -> bool:
        """Whether the chunk is cheap enough to render as Markdown (else it is plain text)."""
        body = text[self.start:self.end]
        return (self.start < MARKDOWN_LIMIT and body.count("\n") <= CHUNK_LINES
                and longest_run(body) <= RUN_LIMIT)


class ChunkSplitter:
    """Finds the settled chunks of a growing text, scanning each character about once."""

    def __init__(self) -> None:
        self.settled: list[Chunk] = []
        self._start = 0       # where the unsettled chunk starts
        self._opener = ""     # the fence line it reopens, if it starts inside a code block
        self._line = 0        # where the first incomplete line starts
        self._piece = 0       # where the current piece of a long line starts
        self._searched = 0    # where to look for the next newline (none before, after _line)
        self._decided = False  # whether a cut before the current line has been considered
        self._blank = False   # whether the previous line was blank
        self._has_text = False  # whether the unsettled chunk has a line that is not blank
        self._fence: tuple[str, int, str] | None = None  # open code block: char, length, line

    def tail(self, text: str) -> Chunk:
        """The unsettled rest of ``text`` as a chunk."""
        return Chunk(self._start, len(text), self._opener)

    def feed(self, text: str) -> list[Chunk]:
        """Cut what ``text`` (the text fed before, plus more) allows; the new chunks."""
        first_new = len(self.settled)
        while True:
            newline = text.find("\n", max(self._searched, self._line))
            complete = newline >= 0
            line_end = newline if complete else len(text)
            self._searched = line_end
            long = line_end - self._line > LONG_LINE
            if not (complete or long):
                # A new block after a blank line is known by its first character.
                if not self._decided and line_end > self._line and self._block_starts(text):
                    self._decided = True
                    self._cut(text, self._line)
                break
            line = None if long else text[self._line:line_end]
            if not self._decided:
                self._decided = True
                if self._block_starts(text) or self._cut_before(line):
                    self._cut(text, self._line)
            if long:
                self._cut_long_line(text, line_end)
            if not complete:
                break
            if line is not None:
                self._track_fence(line)
            self._blank = line is not None and not line.strip()
            self._has_text = self._has_text or not self._blank
            self._line = self._piece = newline + 1
            self._decided = False
        return self.settled[first_new:]

    def _block_starts(self, text: str) -> bool:
        """Whether the current line starts a block at column 0 after a blank line (a cut)."""
        return (self._blank and self._fence is None and self._has_text
                and self._line > self._start and not text[self._line].isspace())

    def _cut_before(self, line: str | None) -> bool:
        """Whether to cut before the current line (``None``: a long line, so nothing special)."""
        size = self._line - self._start
        if size <= 0:
            return False
        starts_flush = line is None or (line[:1].strip() != "")
        if self._fence is not None:
            closes = line is not None and self._closes_fence(line)
            return size >= SOFT_CHUNK and not closes
        if size >= HARD_CHUNK:
            return True
        return (size >= SOFT_CHUNK and starts_flush and line is not None
                and not line.startswith("|") and not _SETEXT.match(line))

    def _cut_long_line(self, text: str, line_end: int) -> None:
        """Cut a line longer than LONG_LINE into pieces, as far as its text has arrived."""
        while line_end - self._piece > LONG_LINE:
            window_start = self._piece + LONG_LINE // 2
            space = max(text.rfind(" ", window_start, self._piece + LONG_LINE),
                        text.rfind("\t", window_start, self._piece + LONG_LINE))
            self._piece = space + 1 if space >= 0 else self._piece + LONG_LINE
            if self._piece - self._start >= SOFT_CHUNK:
                self._cut(text, self._piece)

    def _cut(self, text: str, position: int) -> None:
        closer = opener = ""
        if self._fence is not None:
            char, length, line = self._fence
            closer = ("" if text[position - 1] == "\n" else "\n") + char * length + "\n"
            opener = line + "\n"
        self.settled.append(Chunk(self._start, position, self._opener, closer))
        self._start, self._opener = position, opener
        self._has_text = text[position - 1] != "\n"  # cut inside a line

    def _closes_fence(self, line: str) -> bool:
        assert self._fence is not None
        char, length, _ = self._fence
        stripped = line.strip()
        return len(stripped) >= length and stripped == char * len(stripped)

    def _track_fence(self, line: str) -> None:
        if self._fence is not None:
            if self._closes_fence(line):
                self._fence = None
            return
        match = _FENCE.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in line[match.end():]):
            self._fence = (match.group(1)[0], len(match.group(1)), line.strip())

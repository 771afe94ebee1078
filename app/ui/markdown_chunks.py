"""Where untrusted Markdown may be cut into independently rendered chunks, and what each may cost.

Qt renders Markdown in time that grows faster than the text for some inputs (a long line with
no break opportunity, tables and lists with thousands of rows, emphasis delimiter runs), and
re-rendering a whole streaming reply every frame grows with the reply. So a text that is not
plainly cheap (``fits_whole``) is cut into chunks of bounded size, each rendered on its own and
appended once; a chunk that could still be slow is shown as plain text. Pure Python, no Qt.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    return f"Showing the first {format_size(shown)} of {format_size(total)}; Copy gets all of it."


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

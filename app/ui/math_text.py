"""TeX math in untrusted Markdown, shown as readable Unicode text instead of raw LaTeX.

Parley has no math typesetter, and model replies are full of ``$\\alpha^2$`` and
``$$\\frac{a+b}{2}$$``. So before Qt parses the Markdown, each formula is converted to plain
Unicode (Greek letters, operators, super- and subscript characters where Unicode has them,
``a/b`` for fractions, ``√x`` for roots) and put back in the source with every ASCII punctuation
character backslash-escaped, so that Markdown shows it literally (no emphasis, link, image or
HTML can come out of a formula). The converted formula is wrapped in private-use marker
characters (``MATH_START``/``MATH_END``, ``DISPLAY_START``/``DISPLAY_END``) which the renderer
(``untrusted_markdown``) turns into italic text and removes; callers must first replace any such
characters in the model's own text (``MARKERS``).

Delimiters follow pandoc's ``tex_math_dollars`` so prices are left alone: an inline ``$`` must
be followed by a non-space; the closing ``$`` must follow a non-space, must not be followed by a
digit, and must be on the same line (``$5 and $10`` is text). ``$$...$$`` may span lines but not
a blank line. ``\\$`` is a literal dollar. Nothing inside code spans or code blocks is touched.

Everything is linear in the length of the text (up to a logarithm): code spans and candidate closing
delimiters are listed once per paragraph and found by bisection, and the LaTeX parser's nesting
is bounded.
Pure Python, no Qt.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator

from app.ui.markdown_chunks import source_lines

MATH_START, MATH_END = "\ue000", "\ue001"        # around converted inline math
DISPLAY_START, DISPLAY_END = "\ue002", "\ue003"  # around converted display math
MARKERS = MATH_START + MATH_END + DISPLAY_START + DISPLAY_END

MAX_FORMULA = 10_000  # longer "formulas" are left as text
_MAX_DEPTH = 40       # deeper nesting of groups and arguments is flattened

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPECIAL = re.compile(r"[\\`$]")
_BACKTICKS = re.compile(r"`+")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\\|\s+|.", re.DOTALL)
_SPACES = re.compile(r"\s+")

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "varpi": "ϖ",
    "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}

SYMBOLS = {
    **GREEK,
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆",
    "circ": "∘", "bullet": "•", "oplus": "⊕", "otimes": "⊗", "odot": "⊙",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "equiv": "≡", "sim": "∼", "simeq": "≃", "cong": "≅", "propto": "∝", "ll": "≪", "gg": "≫",
    "prec": "≺", "succ": "≻", "mid": "∣", "parallel": "∥", "perp": "⊥", "models": "⊨",
    "infty": "∞", "partial": "∂", "nabla": "∇", "hbar": "ℏ", "ell": "ℓ", "Re": "ℜ", "Im": "ℑ",
    "aleph": "ℵ", "emptyset": "∅", "varnothing": "∅", "angle": "∠", "degree": "°",
    "prime": "′", "dagger": "†", "checkmark": "✓",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "leftrightarrow": "↔",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔", "implies": "⟹", "iff": "⟺",
    "mapsto": "↦", "uparrow": "↑", "downarrow": "↓", "longrightarrow": "⟶",
    "longleftarrow": "⟵", "hookrightarrow": "↪",
    "sum": "∑", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬", "iiint": "∭", "oint": "∮",
    "bigcup": "⋃", "bigcap": "⋂",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃",
    "supseteq": "⊇", "cup": "∪", "cap": "∩", "setminus": "∖", "forall": "∀", "exists": "∃",
    "nexists": "∄", "neg": "¬", "lnot": "¬", "land": "∧", "wedge": "∧", "lor": "∨", "vee": "∨",
    "top": "⊤", "bot": "⊥", "vdash": "⊢",
    "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "lvert": "|", "rvert": "|", "vert": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖",
    "quad": " ", "qquad": " ", "enspace": " ", "space": " ",
    # Drawn with no symbol of their own: sizes and spacing.
    "left": "", "right": "", "big": "", "Big": "", "bigg": "", "Bigg": "", "bigl": "",
    "bigr": "", "Bigl": "", "Bigr": "", "displaystyle": "", "textstyle": "", "limits": "",
    "nolimits": "", "nonumber": "", "notag": "", "middle": "",
}
_ORDINARY = frozenset(GREEK.values()) | frozenset("∂∇∞ℏℓℜℑℵ∅")  # letter-like symbols
_ESCAPES = {",": " ", ":": " ", ";": " ", " ": " ", "!": "", "\\": " ", "|": "‖"}
_TEXT_COMMANDS = frozenset({
    "text", "textrm", "textbf", "textit", "textsf", "texttt", "textnormal", "emph", "mbox",
    "hbox", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathscr", "mathfrak",
    "mathnormal", "boldsymbol", "bm", "operatorname", "pmb"})
_DOUBLE_STRUCK = {"N": "ℕ", "Z": "ℤ", "Q": "ℚ", "R": "ℝ", "C": "ℂ", "P": "ℙ", "H": "ℍ",
                  "E": "𝔼", "1": "𝟙"}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
            "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "tilde": "\u0303",
            "widetilde": "\u0303", "underline": "\u0332", "acute": "\u0301", "grave": "\u0300"}
_FRACTIONS = frozenset({"frac", "dfrac", "tfrac", "cfrac"})
_ENVIRONMENTS = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "Bmatrix": ("{", "}"),
                 "vmatrix": ("|", "|"), "Vmatrix": ("‖", "‖"), "cases": ("{ ", "")}

SUPERSCRIPTS = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ′″∘*†",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ′″°*†", strict=True))
SUBSCRIPTS = dict(zip(
    "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))


_SCRIPT_CHARS = frozenset(SUPERSCRIPTS.values()) | frozenset(SUBSCRIPTS.values())


# -- LaTeX to Unicode --------------------------------------------------------------------------


def latex_to_unicode(latex: str) -> str:
    """``latex`` (the inside of a formula) as plain Unicode text, on one line."""
    parser = _Parser(_TOKEN.findall(latex))
    return _SPACES.sub(" ", parser.sequence(0, closing=False)).strip()


class _Parser:
    """A recursive-descent reading of TeX tokens; nesting deeper than ``_MAX_DEPTH`` is read
    flat, so hostile input cannot exhaust the stack, and each token is read once."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def sequence(self, depth: int, closing: bool) -> str:
        """Tokens up to the ``}`` closing a group (``closing``) or to the end."""
        out: list[str] = []
        while self.at < len(self.tokens):
            token = self.tokens[self.at]
            if token == "}":
                self.at += 1
                if closing:
                    break
                continue  # an unbalanced brace
            if token in ("^", "_"):
                self.at += 1
                table, mark = (SUPERSCRIPTS, "^") if token == "^" else (SUBSCRIPTS, "_")
                out.append(_script(self.argument(depth + 1), table, mark))
            else:
                out.append(self.atom(depth))
        return "".join(out)

    def argument(self, depth: int) -> str:
        """The next argument of a command or script: a group, a command or one character."""
        while self.at < len(self.tokens) and self.tokens[self.at].isspace():
            self.at += 1
        if self.at >= len(self.tokens) or self.tokens[self.at] == "}":
            return ""
        return self.atom(depth, glue=False)

    def atom(self, depth: int, glue: bool = True) -> str:
        """One token, group or command (with its arguments); ``glue``: as part of a product, so
        a letter-like symbol takes the letter after it without a space."""
        token = self.tokens[self.at]
        self.at += 1
        if token == "{":
            return self.sequence(depth + 1, closing=True) if depth < _MAX_DEPTH else ""
        if token.isspace() or token in "&~":
            return " "
        if token == "'":
            return "′"
        if not token.startswith("\\"):
            return token
        name = token[1:]
        if not name:
            return ""
        if not name[0].isalpha():
            return _ESCAPES.get(name, name)
        if depth >= _MAX_DEPTH:
            return SYMBOLS.get(name, name)
        text = self.command(name, depth + 1)
        if glue and text in _ORDINARY:
            self._glue()
        return text

    def command(self, name: str, depth: int) -> str:
        if name in SYMBOLS:
            if name in ("left", "right", "middle") and self._next_is("."):
                self.at += 1
            return SYMBOLS[name]
        if name in _FRACTIONS:
            numerator = _grouped(self.argument(depth), _is_product)
            return f"{numerator}/{_grouped(self.argument(depth), _is_factor)}"
        if name == "binom":
            top = self.argument(depth)
            return f"C({top.strip()}, {self.argument(depth).strip()})"
        if name == "sqrt":
            index = self._optional(depth)
            radicand = _grouped(self.argument(depth), _is_factor)
            root = {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(index)
            return (root or _script(index, SUPERSCRIPTS, "^") + "√") + radicand
        if name in _TEXT_COMMANDS:
            return self.argument(depth)
        if name == "mathbb":
            content = self.argument(depth)
            return "".join(_DOUBLE_STRUCK.get(char, char) for char in content)
        if name in _ACCENTS:
            content = self.argument(depth)
            return content + _ACCENTS[name] if len(content) == 1 else content
        if name in ("begin", "end"):
            environment = self.argument(depth)
            brackets = _ENVIRONMENTS.get(environment.rstrip("*"), ("", ""))
            return brackets[0] if name == "begin" else brackets[1]
        return name

    def _glue(self) -> None:
        """Drop the space after a letter-like symbol before a letter or digit (TeX ignores it):
        ``\\partial f`` is ``∂f``, while ``\\alpha + 1`` keeps its spaces."""
        at = self.at
        if at + 1 < len(self.tokens) and self.tokens[at].isspace():
            following = self.tokens[at + 1]
            if following.isalnum() or SYMBOLS.get(following[1:]) in _ORDINARY:
                self.at += 1

    def _next_is(self, token: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at] == token

    def _optional(self, depth: int) -> str:
        """An optional ``[...]`` argument (read flat: no groups inside)."""
        if not self._next_is("["):
            return ""
        self.at += 1
        out: list[str] = []
        while self.at < len(self.tokens) and self.tokens[self.at] != "]":
            out.append(self.atom(depth))
        self.at += 1
        return "".join(out).strip()


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` as super- or subscript characters, or ``^x`` / ``^(text)`` if some have none."""
    compact = text.replace(" ", "")
    if not compact:
        return ""
    if all(char in table for char in compact):
        return "".join(table[char] for char in compact)
    return mark + compact if len(compact) == 1 else f"{mark}({text.strip()})"


def _grouped(text: str, simple: Callable[[str], bool]) -> str:
    """``text`` as an operand: as it is if ``simple``, else in parentheses."""
    text = text.strip()
    return text if simple(text) else f"({text})"


def _is_product(text: str) -> bool:
    """Whether ``text`` has no operator or space (letters, digits, letter-like symbols)."""
    return all(char.isalnum() or char in _ORDINARY or unicodedata.combining(char) for char in text)


def _is_factor(text: str) -> bool:
    """Whether ``text`` is one number, or one symbol with accents and scripts."""
    core = [char for char in text if not (unicodedata.combining(char) or char in _SCRIPT_CHARS)]
    return len(core) <= 1 or text.isdigit()


# -- finding math in Markdown ------------------------------------------------------------------


def convert_math(markdown: str) -> str:
    """``markdown`` with each ``$...$`` and ``$$...$$`` formula outside code converted to
    escaped Unicode text between marker characters (see the module's docstring)."""
    if "$" not in markdown:
        return markdown
    out: list[str] = []
    for verbatim, text in _blocks(markdown):
        out.append(text if verbatim or "$" not in text else _convert_paragraph(text))
    return "".join(out)


def _blocks(markdown: str) -> Iterator[tuple[bool, str]]:
    """The source cut into paragraphs (runs of lines with no blank line) and, one by one, the
    lines to keep as they are (code and blank lines), each marked as one or the other."""
    run: list[str] = []
    verbatim = False
    for line in source_lines(markdown):
        keep = line.code or not line.text.strip()
        if run and (keep or verbatim):
            yield verbatim, "".join(run)
            run = []
        run.append(line.text)
        verbatim = keep
    if run:
        yield verbatim, "".join(run)


def _convert_paragraph(text: str) -> str:
    """One paragraph with its formulas converted (code spans and escapes kept as they are)."""
    spans = _code_spans(text)
    closers = _outside([m.start() for m in re.finditer(r"\$", text) if _can_close(text, m.start())],
                       spans)
    out: list[str] = []
    at = 0
    display_closers_left = True  # False once a search for a closing $$ found none
    while True:
        special = _SPECIAL.search(text, at)
        if special is None:
            out.append(text[at:])
            return "".join(out)
        start = special.start()
        out.append(text[at:start])
        char = text[start]
        if char == "\\":
            at = start + 2
            out.append(text[start:at])
        elif char == "`":
            at = spans.get(start) or _BACKTICKS.match(text, start).end()  # type: ignore[union-attr]
            out.append(text[start:at])
        elif text.startswith("$$", start):
            end = _display_end(text, start) if display_closers_left else -1
            display_closers_left = end >= 0
            if end == start + 2:  # $$$$: no formula
                out.append("$$$$")
                at = end + 2
            elif end < 0 or end - start > MAX_FORMULA:
                out.append("$$")
                at = start + 2
            else:
                out.append(_formula(text[start + 2:end], DISPLAY_START, DISPLAY_END))
                at = end + 2
        else:
            end = _inline_end(text, start, closers)
            if end < 0:
                out.append("$")
                at = start + 1
            else:
                out.append(_formula(text[start + 1:end], MATH_START, MATH_END))
                at = end + 1


def _code_spans(text: str) -> dict[int, int]:
    """The code spans of a paragraph, as CommonMark finds them: start -> end.

    A run of backticks (its first one unless escaped) opens a span that the next run of the
    same length closes; runs are indexed by length, so each is looked at about once."""
    runs = list(_BACKTICKS.finditer(text))
    by_length: dict[int, list[int]] = {}
    for run in runs:
        by_length.setdefault(len(run.group()), []).append(run.start())
    spans: dict[int, int] = {}
    covered = 0  # the end of the last span
    for run in runs:
        start, end = run.span()
        if start < covered:
            continue
        backslashes = 0
        while start - backslashes > 0 and text[start - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2:  # the first backtick is escaped
            start += 1
        same = by_length.get(end - start, [])
        found = bisect_left(same, end)
        if start < end and found < len(same):
            covered = spans[start] = same[found] + end - start
    return spans


def _outside(positions: list[int], spans: dict[int, int]) -> list[int]:
    """The sorted ``positions`` that are in no span (both sorted: one merge-like pass)."""
    kept: list[int] = []
    ordered = iter(sorted(spans.items()))
    span = next(ordered, None)
    for position in positions:
        while span is not None and span[1] <= position:
            span = next(ordered, None)
        if span is None or position < span[0]:
            kept.append(position)
    return kept


def _can_close(text: str, index: int) -> bool:
    """Whether the ``$`` at ``index`` may close inline math (pandoc's rule)."""
    before = text[index - 1] if index else " "
    after = text[index + 1:index + 2]
    return not before.isspace() and before != "\\" and not after.isdigit()


def _inline_end(text: str, start: int, closers: list[int]) -> int:
    """Where the ``$`` closing inline math opened at ``start`` is, or -1."""
    after = text[start + 1:start + 2]
    if not after or after.isspace():
        return -1
    found = bisect_left(closers, start + 2)
    if found == len(closers):
        return -1
    end = closers[found]
    newline = text.find("\n", start, end)
    return end if newline < 0 and end - start <= MAX_FORMULA else -1


def _display_end(text: str, start: int) -> int:
    """Where the ``$$`` after the display math opened at ``start`` is, or -1 if none follows."""
    end = text.find("$$", start + 2)
    while end > 0 and text[end - 1] == "\\":
        end = text.find("$$", end + 1)
    return end


def _formula(latex: str, start: str, end: str) -> str:
    return start + _PUNCTUATION.sub(r"\\\1", latex_to_unicode(latex)) + end

"""The one exception type whose message is shown to users as it is.

Every failure a user can cause (a bad file, a missing model, a damaged database) is raised
as a ``ParleyError`` whose text is one sentence saying what happened and what to do.
Anything else is a bug: it is logged with its traceback and shown as a generic sentence.

The sentence is translatable without Qt here: it is raised as an English template marked with
``QT_TRANSLATE_NOOP("Errors", ...)`` plus named values::

    raise ParleyError(QT_TRANSLATE_NOOP("Errors", "Cannot write {path}; choose another file."),
                      path=path)

``str(error)`` is the English sentence (the command line and the log); the GUI shows
``error.shown(QCoreApplication.translate)``, the template translated and then filled in. A
value may itself be a ``Phrase`` (a piece of the sentence chosen at run time, with its own
template) or a ``ParleyError``; they are translated the same way.

Other user-facing text built in core (notes, warnings, the facts about a model) is a ``Phrase``
in the same way, or a ``Joined`` list of them, so core stays free of Qt while the GUI shows it
translated and the command line prints ``str()``, the English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from app.core.i18n import QT_TRANSLATE_NOOP

ERRORS_CONTEXT = "Errors"  # the translation context of every error template

Translate = Callable[[str, str], str]  # (context, source text) -> text, like QCoreApplication.translate


def _filled(template: str, values: Mapping[str, object], translate: Translate | None) -> str:
    """``template`` (translated when ``translate`` is given) with ``values`` put in."""
    if translate is None:
        return template.format(**values) if values else template
    shown = {name: _piece(value, translate) for name, value in values.items()}
    translated = translate(ERRORS_CONTEXT, template)
    if not values:
        return translated
    try:
        return translated.format(**shown)
    except (KeyError, IndexError, ValueError):  # a broken translation: the English is still right
        return template.format(**shown)


def _piece(value: object, translate: Translate | None) -> object:
    """A value as it is put into a sentence: phrases and errors translated, the rest as it is."""
    return value.shown(translate) if isinstance(value, Phrase | ParleyError) else value


class Phrase:
    """A translatable piece of user-facing text built at run time (a piece of an error sentence,
    a note, a warning, a line of facts): a template marked with ``QT_TRANSLATE_NOOP("Errors",
    ...)`` and its named values. ``str()`` gives the English."""

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values

    def shown(self, translate: Translate | None = None) -> str:
        """The piece, translated by ``translate(ERRORS_CONTEXT, template)`` when given."""
        return _filled(self.template, self.values, translate)

    def __str__(self) -> str:
        return self.shown()

    def __repr__(self) -> str:
        return f"Phrase({self.template!r}, **{self.values!r})"


class Joined(Phrase):
    """Phrases (or plain values) shown one after another with ``separator`` between them, each
    translated on its own: "Name: x · License: y", or a note followed by a warning."""

    def __init__(self, separator: str, parts: Iterable[object]) -> None:
        super().__init__("")
        self.separator = separator
        self.parts = tuple(parts)

    def shown(self, translate: Translate | None = None) -> str:
        """The parts, each translated by ``translate`` when given, joined by the separator."""
        return self.separator.join(str(_piece(part, translate)) for part in self.parts)

    def __repr__(self) -> str:
        return f"Joined({self.separator!r}, {self.parts!r})"


class ParleyError(Exception):
    """A failure with a user-facing, one-sentence explanation.

    ``template`` is the English sentence with ``{named}`` fields filled from ``values`` (a
    template without values is used as it is, braces and all).
    """

    def __init__(self, template: str = "", /, **values: object) -> None:
        self.template = template
        self.values = values
        super().__init__(_filled(template, values, None))

    def shown(self, translate: Translate | None = None) -> str:
        """The sentence to show: the template translated by ``translate(ERRORS_CONTEXT, template)``
        when given (``QCoreApplication.translate`` in the GUI), then filled with the values."""
        return _filled(self.template, self.values, translate)


class StoreError(ParleyError):
    """The conversation database cannot be opened or written."""


def user_message(error: BaseException, translate: Translate | None = None) -> str:
    """The sentence to show for ``error``: its own text for ParleyError, else a generic one;
    translated when ``translate`` is given."""
    if isinstance(error, ParleyError):
        return error.shown(translate)
    if isinstance(error, MemoryError):
        return Phrase(QT_TRANSLATE_NOOP(
            "Errors", "There is not enough memory for this; close other programs or choose a "
                      "smaller model.")).shown(translate)
    return Phrase(QT_TRANSLATE_NOOP(
        "Errors", "Something unexpected went wrong ({kind}: {error}); your conversations are "
                  "safe, and details are in the log."),
        kind=type(error).__name__, error=error).shown(translate)

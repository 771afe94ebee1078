"""The one exception type whose message is shown to users as it is.

Every failure a user can cause (a bad file, a missing model, a damaged database) is raised
as a ``ParleyError`` whose text is one sentence saying what happened and what to do.
Anything else is a bug: it is logged with its traceback and shown as a generic sentence.
"""


class ParleyError(Exception):
    """A failure with a user-facing, one-sentence explanation."""


class StoreError(ParleyError):
    """The conversation database cannot be opened or written."""


def user_message(error: BaseException) -> str:
    """The sentence to show for ``error``: its own text for ParleyError, else a generic one."""
    if isinstance(error, ParleyError):
        return str(error)
    if isinstance(error, MemoryError):
        return "There is not enough memory for this; close other programs or choose a smaller model."
    return (
        f"Something unexpected went wrong ({type(error).__name__}: {error}); "
        "your conversations are safe, and details are in the log."
    )

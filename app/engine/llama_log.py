"""Routing llama.cpp's own log into Python logging, and keeping its recent errors.

llama.cpp explains failures (a truncated tensor, an unknown architecture, out of memory) only
in its log; the engine quotes the last error line when a load fails.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections import deque

import llama_cpp

log = logging.getLogger("llama.cpp")

# ggml_log_level in ggml.h: NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5 (continuation).
_LEVELS = {0: logging.INFO, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING,
           4: logging.ERROR}
_CONTINUATION = 5
_recent: deque[tuple[int, str]] = deque(maxlen=400)  # INFO and above: debug lines would crowd out
_OFFLOADED = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")
_last_level = logging.INFO


@llama_cpp.llama_log_callback
def _on_log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    global _last_level
    level_no = _last_level if level == _CONTINUATION else _LEVELS.get(level, logging.INFO)
    _last_level = level_no
    message = text.decode("utf-8", errors="replace").rstrip()
    if message and level_no >= logging.INFO:
        _recent.append((level_no, message))
    if message:
        # llama.cpp is chatty at INFO; keep that out of the user's log unless debugging.
        log.log(level_no if level_no >= logging.WARNING else logging.DEBUG, message)


def install() -> None:
    """Send llama.cpp's log to Python logging instead of stderr (safe to call repeatedly)."""
    llama_cpp.llama_log_set(_on_log, ctypes.c_void_p(0))


def first_error() -> str | None:
    """The first error llama.cpp logged since ``clear()`` (the root cause), without its prefix."""
    for level_no, message in _recent:
        if level_no >= logging.ERROR:
            return re.sub(r"^\w+: ", "", message)
    return None


def offloaded_layers() -> tuple[int, int] | None:
    """(layers on the GPU, offloadable layers) as llama.cpp reported them for the last load.

    GPU builds log this line; CPU-only builds do not, which means no layer was offloaded.
    """
    for _level_no, message in reversed(_recent):
        if match := _OFFLOADED.search(message):
            return int(match.group(1)), int(match.group(2))
    return None


def lines() -> list[str]:
    """Every remembered line (INFO and above) since ``clear()``, oldest first."""
    return [message for _level_no, message in _recent]


def clear() -> None:
    """Forget remembered lines (before an operation whose failure will be explained)."""
    _recent.clear()

"""Opening a model in llama.cpp: checked first, with progress, cancel, GPU fallback and reasons.

Order of a load:
1. the GGUF header is validated in Python (``read_header``), so corrupt or hostile headers
   never reach native code, and the model's chat templates are compiled and rendered on
   sample chats in the sandbox the engine renders with (limits on time, size and depth);
2. the GPU layers are planned from free video memory (``plan_gpu_layers``);
3. ``llama_cpp.Llama`` is created with llama.cpp's own progress callback reporting, and
   aborting the load when the request's cancel flag is set, and with its chat formatter
   compiling the templates in Parley's sandbox (its own environment would fold constants such
   as ``'a' * 10**10`` while compiling: 10 GB before anything could stop it);
4. a failure on the GPU is retried with fewer layers, then on the CPU (``load_with_fallback``);
5. the layers llama.cpp really offloaded are read back from its log, so the status shows the
   truth rather than the request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jinja2
import jinja2.sandbox
import llama_cpp
import llama_cpp.llama_chat_format as llama_chat_format
import llama_cpp.llama_cpp as llama_native

from app.core.chat_templates import SAMPLE_CONVERSATION, render_sample, sandbox
from app.core.errors import Joined, Phrase
from app.core.generation import LoadRequest, ModelInfo
from app.core.gguf_header import ArrayInfo, GgufHeader, check_model_file
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.load_errors import (
    LoadCancelled,
    broken_template,
    load_failure,
    oversized_template,
    runaway_template,
    unsafe_template,
)
from app.core.memory import available_ram, estimate_memory
from app.core.model_facts import memory_warning
from app.core.offload import AUTO, OffloadSupport, load_with_fallback, plan_gpu_layers
from app.core.template_limits import TemplateLimitError
from app.engine import llama_log
from app.engine.gpu import probe_offload
from app.engine.prompt_tokens import GuardedChatFormatter

ProgressReport = Callable[[float], None]

# llama-cpp-python builds llama_model_params inside Llama() without a way to pass a progress
# callback, so the default-params factory it calls is wrapped for the duration of one load; its
# chat formatter class is swapped for Parley's the same way.
_params_factory_lock = threading.Lock()
TEMPLATE_KEY = "tokenizer.chat_template"  # and "tokenizer.chat_template.<name>" for named ones
# A template may go wrong only for some conversations: one with a system message, one without.
_SAMPLE_CHATS = (SAMPLE_CONVERSATION, [{"role": "user", "content": "Hello, parley-sample"}])


@dataclass
class OpenedModel:
    """A loaded ``Llama`` and what the user is told about it."""

    llama: llama_cpp.Llama
    info: ModelInfo


def open_model(request: LoadRequest, params: dict[str, Any], on_progress: ProgressReport,
               ) -> OpenedModel:
    """Load ``request.path`` with llama.cpp ``params``; ModelLoadError or LoadCancelled if not."""
    path = request.path
    header = check_model_file(path)
    if request.cancel.is_set():
        raise LoadCancelled(QT_TRANSLATE_NOOP("Errors", "Loading {file} was cancelled."), file=path.name)
    check_model_template(header)
    llama_log.install()
    support = probe_offload()
    estimate = estimate_memory(header, int(params["n_ctx"]), int(params["n_batch"]))
    plan = plan_gpu_layers(int(request.settings["n_gpu_layers"]), support, estimate)
    warning = memory_warning(header, estimate, available_ram(), support)  # before it takes memory

    def attempt(layers: int) -> llama_cpp.Llama:
        return _create(request, params, layers, on_progress)

    llama, asked, note = load_with_fallback(attempt, plan)
    on_gpu = _offloaded(asked, plan.total, support)
    notes = [text for text in (note, warning) if text]
    info = ModelInfo(str(path), path.name, llama.n_ctx(), on_gpu, support.supported,
                     Joined(" ", notes) if notes else None, plan.total)
    return OpenedModel(llama, info)


def check_model_template(header: GgufHeader) -> None:
    """Compile each chat template in the model (llama-cpp-python compiles them all while loading)
    and render it on sample chats, within the limits the engine renders with: a syntax error, a
    template that runs away or one that reaches outside its sandbox refuses the file with a
    sentence. Other failures on a sample (a template that refuses a system message) are the
    chat's to report, if it meets them."""
    name = header.path.name
    for key, source in header.metadata.items():
        if key != TEMPLATE_KEY and not key.startswith(TEMPLATE_KEY + "."):
            continue
        if isinstance(source, ArrayInfo):
            raise oversized_template(name, source.length)
        if not isinstance(source, str):
            continue
        try:
            template = sandbox().from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise broken_template(name, Phrase(QT_TRANSLATE_NOOP("Errors", "{message} on line {line}"),
                                               message=exc.message, line=exc.lineno)) from None
        except Exception as exc:  # nested too deeply to compile, for one
            raise broken_template(name, exc) from None
        for messages in _SAMPLE_CHATS:
            try:
                render_sample(template, messages)
            except TemplateLimitError as exc:
                raise runaway_template(name, exc) from None
            except jinja2.sandbox.SecurityError as exc:  # no real template touches Python's internals
                raise unsafe_template(name, exc) from None
            except Exception:  # see the docstring
                pass


def _create(request: LoadRequest, params: dict[str, Any], layers: int,
            on_progress: ProgressReport) -> llama_cpp.Llama:
    """One attempt at ``Llama()`` with ``layers`` on the GPU."""
    llama_log.clear()
    name = request.path.name

    def report(progress: float) -> bool:
        on_progress(progress)
        return not request.cancel.is_set()

    try:
        with _reporting_progress(report):
            return llama_cpp.Llama(**params, n_gpu_layers=layers)
    except (jinja2.TemplateError, RecursionError) as exc:
        raise broken_template(name, exc) from exc
    except MemoryError as exc:
        raise load_failure(name, "", out_of_memory=True) from exc
    except (ValueError, RuntimeError, OSError) as exc:
        if request.cancel.is_set():
            raise LoadCancelled(QT_TRANSLATE_NOOP("Errors", "Loading {file} was cancelled."),
                                file=name) from None
        raise load_failure(name, llama_log.first_error() or str(exc)) from exc


_STOCK_FORMATTER = llama_chat_format.Jinja2ChatFormatter


@contextmanager
def _reporting_progress(report: Callable[[float], bool]) -> Iterator[None]:
    """Make the next ``Llama()`` report load progress to ``report`` (False aborts the load) and
    compile the model's chat templates in Parley's sandbox."""
    callback = llama_native.llama_progress_callback(lambda progress, _data: bool(report(progress)))
    original = llama_native.llama_model_default_params

    def params_with_progress() -> llama_native.llama_model_params:
        model_params = original()
        model_params.progress_callback = callback
        return model_params

    with _params_factory_lock:
        llama_native.llama_model_default_params = params_with_progress
        llama_chat_format.Jinja2ChatFormatter = GuardedChatFormatter  # type: ignore[misc]
        try:
            yield
        finally:
            llama_native.llama_model_default_params = original
            llama_chat_format.Jinja2ChatFormatter = _STOCK_FORMATTER


def _offloaded(asked: int, total: int | None, support: OffloadSupport) -> int:
    """Layers really on the GPU: llama.cpp's own count when it logged one."""
    reported = llama_log.offloaded_layers()
    if reported is not None:
        return reported[0]
    if not support.usable or asked == 0:
        return 0
    return (total or 0) if asked == AUTO else asked


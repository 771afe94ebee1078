"""Hostile chat templates: sandbox escapes never run, broken ones are named, runaway ones stop.

A chat template is code from whoever made the model file (or typed into Settings). Each escape
attempt plants a canary (a file the template tries to create); none may ever exist. Templates that
loop forever or build enormous texts are stopped within 5 s with a sentence, at load, when typed
as a custom template and per prompt, and the engine (and the GUI's worker) stay usable after.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import suppress
from itertools import pairwise
from pathlib import Path

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.core.chat_templates import (
    CUSTOM,
    NAMED_TEMPLATES,
    SAMPLE_SECONDS,
    check_template,
    choose_template,
    sandbox,
)
from app.core.errors import ParleyError
from app.core.generation import ChatMessage, GenerationRequest, LoadRequest
from app.core.gguf_header import read_header
from app.core.load_errors import ModelLoadError
from app.core.option import SettingError
from app.core.settings import Settings
from app.engine.loading import check_model_template
from app.engine.prompt_tokens import GenerationError
from tests import reliability
from tests.gguf_files import rewrite_metadata, write_gguf

STOPPED_WITHIN_S = 5.0
CHATML = NAMED_TEMPLATES["chatml"].source

# Each tries to run `touch CANARY` (the path is filled in): the CVE-2024-34359 payload first, then
# the usual ways out of a Jinja sandbox.
ESCAPES = {
    "cve-2024-34359": "{% for x in ().__class__.__base__.__subclasses__() %}"
                      "{% if 'warning' in x.__name__ %}{{ x()._module.__builtins__['__import__']('os')"
                      ".popen('touch CANARY').read() }}{% endif %}{% endfor %}",
    "self": "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch CANARY') }}",
    "cycler": "{{ cycler.__init__.__globals__.os.system('touch CANARY') }}",
    "joiner": "{{ joiner.__init__.__globals__.os.system('touch CANARY') }}",
    "namespace": "{{ namespace.__init__.__globals__.os.system('touch CANARY') }}",
    "lipsum": "{{ lipsum.__globals__['os'].system('touch CANARY') }}",
    "request": "{{ request.application.__globals__.__builtins__.__import__('os').system('touch CANARY')"
               " }}",
    "raise_exception": "{{ raise_exception.__globals__.__builtins__.__import__('os').system("
                       "'touch CANARY') }}",
    "attr-filter": "{% set base = ''|attr('\\x5f\\x5fclass\\x5f\\x5f')"
                   "|attr('\\x5f\\x5fmro\\x5f\\x5f')|last %}"
                   "{% for c in base|attr('\\x5f\\x5fsubclasses\\x5f\\x5f')() %}{% if c.__name__ == "
                   "'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').system("
                   "'touch CANARY') }}{% endif %}{% endfor %}",
    "map-attribute": "{{ (messages|map(attribute='__class__')|first).__base__.__subclasses__() }}"
                     "{{ 'touch CANARY' }}",
    "format-string": "{{ '{0.__init__.__globals__[os].system}'.format(cycler)('touch CANARY') }}",
    "percent-format": "{{ '%s' % cycler.__init__.__globals__.os.system('touch CANARY') }}",
    "loop": "{% for m in messages %}{{ loop.__class__.__init__.__globals__['os'].system('touch CANARY') }}"
            "{% endfor %}",
    "dict-mro": "{{ dict.mro()[-1].__subclasses__() }}{{ 'touch CANARY' }}",
    "str-encode": "{{ 'touch CANARY'.encode('utf-8').decode('unicode_escape') }}",
}

# Each runs away: loops (nearly) forever, recurses, or builds an enormous text.
RUNAWAYS = {
    "nested-range": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "nested-range-output": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}"
                           "{% endfor %}",
    "loop-condition": "{% for i in range(100000) if (range(100000)|sum) < 0 %}{% endfor %}",
    "recursive-macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "exponential-macro": "{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}"
                         "{% endmacro %}{{ f(0) }}",
    "recursive-loop": "{% for m in [1] recursive %}{{ loop([1]) }}{% endfor %}",
    "string-times": "{{ 'a' * 10**10 }}",
    "string-times-literal": "{{ 'a' * 9999999999 }}",
    "range-times": "{{ (range(100000)|list) * 100000 }}",
    "list-times": "{{ [messages] * 10**9 }}",
    "power": "{{ 2 ** (10 ** 9) }}",
    "doubling-concat": "{% set ns = namespace(s='a') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}{{ ns.s }}",
    "doubling-plus": "{% set ns = namespace(s='a') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                     "{% endfor %}{{ ns.s }}",
    "many-big-values": "".join(f"{{% set v{i} = 'x' * 4000000 %}}" for i in range(200)),
    "percent-width": "{{ '%9999999999s' % 'a' }}",
    "format-width": "{{ '{:>9999999999}'.format('a') }}",
    "center": "{{ 'a'|center(9999999999) }}",
    "ljust": "{{ 'a'.ljust(9999999999) }}",
    "replace": "{% set s = 'a' * 1000000 %}{{ s.replace('', s) }}",
    "join": "{% set s = 'a' * 1000000 %}{{ s.join(range(100000)|map('string')) }}",
    "join-filter": "{{ range(100000)|join('a' * 1000000) }}",
    "indent": "{{ ('x\\n' * 1000000)|indent(1000000) }}",
    "nested-lists": "{% set a = [1,1,1,1,1,1,1,1,1,1] %}{% set b = [a,a,a,a,a,a,a,a,a,a] %}"
                    "{% set c = [b,b,b,b,b,b,b,b,b,b] %}{% set d = [c,c,c,c,c,c,c,c,c,c] %}"
                    "{% set e = [d,d,d,d,d,d,d,d,d,d] %}{% set f = [e,e,e,e,e,e,e,e,e,e] %}"
                    "{% set g = [f,f,f,f,f,f,f,f,f,f] %}{% set h = [g,g,g,g,g,g,g,g,g,g] %}{{ h }}",
    "batch-fill": "{{ [1]|batch(4000000, 'x' * 1000)|list }}",
    "map-center": "{{ range(100000)|map('center', 4000000)|list|length }}",
    "tojson-indent": "{{ [[[[[[1]]]]]]|tojson(indent=4000000) }}",
}


def _planted(source: str, folder: Path) -> tuple[str, Path]:
    """``source`` with its canary path filled in, and that path."""
    canary = folder / "CANARY"
    reliability.record("canaries_planted")
    return source.replace("CANARY", str(canary)), canary


def _no_canary(canary: Path) -> None:
    if canary.exists():
        reliability.record("canaries_created")
    assert not canary.exists(), "a chat template escaped its sandbox"


def _model_file(folder: Path, template: str) -> Path:
    """A small GGUF file carrying ``template`` as its chat template (its header is all Parley's
    load-time check reads)."""
    return write_gguf(folder / "hostile.gguf", {"general.architecture": "llama",
                                                "tokenizer.chat_template": template})


def _stopped_in_time(action: Callable[[], object], error: type[Exception], match: str) -> None:
    started = time.monotonic()
    with pytest.raises(error, match=match):
        action()
    assert time.monotonic() - started < STOPPED_WITHIN_S
    reliability.record("hostile_inputs")


# -- escapes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ESCAPES.values(), ids=ESCAPES.keys())
def test_an_escape_in_a_custom_template_never_runs(source: str, tmp_path: Path) -> None:
    template, canary = _planted(source + CHATML, tmp_path)
    with pytest.raises(SettingError, match="custom chat template does not work"):
        check_template(template)
    _no_canary(canary)


@pytest.mark.parametrize("source", ESCAPES.values(), ids=ESCAPES.keys())
def test_an_escape_inside_a_model_file_never_runs_at_load(source: str, tmp_path: Path) -> None:
    """Refused when it reaches for Python's internals; a name that does not exist in the sandbox
    (``lipsum``, ``request``) fails as any undefined name does, later, in the chat."""
    template, canary = _planted(source + CHATML, tmp_path)
    header = read_header(_model_file(tmp_path, template))
    with suppress(ModelLoadError):
        check_model_template(header)
    _no_canary(canary)


def test_the_cve_payload_inside_a_model_file_is_refused_at_load(tmp_path: Path) -> None:
    template, canary = _planted(ESCAPES["cve-2024-34359"] + CHATML, tmp_path)
    with pytest.raises(ModelLoadError) as refused:
        check_model_template(read_header(_model_file(tmp_path, template)))
    assert str(refused.value) == (
        "The chat template inside hostile.gguf tried to reach outside its sandbox (access to attribute "
        "'__class__' of 'tuple' object is unsafe.), so Parley will not use the file; choose another model "
        "file.")
    _no_canary(canary)


# -- syntax errors -------------------------------------------------------------------------------

def test_a_syntax_error_is_named_with_its_line_at_load(tmp_path: Path) -> None:
    header = read_header(_model_file(tmp_path, "{% for m in messages %}\n{{ m['content'] }\n{% endfor %}"))
    with pytest.raises(ModelLoadError) as failure:
        check_model_template(header)
    assert str(failure.value) == ("The chat template inside hostile.gguf is broken (unexpected '}' on line "
                                  "2), so llama.cpp cannot use the file; choose another model file.")


def test_a_template_too_deeply_nested_to_compile_is_broken_not_a_crash(tmp_path: Path) -> None:
    header = read_header(_model_file(tmp_path, "{% if 1 %}" * 5000 + "{% endif %}" * 5000 + CHATML))
    with pytest.raises(ModelLoadError, match=r"inside hostile\.gguf is broken"):
        check_model_template(header)


def test_a_chat_template_too_long_to_be_one_is_refused(tmp_path: Path) -> None:
    header = read_header(_model_file(tmp_path, CHATML + " " * (2 << 20)))
    with pytest.raises(ModelLoadError, match=r"is 2,097,\d+ bytes long, far too long"):
        check_model_template(header)


# -- runaway templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", RUNAWAYS.values(), ids=RUNAWAYS.keys())
def test_a_runaway_custom_template_is_stopped_with_a_sentence(source: str) -> None:
    _stopped_in_time(lambda: check_template(source + CHATML), SettingError,
                     r"does not work \(it (ran for more than|made more than|made a number|called itself)")


@pytest.mark.parametrize("source", RUNAWAYS.values(), ids=RUNAWAYS.keys())
def test_a_runaway_model_template_is_stopped_at_load(source: str, tmp_path: Path) -> None:
    header = read_header(_model_file(tmp_path, source + CHATML))
    _stopped_in_time(lambda: check_model_template(header), ModelLoadError,
                     r"inside hostile\.gguf was stopped because it (ran for more than|made more than|"
                     r"made a number|called itself)")


def test_the_limits_leave_real_templates_alone() -> None:
    """Every named template renders a long chat exactly as Jinja's own sandbox does."""
    messages = [{"role": ("user", "assistant")[i % 2], "content": f"message {i} " + "words " * 300}
                for i in range(2000)]
    context = {"messages": messages, "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"}
    stock = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    for named in NAMED_TEMPLATES.values():
        assert sandbox().from_string(named.source).render(**context) == \
            stock.from_string(named.source).render(**context)


def test_constants_are_not_computed_while_compiling() -> None:
    """Jinja folds constant expressions when it compiles: in its own sandbox a dead branch holding
    ``'a' * 10**10`` allocates 10 GB before anything runs. Parley's never folds them."""
    dead = "{% if false %}{{ 'ab' * 5000 }}{{ 'x'|center(10**8) }}{% endif %}"
    assert len(ImmutableSandboxedEnvironment().compile(dead, raw=True)) > 10**8
    assert len(sandbox().compile(dead, raw=True)) < 2000


# -- through the real engine ---------------------------------------------------------------------

SMALL = Settings({"n_ctx": 512})


@pytest.fixture(scope="module")
def engine() -> Iterator[object]:
    from app.engine.llama_engine import LlamaEngine

    engine = LlamaEngine()
    yield engine
    engine.close()


def _ask(engine, messages: list[ChatMessage], template=None):  # type: ignore[no-untyped-def]
    request = GenerationRequest(messages, Settings({"max_tokens": 4}).sampling(), seed=1,
                                template=template or choose_template("chatml", ""))
    return engine.generate(request, lambda _text: None)


def _chat(turns: int) -> list[ChatMessage]:
    return [ChatMessage(("user", "assistant")[i % 2], f"Message {i}.") for i in range(turns)]


@pytest.mark.model
def test_the_cve_payload_in_a_real_model_is_refused_and_the_engine_stays_usable(
        engine, model_path: Path, tmp_path: Path) -> None:
    template, canary = _planted(ESCAPES["cve-2024-34359"] + CHATML, tmp_path)
    hostile = rewrite_metadata(model_path, tmp_path / "cve.gguf", {"tokenizer.chat_template": template})
    with pytest.raises(ModelLoadError, match=r"inside cve\.gguf tried to reach outside its sandbox"):
        engine.load(LoadRequest(hostile, SMALL), lambda _: None)
    _no_canary(canary)
    engine.load(LoadRequest(model_path, SMALL), lambda _: None)
    assert _ask(engine, _chat(1)).completion_tokens > 0


@pytest.mark.model
def test_a_payload_hidden_from_the_load_check_fails_the_message_not_the_app(
        engine, model_path: Path, tmp_path: Path) -> None:
    """A template can behave on the sample chats and turn hostile later (here: from the sixth
    message on). Loading compiles it in Parley's sandbox; rendering the prompt stops it."""
    escape, canary = _planted(ESCAPES["self"], tmp_path)
    runaway = RUNAWAYS["nested-range"]
    template = f"{{% if messages|length > 7 %}}{runaway}{{% elif messages|length > 5 %}}{escape}{{% endif %}}"
    hidden = rewrite_metadata(model_path, tmp_path / "hidden.gguf",
                              {"tokenizer.chat_template": template + CHATML})
    engine.load(LoadRequest(hidden, SMALL), lambda _: None)
    own = choose_template("auto", "")
    assert _ask(engine, _chat(3), own).completion_tokens > 0
    with pytest.raises(GenerationError, match=r"model's chat template failed on this conversation \(access"):
        _ask(engine, _chat(7), own)
    _no_canary(canary)
    _stopped_in_time(lambda: _ask(engine, _chat(9), own), GenerationError,
                     r"failed on this conversation \(it ran for more than")
    assert _ask(engine, _chat(3), own).completion_tokens > 0  # the engine is still usable


@pytest.mark.model
def test_a_custom_template_that_runs_away_later_fails_the_message_in_time(engine, model_path: Path) -> None:
    engine.load(LoadRequest(model_path, SMALL), lambda _: None)
    source = "{% if messages|length > 5 %}" + RUNAWAYS["doubling-plus"] + "{% endif %}" + CHATML
    custom = choose_template(CUSTOM, source)  # it passes the check on the sample chat
    _stopped_in_time(lambda: _ask(engine, _chat(7), custom), GenerationError,
                     r"chosen chat template failed on this conversation \(it made more than")
    assert _ask(engine, _chat(7)).completion_tokens > 0


@pytest.mark.model
def test_a_bomb_in_a_dead_branch_is_never_computed_by_llama_cpp_python(
        engine, model_path: Path, tmp_path: Path) -> None:
    """llama-cpp-python compiles the model's templates inside ``Llama()`` in its own environment,
    which folds constants: a dead branch holding ``'a' * 10**10`` would allocate 10 GB there
    (here 10**8: before the fix this load allocated over 100 MB). ``Llama()`` now compiles in
    Parley's sandbox, which folds nothing that large."""
    bomb = "{% if false %}{{ 'a' * 10**8 }}{% endif %}" + CHATML
    path = rewrite_metadata(model_path, tmp_path / "bomb.gguf", {"tokenizer.chat_template": bomb,
                                                                "tokenizer.chat_template.tool_use": bomb})
    tracemalloc.start()
    try:
        engine.load(LoadRequest(path, SMALL), lambda _: None)
        by_jinja = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*/jinja2/*")])
    finally:
        tracemalloc.stop()
    assert sum(stat.size for stat in by_jinja.statistics("filename")) < 10 * 2**20  # held by templates
    assert _ask(engine, _chat(1), choose_template("auto", "")).completion_tokens > 0


# -- through the GUI's worker --------------------------------------------------------------------

@pytest.mark.model
def test_a_looping_model_template_fails_its_load_while_the_gui_keeps_working(
        open_session, qtbot, model_path: Path, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    from app.core.models import MessageStatus
    from app.engine.llama_engine import LlamaEngine
    from tests.helpers import send

    looping = rewrite_metadata(model_path, tmp_path / "looping.gguf",
                               {"tokenizer.chat_template": RUNAWAYS["exponential-macro"] + CHATML})
    beats: list[float] = []
    heart = QTimer(interval=20, timeout=lambda: beats.append(time.monotonic()))
    heart.start()
    started = time.monotonic()
    session = open_session(LlamaEngine, wait_for_model=False, model=looping)
    with qtbot.waitSignal(session.controller.loader.problem, timeout=60_000) as failed:
        pass
    took = time.monotonic() - started
    heart.stop()
    sentence = failed.args[0]
    assert sentence.startswith("The chat template inside looping.gguf was stopped because it ran for more "
                               f"than {SAMPLE_SECONDS:g} seconds")
    assert SAMPLE_SECONDS <= took < STOPPED_WITHIN_S
    assert max(b - a for a, b in pairwise(beats)) < 1.0  # the GUI thread kept going
    reliability.record("hostile_inputs")

    session.controller.choose_model(model_path)  # the same worker loads a good model and chats
    qtbot.waitUntil(lambda: session.controller.model_info is not None, timeout=60_000)
    send(qtbot, session, "Hello")
    qtbot.waitUntil(lambda: not session.controller.busy, timeout=120_000)
    reply = session.profile.store.messages(session.controller.current_conversation_id)[-1]
    assert reply.status is MessageStatus.COMPLETE and reply.content.strip()


def test_every_stop_is_a_translatable_sentence() -> None:
    with pytest.raises(ParleyError) as stopped:
        check_template(RUNAWAYS["string-times"] + CHATML)
    problem = stopped.value.values["problem"]
    assert isinstance(problem, ParleyError)
    assert problem.template == "it made more than {limit} characters of text"


def test_wordwrap_is_not_offered() -> None:
    """``wordwrap`` ran for a minute and allocated 400 MB on a crafted call before its result
    could be measured; chat templates do not use it, so the sandbox leaves it out."""
    started = time.monotonic()
    with pytest.raises(SettingError, match="wordwrap"):
        check_template("{{ ('ab' * 2000000)|wordwrap(3, true) }}" + CHATML)
    assert time.monotonic() - started < 5

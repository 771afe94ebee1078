"""The OpenAI-compatible chat API as plain data: the request body each server dialect gets, the
settings a dialect cannot use, the dialect a server reveals, its server-sent events, and its
error answers turned into sentences.

No networking and no Qt here: ``app.engine.openai_client`` moves the bytes and
``app.engine.remote_engine`` drives a reply. ``SAMPLING_FIELDS`` is the one place that decides
which Parley setting is sent to which server, under which field name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from app.core.connections import ApiDialect
from app.core.errors import ParleyError
from app.core.generation import ChatMessage
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.settings_schema import OPTIONS, Group

DONE = "[DONE]"    # the data of the event that ends an OpenAI stream
DETAIL_LIMIT = 200  # characters of a server's own error message quoted in a sentence

_ALL = (ApiDialect.OPENAI, ApiDialect.LLAMA_CPP, ApiDialect.VLLM)
_LLAMA_CPP = (ApiDialect.LLAMA_CPP,)
_EXTENDED = (ApiDialect.LLAMA_CPP, ApiDialect.VLLM)


def _sent(dialects: Iterable[ApiDialect], *fields: str) -> dict[ApiDialect, tuple[str, ...]]:
    return {dialect: fields for dialect in dialects}


# Setting name -> the API fields it is sent as, per dialect (a dialect not listed: not sent).
SAMPLING_FIELDS: Mapping[str, Mapping[ApiDialect, tuple[str, ...]]] = {
    # OpenAI's own fields: every server accepts them
    "temperature": _sent(_ALL, "temperature"),
    "top_p": _sent(_ALL, "top_p"),
    "max_tokens": _sent(_ALL, "max_tokens"),
    "stop": _sent(_ALL, "stop"),
    "seed": _sent(_ALL, "seed"),
    "presence_penalty": _sent(_ALL, "presence_penalty"),
    "frequency_penalty": _sent(_ALL, "frequency_penalty"),
    # llama.cpp's and vLLM's extensions
    "top_k": _sent(_EXTENDED, "top_k"),
    "min_p": _sent(_EXTENDED, "min_p"),
    "repeat_penalty": {ApiDialect.LLAMA_CPP: ("repeat_penalty",), ApiDialect.VLLM: ("repetition_penalty",)},
    "typical_p": _sent(_LLAMA_CPP, "typical_p"),
    "repeat_last_n": _sent(_LLAMA_CPP, "repeat_last_n"),
    # llama-server reads "mirostat", llama-cpp-python's server "mirostat_mode"; both are the
    # LLAMA_CPP dialect and each ignores the other's field, so both are sent
    "mirostat_mode": _sent(_LLAMA_CPP, "mirostat", "mirostat_mode"),
    "mirostat_tau": _sent(_LLAMA_CPP, "mirostat_tau"),
    "mirostat_eta": _sent(_LLAMA_CPP, "mirostat_eta"),
}

_ENGINE_CHOICE = ("connection", "model_path")  # they pick the engine, so they always apply
_SERVER_SIDE = ("chat_template", "custom_template")  # the server lays out the prompt itself

_DIALECT_OF_OWNER = {"llamacpp": ApiDialect.LLAMA_CPP, "me": ApiDialect.LLAMA_CPP,
                     "vllm": ApiDialect.VLLM}


def effective_dialect(dialect: ApiDialect) -> ApiDialect:
    """The dialect whose fields are sent: AUTO not yet decided counts as plain OpenAI."""
    return ApiDialect.OPENAI if dialect is ApiDialect.AUTO else dialect


def chat_body(messages: list[ChatMessage], sampling: Mapping[str, Any], seed: int, model: str,
              dialect: ApiDialect, reply_prefix: str = "", stream: bool = True,
              max_tokens: int | None = None) -> dict[str, Any]:
    """The JSON body of ``POST /chat/completions``.

    ``seed`` is the reply's concrete seed (-1: none is sent); ``max_tokens`` overrides the
    setting. Continuing a reply sends ``reply_prefix`` as a last assistant message (prefill):
    llama-server and Ollama continue it, and vLLM when told to; servers that do not support
    prefill start a new answer, whose text is then appended to the reply all the same.
    """
    dialect = effective_dialect(dialect)
    wire = [{"role": message.role, "content": message.content} for message in messages]
    body: dict[str, Any] = {"model": model, "messages": wire, "stream": stream}
    if reply_prefix:
        wire.append({"role": "assistant", "content": reply_prefix})
        if dialect is ApiDialect.VLLM:  # vLLM opens a new assistant turn unless asked not to
            body.update(continue_final_message=True, add_generation_prompt=False)
    if stream:
        body["stream_options"] = {"include_usage": True}  # token counts in the last chunk
    values = {**sampling, "seed": seed}
    if max_tokens is not None:
        values["max_tokens"] = max_tokens
    for option, fields in SAMPLING_FIELDS.items():
        value = _wire_value(option, values.get(option))
        if value is not None:
            body.update(dict.fromkeys(fields.get(dialect, ()), value))
    return body


def _wire_value(option: str, value: Any) -> Any:
    """``value`` as sent, or None when it is left out (a random seed, no stop texts)."""
    if option == "stop":
        stops = [text for text in (value or ()) if text]
        return stops or None
    if option == "seed" and value is not None and int(value) < 0:
        return None
    return value


def unsupported_options(dialect: ApiDialect) -> tuple[str, ...]:
    """The sampling and model-loading settings this dialect's servers never get ("not used by
    this server" in the panel), and the chat template ones (the server applies its own)."""
    dialect = effective_dialect(dialect)
    unsent = tuple(o.name for o in OPTIONS
                   if o.group in (Group.SAMPLING, Group.MODEL) and o.name not in _ENGINE_CHOICE
                   and dialect not in SAMPLING_FIELDS.get(o.name, {}))
    return unsent + _SERVER_SIDE


def detect_dialect(models_payload: object) -> ApiDialect:
    """The dialect a server speaks, from the ``owned_by`` of its ``GET /models`` answer:
    llama-server says "llamacpp", llama-cpp-python's server "me", vLLM "vllm"."""
    entries = models_payload.get("data") if isinstance(models_payload, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        owner = entry.get("owned_by") if isinstance(entry, dict) else None
        if isinstance(owner, str) and owner.lower() in _DIALECT_OF_OWNER:
            return _DIALECT_OF_OWNER[owner.lower()]
    return ApiDialect.OPENAI


# -- server-sent events ----------------------------------------------------------------------

def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The data of each server-sent event in ``lines`` (decoded, line endings kept or not), up
    to and including ``DONE``. Comments (":", servers' keep-alive pings) and the other fields
    (event, id, retry) are skipped; several data lines of one event are joined with newlines."""
    data: list[str] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:  # a blank line ends an event
            if data:
                event, data = "\n".join(data), []
                yield event
                if event == DONE:
                    return
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value.removeprefix(" "))
    if data:  # a last event without its blank line
        yield "\n".join(data)


def parse_json(text: str | bytes, server: str, url: str) -> Any:
    """``text`` parsed as JSON, or a ParleyError saying the server is not speaking JSON."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} answered with something that is not JSON (“{start}”); check "
                      "that {url} is an OpenAI-compatible API (the address usually ends in /v1)."),
            name=server, start=shortened(_text(text), 80), url=url) from None


def stream_chunk(data: str, server: str, url: str) -> dict[str, Any]:
    """One streamed chunk; a ParleyError for an error the server reports in the stream."""
    chunk = parse_json(data, server, url)
    if not isinstance(chunk, dict):
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} streamed something that is not a reply (“{start}”); check "
                      "that {url} is an OpenAI-compatible API."),
            name=server, start=shortened(data, 80), url=url)
    error = chunk.get("error")
    if error is None:
        return chunk
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, int) and 400 <= code < 600:  # llama-server: the status it would have sent
        raise http_error(code, json.dumps(chunk), {}, server, url=url)
    raise ParleyError(QT_TRANSLATE_NOOP(
        "Errors", "The server {name} reported an error while writing the reply ({detail}); try "
                  "again, or look at the server's log."),
        name=server, detail=server_message(json.dumps(chunk)) or "?")


# -- error answers -----------------------------------------------------------------------------

def shortened(text: str, limit: int = DETAIL_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _text(body: str | bytes) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


def server_message(body: str | bytes) -> str:
    """The server's own explanation in an error answer (OpenAI's ``{"error": {"message"}}``,
    FastAPI's ``{"detail"}``, or the plain text), shortened; "" when there is none worth quoting."""
    text = _text(body).strip()
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    message = _message_in(payload) if payload is not None else None
    if message is None:
        message = "" if text.startswith("<") else text  # an HTML error page says nothing useful
    return shortened(message)


def _message_in(payload: object) -> str | None:
    if isinstance(payload, str):
        return payload
    if isinstance(payload, list):  # FastAPI's validation errors: [{"loc": …, "msg": …}, …]
        found = [_message_in(item) for item in payload]
        return "; ".join(message for message in found if message) or None
    if isinstance(payload, dict):
        for key in ("error", "detail", "message", "msg"):
            if key in payload:
                return _message_in(payload[key])
    return None


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> int | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if given."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "").strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0, round(when - (time.time() if now is None else now)))


def http_error(status: int, body: str | bytes, headers: Mapping[str, str], server: str, *,
               url: str = "", model: str = "") -> ParleyError:
    """The sentence for an HTTP error answer from ``server`` (asked at ``url`` for ``model``)."""
    detail = server_message(body) or _status_text(status)
    values: dict[str, object] = {"name": server, "detail": detail, "status": status, "url": url}
    if status == 401:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} did not accept the API key ({detail}); check its API key in "
                      "Models → Connections."), **values)
    if status == 403:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} refused access ({detail}); check its API key in Models → "
                      "Connections, and that the key may use this model."), **values)
    if status == 404 and model:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} knows no model “{model}” or has no API at {url} ({detail}); "
                      "pick one of its models, and check that the base URL ends in the API path "
                      "(usually /v1)."), model=model, **values)
    if status == 404:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} has no OpenAI-compatible API at {url} ({detail}); check the "
                      "base URL, which usually ends in /v1."), **values)
    if status == 429:
        seconds = retry_after_seconds(headers)
        if seconds is not None:
            return ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The server {name} is limiting how often it may be asked ({detail}); try "
                          "again in {seconds} seconds."), seconds=seconds, **values)
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} is limiting how often it may be asked ({detail}); wait a "
                      "moment and try again."), **values)
    if status == 400 or status == 422:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} rejected the request: {detail}; change the setting it names, "
                      "or choose another model, and try again."), **values)
    if 500 <= status < 600:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} failed with error {status} ({detail}); try again later, or "
                      "look at the server's log."), **values)
    return ParleyError(QT_TRANSLATE_NOOP(
        "Errors", "The server {name} gave the unexpected answer {status} ({detail}); check the "
                  "connection's address in Models → Connections."), **values)


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)

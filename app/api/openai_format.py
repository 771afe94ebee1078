"""OpenAI's chat API shapes: a request body into a GenerationRequest, results into responses.

Sampling fields are validated by the settings schema (``Option.coerce``, the one validation path)
over the user's current settings, so an API request may ask for anything the settings panel
offers and nothing more. What Parley cannot honour is refused with a 400 that says so, rather
than silently ignored: several choices (``n`` > 1), tools and functions, logit bias and log
probabilities. Grammars and JSON response formats are read by llama.cpp's native parser, so
they are accepted only when the user allows them (setting ``api_allow_grammar``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from app.api.errors import ApiError
from app.core.errors import ParleyError
from app.core.generation import ChatMessage, FinishReason, GenerationRequest, GenerationResult, ModelInfo
from app.core.option import Group, SettingError
from app.core.settings import Settings
from app.core.settings_schema import option, options_in
from app.core.turn import choose_seed, new_request
from app.engine.grammars import JSON_OBJECT_GRAMMAR, check_gbnf, json_schema_grammar

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
SAMPLING_FIELDS = tuple(o.name for o in options_in(Group.SAMPLING))  # temperature, top_p, seed, …
FIELD_ALIASES = {"max_completion_tokens": "max_tokens"}  # OpenAI's newer name wins over the old
FINISH_REASONS = {FinishReason.STOP: "stop", FinishReason.LENGTH: "length",
                  FinishReason.CANCELLED: "stop"}
OWNER = "parley"
_GRAMMAR_OFF = ("Grammars and JSON response formats are turned off; allow them in Parley's settings "
                "(Local API server → Allow grammars) if you trust this program.")


@dataclass(frozen=True)
class ChatCall:
    """One validated chat completion request."""

    request: GenerationRequest
    stream: bool
    include_usage: bool  # stream_options.include_usage: a last chunk with the token counts


def parse_chat_request(body: dict[str, Any], settings: Settings, allow_grammar: bool) -> ChatCall:
    """The request ``body`` asks for, over ``settings`` (ApiError 400 naming what is wrong)."""
    _refuse_unsupported(body)
    messages = chat_messages(body.get("messages"))
    chosen = sampling_settings(body, settings)
    grammar = constraint_grammar(body, allow_grammar)
    stream = _flag(body, "stream")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise ApiError(400, "stream_options must be an object.", param="stream_options")
    try:
        request = new_request(messages, chosen, choose_seed(chosen), purpose="api", grammar=grammar,
                              local_only=True)
    except ParleyError as exc:  # the user's own chat template does not work
        raise ApiError(500, str(exc), "server_error") from None
    return ChatCall(request, stream, stream and _flag(options or {}, "include_usage"))


def _refuse_unsupported(body: dict[str, Any]) -> None:
    n = body.get("n")
    if n is not None and n != 1:
        raise ApiError(400, "Only one choice per request is supported (n must be 1).", param="n")
    for field in ("tools", "functions", "audio", "prediction"):
        if body.get(field):
            raise ApiError(400, f"{field} are not supported by Parley's API server.", param=field)
    for field in ("tool_choice", "function_call"):
        if body.get(field) not in (None, "none"):
            raise ApiError(400, f"{field} is not supported by Parley's API server.", param=field)
    if body.get("logit_bias"):
        raise ApiError(400, "logit_bias is not supported by Parley's API server.", param="logit_bias")
    if body.get("logprobs") or body.get("top_logprobs"):
        raise ApiError(400, "Log probabilities are not supported by Parley's API server.",
                       param="logprobs")
    if body.get("modalities") not in (None, ["text"]):
        raise ApiError(400, "Only text output is supported.", param="modalities")


def chat_messages(raw: Any) -> list[ChatMessage]:
    """The conversation: a non-empty list of system, user and assistant messages with text."""
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "messages must be a non-empty list.", param="messages")
    return [_chat_message(index, item) for index, item in enumerate(raw)]


def _chat_message(index: int, item: Any) -> ChatMessage:
    where = f"messages[{index}]"
    if not isinstance(item, dict):
        raise ApiError(400, f"{where} must be an object.", param=where)
    role = item.get("role")
    if role in ("tool", "function") or item.get("tool_calls") or item.get("function_call"):
        raise ApiError(400, f"{where}: tool and function messages are not supported.", param=where)
    if role not in ROLES:
        raise ApiError(400, f"{where}.role must be one of system, user or assistant.",
                       param=f"{where}.role")
    return ChatMessage(ROLES[role], _text_content(item.get("content"), f"{where}.content"))


def _text_content(content: Any, where: str) -> str:
    """A message's text: a string, or a list of ``{"type": "text", "text": ...}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(
                    part.get("text"), str):
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise ApiError(400, f"{where}: only text parts are supported (found {str(kind)[:40]}).",
                               param=where)
            texts.append(part["text"])
        return "\n".join(texts)
    raise ApiError(400, f"{where} must be a string or a list of text parts.", param=where)


def sampling_settings(body: dict[str, Any], settings: Settings) -> Settings:
    """``settings`` with the request's sampling fields, each validated by its declared option."""
    raw = {name: body[name] for name in SAMPLING_FIELDS if body.get(name) is not None}
    raw.update({name: body[alias] for alias, name in FIELD_ALIASES.items() if body.get(alias) is not None})
    if isinstance(raw.get("stop"), str):  # one stop text; never read as a JSON list
        raw["stop"] = [raw["stop"]] if raw["stop"] else []
    validated = {}
    for name, value in raw.items():
        try:
            validated[name] = option(name).coerce(value)
        except SettingError as exc:
            raise ApiError(400, str(exc), param=name) from None
    return settings.with_changes(validated)


def constraint_grammar(body: dict[str, Any], allow_grammar: bool) -> str | None:
    """The GBNF the reply must follow (``grammar`` or ``response_format``), checked; None if free."""
    grammar = body.get("grammar")
    response_format = body.get("response_format")
    if response_format is not None and not isinstance(response_format, dict):
        raise ApiError(400, "response_format must be an object.", param="response_format")
    kind = response_format.get("type") if response_format is not None else None
    if kind not in (None, "text", "json_object", "json_schema"):
        raise ApiError(400, f"response_format type {str(kind)[:40]} is not supported.",
                       param="response_format")
    constrained = kind in ("json_object", "json_schema")
    if grammar is None and not constrained:
        return None
    if not allow_grammar:
        raise ApiError(400, _GRAMMAR_OFF, code="grammar_not_allowed",
                       param="grammar" if grammar is not None else "response_format")
    if grammar is not None and constrained:
        raise ApiError(400, "Send either grammar or a JSON response_format, not both.", param="grammar")
    try:
        if grammar is not None:
            if not isinstance(grammar, str):
                raise ApiError(400, "grammar must be a GBNF text.", param="grammar")
            from_engine = _checked_gbnf(grammar)
        else:
            from_engine = _format_grammar(response_format)
    except ParleyError as exc:  # GrammarError: the grammar or schema cannot be used
        raise ApiError(400, str(exc), param="grammar" if grammar is not None else "response_format") \
            from None
    return from_engine


def _checked_gbnf(grammar: str) -> str:
    check_gbnf(grammar)
    return grammar


def _format_grammar(response_format: dict[str, Any]) -> str:
    """The grammar of a JSON response format: any object, or JSON following a schema."""
    if response_format["type"] == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if schema is None:
            raise ApiError(400, "response_format.json_schema.schema is missing.", param="response_format")
        return json_schema_grammar(schema)
    schema = response_format.get("schema")  # llama-cpp-python's json_object may carry a schema
    return json_schema_grammar(schema) if schema is not None else JSON_OBJECT_GRAMMAR


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise ApiError(400, f"{name} must be true or false.", param=name)
    return bool(value)


# -- responses ---------------------------------------------------------------------------------


def new_call_id() -> str:
    """An id for one chat completion, as OpenAI shapes them."""
    return "chatcmpl-" + secrets.token_hex(12)


def usage(result: GenerationResult) -> dict[str, int]:
    """The token counts of a finished generation."""
    return {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
            "total_tokens": result.prompt_tokens + result.completion_tokens}


def completion(call_id: str, created: int, model: str, result: GenerationResult) -> dict[str, Any]:
    """The non-streaming ``chat.completion`` object."""
    choice = {"index": 0, "message": {"role": "assistant", "content": result.text},
              "logprobs": None, "finish_reason": FINISH_REASONS.get(result.finish_reason, "stop")}
    return {"id": call_id, "object": "chat.completion", "created": created, "model": model,
            "choices": [choice], "usage": usage(result)}


def chunk(call_id: str, created: int, model: str, delta: dict[str, str] | None,
          finish: FinishReason | None = None, result: GenerationResult | None = None) -> dict[str, Any]:
    """One ``chat.completion.chunk``: a delta, the last one with its finish reason, or (with
    ``result`` and no delta) the usage chunk with no choices."""
    shaped: dict[str, Any] = {"id": call_id, "object": "chat.completion.chunk", "created": created,
                              "model": model, "choices": []}
    if delta is not None:
        reason = FINISH_REASONS.get(finish, "stop") if finish is not None else None
        shaped["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}]
    if result is not None:
        shaped["usage"] = usage(result)
    return shaped


def model_list(info: ModelInfo | None) -> dict[str, Any]:
    """``GET /v1/models``: the loaded model, or an empty list while none is."""
    return {"object": "list", "data": [model_entry(info)] if info is not None else []}


def model_entry(info: ModelInfo) -> dict[str, Any]:
    """One model as OpenAI lists it."""
    return {"id": info.name, "object": "model", "created": 0, "owned_by": OWNER}

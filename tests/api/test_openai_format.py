"""Request bodies into GenerationRequests, and results into OpenAI's response shapes."""

from __future__ import annotations

from typing import Any

import pytest

from app.api.errors import ApiError
from app.api.openai_format import (
    chunk,
    completion,
    model_list,
    new_call_id,
    parse_chat_request,
)
from app.core.generation import ChatMessage, FinishReason, GenerationResult, ModelInfo
from app.core.settings import Settings
from app.engine.grammars import JSON_OBJECT_GRAMMAR

HELLO = [{"role": "user", "content": "Hello"}]


def parse(allow_grammar: bool = False, settings: Settings | None = None, **body: Any):
    return parse_chat_request({"messages": HELLO, **body}, settings or Settings(), allow_grammar)


def refusal(allow_grammar: bool = False, **body: Any) -> ApiError:
    with pytest.raises(ApiError) as refused:
        parse(allow_grammar, **body)
    return refused.value


def test_a_plain_request_uses_the_current_settings_as_defaults() -> None:
    settings = Settings({"temperature": 0.3, "max_tokens": 99, "seed": 5, "top_k": 7})
    call = parse(settings=settings)
    request = call.request
    assert request.messages == [ChatMessage("user", "Hello")]
    assert request.sampling == settings.sampling()
    assert request.seed == 5
    assert request.purpose == "api" and request.grammar is None
    assert not call.stream and not call.include_usage


def test_sampling_fields_are_validated_by_the_settings_schema() -> None:
    request = parse(temperature=0, top_p=0.5, top_k=3, min_p=0.1, repeat_penalty=1.2,
                    presence_penalty=-1, frequency_penalty=0.5, max_tokens=8, seed=42,
                    stop=["\n\n", "###"]).request
    sampling = request.sampling
    assert (sampling["temperature"], sampling["top_p"], sampling["top_k"]) == (0, 0.5, 3)
    assert sampling["min_p"] == 0.1
    assert (sampling["repeat_penalty"], sampling["presence_penalty"], sampling["frequency_penalty"]) == (
        1.2, -1, 0.5)
    assert sampling["max_tokens"] == 8 and request.seed == 42
    assert sampling["stop"] == ("\n\n", "###")
    assert parse(stop="[END]").request.sampling["stop"] == ("[END]",)  # one text, not JSON
    assert parse(max_tokens=8, max_completion_tokens=4).request.sampling["max_tokens"] == 4
    assert parse(temperature=None).request.sampling["temperature"] == Settings()["temperature"]
    assert 0 <= parse(seed=-1).request.seed < 2**31  # random, like the setting's "random"


@pytest.mark.parametrize("field, value", [
    ("temperature", 5), ("temperature", "hot"), ("top_p", 1.5), ("top_k", -1), ("max_tokens", 0),
    ("max_tokens", 10**9), ("max_completion_tokens", 2.5), ("seed", 2**40), ("stop", [1]),
    ("stop", [""]), ("temperature", True), ("presence_penalty", float("nan")),
])
def test_invalid_sampling_values_are_refused_with_the_range(field: str, value: Any) -> None:
    error = refusal(**{field: value})
    assert error.status == 400
    assert error.param == ("max_tokens" if field == "max_completion_tokens" else field)
    assert "cannot be" in error.message and "use" in error.message


def test_message_shapes() -> None:
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "developer", "content": "Really."},
                {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
                {"role": "assistant", "content": "ok", "name": "bot"},
                {"role": "user", "content": ""}]
    request = parse_chat_request({"messages": messages}, Settings(), False).request
    assert request.messages == [ChatMessage("system", "Be brief."), ChatMessage("system", "Really."),
                                ChatMessage("user", "a\nb"), ChatMessage("assistant", "ok"),
                                ChatMessage("user", "")]


@pytest.mark.parametrize("messages, words", [
    (None, "non-empty list"), ([], "non-empty list"), ("hi", "non-empty list"),
    (["hi"], "must be an object"), ([{"role": "robot", "content": "x"}], "role must be one of"),
    ([{"role": "user"}], "string or a list"), ([{"role": "user", "content": 3}], "string or a list"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
     "only text parts"),
    ([{"role": "user", "content": ["plain"]}], "only text parts"),
    ([{"role": "tool", "content": "x", "tool_call_id": "1"}], "tool and function"),
    ([{"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]}], "tool and function"),
])
def test_unusable_messages_are_refused_clearly(messages: Any, words: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_chat_request({"messages": messages}, Settings(), False)
    assert refused.value.status == 400 and words in refused.value.message
    assert refused.value.param.startswith("messages")


@pytest.mark.parametrize("body", [
    {"n": 2}, {"tools": [{"type": "function"}]}, {"functions": [{"name": "f"}]},
    {"tool_choice": "auto"}, {"function_call": {"name": "f"}}, {"logit_bias": {"50256": -100}},
    {"logprobs": True}, {"top_logprobs": 2}, {"modalities": ["text", "audio"]}, {"stream": "yes"},
    {"stream_options": "x"}, {"response_format": {"type": "xml"}}, {"response_format": "json"},
])
def test_unsupported_inputs_are_refused_not_ignored(body: dict[str, Any]) -> None:
    assert refusal(allow_grammar=True, **body).status == 400


def test_harmless_inputs_are_accepted() -> None:
    call = parse(n=1, tool_choice="none", logit_bias={}, logprobs=False, user="me", model="gpt-4o",
                 stream=True, stream_options={"include_usage": True}, response_format={"type": "text"})
    assert call.stream and call.include_usage
    assert call.request.grammar is None


@pytest.mark.parametrize("body", [
    {"grammar": 'root ::= "yes" | "no"'}, {"response_format": {"type": "json_object"}},
    {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}},
])
def test_grammars_are_refused_unless_allowed(body: dict[str, Any]) -> None:
    error = refusal(**body)
    assert (error.status, error.code) == (400, "grammar_not_allowed")
    assert "Allow grammars" in error.message
    assert parse(allow_grammar=True, **body).request.grammar


def test_allowed_grammars() -> None:
    assert parse(True, grammar='root ::= "yes" | "no"').request.grammar == 'root ::= "yes" | "no"'
    assert parse(True, response_format={"type": "json_object"}).request.grammar == JSON_OBJECT_GRAMMAR
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    from_schema = parse(True, response_format={"type": "json_schema", "json_schema": {"schema": schema}})
    assert "answer" in from_schema.request.grammar
    with_schema = parse(True, response_format={"type": "json_object", "schema": schema})  # llama-cpp style
    assert with_schema.request.grammar == from_schema.request.grammar


@pytest.mark.parametrize("body", [
    {"grammar": "root ::= foo"}, {"grammar": 7}, {"grammar": 'x ::= "a"'},
    {"grammar": 'root ::= "a"', "response_format": {"type": "json_object"}},
    {"response_format": {"type": "json_schema"}},
    {"response_format": {"type": "json_schema",
                         "json_schema": {"schema": {"type": "array", "maxItems": 10**8}}}},
])
def test_bad_grammars_are_refused_before_llama_cpp_samples_with_them(body: dict[str, Any]) -> None:
    assert refusal(allow_grammar=True, **body).status == 400


def test_a_broken_custom_template_is_the_servers_fault() -> None:
    broken = Settings().with_changes({"chat_template": "custom"})  # and no custom template written
    with pytest.raises(ApiError) as refused:
        parse(settings=broken)
    assert refused.value.status == 500 and "custom" in refused.value.message


RESULT = GenerationResult("Hi there", FinishReason.LENGTH, 20, 5, 100.0, 10.0)


def test_completion_shape() -> None:
    shaped = completion("chatcmpl-1", 1700000000, "model.gguf", RESULT)
    assert shaped == {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "model.gguf",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"},
                     "logprobs": None, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}}


def test_chunk_shapes() -> None:
    first = chunk("c", 1, "m", {"role": "assistant", "content": ""})
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"] == [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                 "logprobs": None, "finish_reason": None}]
    assert chunk("c", 1, "m", {}, FinishReason.STOP)["choices"][0]["finish_reason"] == "stop"
    assert chunk("c", 1, "m", {}, FinishReason.LENGTH)["choices"][0]["finish_reason"] == "length"
    usage_chunk = chunk("c", 1, "m", None, result=RESULT)
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] == 25


def test_model_list_and_ids() -> None:
    info = ModelInfo("/m/a.gguf", "a.gguf", 4096, 0, False)
    assert model_list(info) == {"object": "list", "data": [
        {"id": "a.gguf", "object": "model", "created": 0, "owned_by": "parley"}]}
    assert model_list(None) == {"object": "list", "data": []}
    ids = {new_call_id() for _ in range(100)}
    assert len(ids) == 100 and all(i.startswith("chatcmpl-") for i in ids)

"""The OpenAI-compatible API as data: bodies per dialect, unsupported settings, the dialect a
server reveals, server-sent events and error answers as sentences."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest

from app.core.connections import ApiDialect
from app.core.errors import ParleyError
from app.core.generation import ChatMessage
from app.core.remote_api import (
    DONE,
    SAMPLING_FIELDS,
    chat_body,
    detect_dialect,
    http_error,
    parse_json,
    retry_after_seconds,
    server_message,
    sse_data,
    stream_chunk,
    unsupported_options,
)
from app.core.settings_schema import OPTIONS, Group, defaults

MESSAGES = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi", message_id=3)]
SAMPLING = {**defaults(), "stop": ("\n\n", ""), "mirostat_mode": 2}
OPENAI_FIELDS = {"model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens",
                 "stop", "seed", "presence_penalty", "frequency_penalty"}


def body(dialect: ApiDialect, **kwargs: object) -> dict:
    return chat_body(MESSAGES, SAMPLING, 42, "m", dialect, **kwargs)  # type: ignore[arg-type]


def test_openai_gets_only_openai_fields() -> None:
    sent = body(ApiDialect.OPENAI)
    assert set(sent) == OPENAI_FIELDS
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["stop"] == ["\n\n"] and sent["seed"] == 42 and sent["max_tokens"] == 1024
    assert sent["temperature"] == 0.7 and sent["top_p"] == 0.95
    assert body(ApiDialect.AUTO) == sent  # undecided: OpenAI's fields only
    json.dumps(sent)  # all of it is JSON


def test_llama_cpp_gets_its_samplers() -> None:
    sent = body(ApiDialect.LLAMA_CPP)
    extra = set(sent) - OPENAI_FIELDS
    assert extra == {"top_k", "min_p", "typical_p", "repeat_penalty", "repeat_last_n", "mirostat",
                     "mirostat_mode", "mirostat_tau", "mirostat_eta"}
    assert sent["mirostat"] == 2 and sent["mirostat_mode"] == 2 and sent["top_k"] == 40


def test_vllm_gets_top_k_min_p_and_repetition_penalty() -> None:
    sent = body(ApiDialect.VLLM)
    assert set(sent) - OPENAI_FIELDS == {"top_k", "min_p", "repetition_penalty"}
    assert sent["repetition_penalty"] == 1.1


def test_random_seed_no_stops_no_stream_and_max_tokens_override() -> None:
    sent = chat_body(MESSAGES, {**SAMPLING, "stop": ()}, -1, "m", ApiDialect.OPENAI, stream=False,
                     max_tokens=16)
    assert "seed" not in sent and "stop" not in sent and "stream_options" not in sent
    assert sent["stream"] is False and sent["max_tokens"] == 16
    assert "temperature" not in chat_body(MESSAGES, {}, 1, "m", ApiDialect.OPENAI)  # unset: not sent


def test_continuing_sends_the_reply_so_far_as_assistant_prefill() -> None:
    sent = body(ApiDialect.LLAMA_CPP, reply_prefix="The answer is")
    assert sent["messages"][-1] == {"role": "assistant", "content": "The answer is"}
    assert len(sent["messages"]) == 3
    assert len(body(ApiDialect.LLAMA_CPP)["messages"]) == 2
    assert "continue_final_message" not in body(ApiDialect.LLAMA_CPP, reply_prefix="x")
    vllm = body(ApiDialect.VLLM, reply_prefix="The answer is")
    assert vllm["continue_final_message"] is True and vllm["add_generation_prompt"] is False
    assert "continue_final_message" not in body(ApiDialect.VLLM)


def test_the_table_names_only_declared_sampling_settings() -> None:
    names = {o.name for o in OPTIONS}
    assert set(SAMPLING_FIELDS) <= names
    assert all(ApiDialect.AUTO not in fields for fields in SAMPLING_FIELDS.values())


def test_unsupported_options_per_dialect() -> None:
    openai = unsupported_options(ApiDialect.OPENAI)
    assert {"top_k", "min_p", "typical_p", "repeat_penalty", "repeat_last_n", "mirostat_mode",
            "mirostat_tau", "mirostat_eta", "n_ctx", "n_gpu_layers", "n_threads", "flash_attn",
            "chat_template", "custom_template"} <= set(openai)
    assert not {"temperature", "top_p", "max_tokens", "seed", "stop", "presence_penalty",
                "frequency_penalty", "connection", "model_path"} & set(openai)
    assert unsupported_options(ApiDialect.AUTO) == openai
    llama = set(unsupported_options(ApiDialect.LLAMA_CPP))
    assert not {"top_k", "min_p", "typical_p", "mirostat_mode", "repeat_last_n"} & llama
    assert {"n_ctx", "chat_template"} <= llama
    vllm = set(unsupported_options(ApiDialect.VLLM))
    assert {"typical_p", "repeat_last_n", "mirostat_mode"} <= vllm and not {"top_k", "repeat_penalty"} & vllm
    in_groups = {o.name for o in OPTIONS if o.group in (Group.SAMPLING, Group.MODEL)}
    assert set(openai) <= in_groups | {"chat_template", "custom_template"}


@pytest.mark.parametrize(("owner", "dialect"), [
    ("llamacpp", ApiDialect.LLAMA_CPP), ("me", ApiDialect.LLAMA_CPP), ("vllm", ApiDialect.VLLM),
    ("openai", ApiDialect.OPENAI), ("library", ApiDialect.OPENAI), (None, ApiDialect.OPENAI)])
def test_dialect_from_owned_by(owner: str | None, dialect: ApiDialect) -> None:
    assert detect_dialect({"object": "list", "data": [{"id": "x", "owned_by": owner}]}) is dialect


def test_dialect_of_odd_payloads_is_openai() -> None:
    for payload in (None, [], {}, {"data": "x"}, {"data": [1, "a"]}):
        assert detect_dialect(payload) is ApiDialect.OPENAI


def test_sse_data_events_comments_and_done() -> None:
    lines = [": ping - 2024\r\n", "\r\n", "event: message\n", 'data: {"a": 1}\n', "\n",
             "data:{\"b\":\n", "data: 2}\n", "id: 7\n", "\n", "data: [DONE]\n", "\n",
             'data: {"late": 1}\n', "\n"]
    assert list(sse_data(lines)) == ['{"a": 1}', '{"b":\n2}', DONE]
    assert list(sse_data(['data: {"c": 3}'])) == ['{"c": 3}']  # no closing blank line at the end
    assert list(sse_data([])) == []


def test_stream_chunks_and_errors_inside_the_stream() -> None:
    assert stream_chunk('{"choices": []}', "srv", "http://h/v1") == {"choices": []}
    with pytest.raises(ParleyError, match=r"not JSON.*“\{oops”"):
        stream_chunk("{oops", "srv", "http://h/v1")
    with pytest.raises(ParleyError, match="streamed something that is not a reply"):
        stream_chunk("[1, 2]", "srv", "http://h/v1")
    with pytest.raises(ParleyError, match="error while writing the reply \\(model crashed\\)"):
        stream_chunk('{"error": {"message": "model crashed"}}', "srv", "http://h/v1")
    with pytest.raises(ParleyError, match="rejected the request: the request exceeds the available context"):
        stream_chunk('{"error": {"code": 400, "message": "the request exceeds the available context size"}}',
                     "srv", "http://h/v1")


def test_parse_json_names_the_server_and_its_address() -> None:
    assert parse_json(b'{"data": []}', "srv", "u") == {"data": []}
    with pytest.raises(ParleyError) as caught:
        parse_json(b"<html>" + b"x" * 500, "Home", "http://h/v1/models")
    message = str(caught.value)
    assert message.startswith("The server Home answered with something that is not JSON (“<html>xxx")
    assert "http://h/v1/models" in message and len(message) < 300


def test_server_message_forms() -> None:
    assert server_message(b'{"error": {"message": "Invalid API key", "type": "auth"}}') == "Invalid API key"
    assert server_message('{"error": "model not found"}') == "model not found"
    assert server_message('{"detail": "Invalid API key"}') == "Invalid API key"
    assert server_message('{"detail": [{"loc": ["body"], "msg": "field required"}]}') == "field required"
    assert server_message("plain  words\nhere") == "plain words here"
    assert server_message("<html><body>Bad Gateway</body></html>") == ""
    long = server_message(json.dumps({"error": {"message": "x" * 1000}}))
    assert len(long) == 200 and long.endswith("…")


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds({"Retry-After": "17"}) == 17
    assert retry_after_seconds({"retry-after": formatdate(1000.0 + 30, usegmt=True)}, now=1000.0) == 30
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def error(status: int, body: str = "", headers: dict[str, str] | None = None, model: str = "") -> str:
    return str(http_error(status, body, headers or {}, "Home", url="http://h:1/v1/chat/completions",
                          model=model))


def test_http_errors_are_sentences() -> None:
    assert error(401, '{"error": {"message": "Invalid API key"}}') == (
        "The server Home did not accept the API key (Invalid API key); check its API key in "
        "Models → Connections.")
    assert "refused access (403 Forbidden); check its API key in Models → Connections" in error(403)
    not_found = error(404, '{"error": {"message": "model \\"x\\" not found"}}', model="x")
    assert "no model “x”" in not_found and "/v1" in not_found and 'model "x" not found' in not_found
    assert "has no OpenAI-compatible API at http://h:1/v1/chat/completions (404 Not Found)" in error(404)
    assert error(429, "", {"Retry-After": "20"}).endswith("try again in 20 seconds.")
    assert error(429).endswith("wait a moment and try again.")
    bad = error(400, json.dumps({"error": {"message": "temperature must be ≤ 2 " + "y" * 500}}))
    assert "rejected the request: temperature must be ≤ 2 yyy" in bad and "…" in bad and len(bad) < 350
    assert "failed with error 502 (502 Bad Gateway)" in error(502, "<html>bad gateway</html>")
    assert "failed with error 503 (Loading model)" in error(503, '{"error": {"code": 503, "message": '
                                                                  '"Loading model"}}')
    assert "unexpected answer 418" in error(418)


def test_http_error_templates_are_translatable() -> None:
    caught = http_error(429, "", {"Retry-After": "5"}, "Home")
    assert caught.template.startswith("The server {name} is limiting")
    assert caught.values["seconds"] == 5

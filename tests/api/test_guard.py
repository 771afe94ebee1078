"""The API server's security checks, one pure function at a time."""

from __future__ import annotations

from email.message import Message

import pytest

from app.api import guard
from app.api.errors import ApiError

TOKEN = "t" * 43


def headers(**values: str) -> Message:
    message = Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:7275", "127.0.0.1", "127.0.0.1:7275",
                                  "[::1]", "[::1]:7275", "localhost:8080"])
def test_hosts_of_this_computer_are_allowed(host: str) -> None:
    assert guard.host_allowed(host)


@pytest.mark.parametrize("host", [None, "", "evil.example", "evil.example:7275", "127.0.0.2",
                                  "localhost.evil.example", "localhost:", "localhost:x",
                                  "localhost:70000", "[::1]x", "[::2]:7275", "0.0.0.0:7275",
                                  "127.0.0.1:7275@evil.example", "localhost:٣"])
def test_other_hosts_are_refused_as_dns_rebinding(host: str | None) -> None:
    assert not guard.host_allowed(host)


def test_only_listed_origins_are_allowed_and_null_never() -> None:
    listed = ("http://localhost:3000", "HTTPS://App.Example/")
    assert guard.origin_allowed(None, ())  # not a browser
    assert guard.origin_allowed("http://localhost:3000", listed)
    assert guard.origin_allowed("https://app.example", listed)
    assert not guard.origin_allowed("http://evil.example", listed)
    assert not guard.origin_allowed("http://localhost:3001", listed)
    assert not guard.origin_allowed("null", (*listed, "null"))
    assert not guard.origin_allowed("http://evil.example", ("*",))  # "*" is no wildcard


def test_cors_echoes_the_listed_origin_never_a_star() -> None:
    listed = ("http://localhost:3000", "*")
    assert guard.cors_headers("http://localhost:3000", listed) == {
        "Vary": "Origin", "Access-Control-Allow-Origin": "http://localhost:3000"}
    assert guard.cors_headers("http://evil.example", listed) == {"Vary": "Origin"}
    assert guard.cors_headers(None, listed) == {"Vary": "Origin"}


def test_preflight_only_for_listed_origins() -> None:
    listed = ("http://localhost:3000",)
    answer = guard.preflight_headers("http://localhost:3000", listed, "authorization, x-stainless-os")
    assert answer is not None
    assert answer["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert answer["Access-Control-Allow-Headers"] == "authorization, x-stainless-os"
    assert "POST" in answer["Access-Control-Allow-Methods"]
    odd = guard.preflight_headers("http://localhost:3000", listed, "a\r\nSet-Cookie: x")
    assert odd is not None and odd["Access-Control-Allow-Headers"] == guard.DEFAULT_ALLOWED_HEADERS
    assert guard.preflight_headers("http://evil.example", listed, None) is None
    assert guard.preflight_headers(None, listed, None) is None


@pytest.mark.parametrize("authorization, ok", [
    (f"Bearer {TOKEN}", True), (f"bearer {TOKEN}", True), (f"  Bearer   {TOKEN} ", True),
    (None, False), ("", False), ("Bearer", False), ("Bearer ", False), (f"Basic {TOKEN}", False),
    (f"Bearer {TOKEN}x", False), (f"Bearer {TOKEN[:-1]}", False), ("Bearer ü", False),
])
def test_the_bearer_token_must_match(authorization: str | None, ok: bool) -> None:
    assert guard.token_matches(authorization, TOKEN) is ok
    assert not guard.token_matches(authorization, "")  # no token: nothing matches


def test_check_request_refuses_in_order_host_origin_token() -> None:
    good = {"Host": "127.0.0.1:7275", "Authorization": f"Bearer {TOKEN}"}
    assert guard.check_request(headers(**good), (), TOKEN) == {"Vary": "Origin"}
    cases = [({**good, "Host": "evil.example:7275"}, 403, "host_not_allowed"),
             ({**good, "Origin": "http://evil.example"}, 403, "origin_not_allowed"),
             ({**good, "Sec_Fetch_Site": "cross-site"}, 403, "origin_not_allowed"),
             ({**good, "Authorization": "Bearer nope"}, 401, "invalid_api_key"),
             ({"Host": "localhost"}, 401, "invalid_api_key")]
    for values, status, code in cases:
        with pytest.raises(ApiError) as refused:
            guard.check_request(headers(**values), (), TOKEN)
        assert (refused.value.status, refused.value.code) == (status, code)
        assert "Access-Control-Allow-Origin" not in refused.value.headers
    with pytest.raises(ApiError) as refused:
        guard.check_request(headers(Host="localhost"), (), TOKEN)
    assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unauthorized_listed_origin_can_read_the_401() -> None:
    with pytest.raises(ApiError) as refused:
        guard.check_request(headers(Host="localhost", Origin="http://localhost:3000"),
                            ("http://localhost:3000",), TOKEN)
    assert refused.value.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


@pytest.mark.parametrize("lengths, encoding, status", [
    ([], None, 411), (["10"], "chunked", 411), (["-1"], None, 400), (["1e3"], None, 400),
    (["10", "11"], None, 400), (["٣"], None, 400), ([str(guard.BODY_LIMIT + 1)], None, 413),
])
def test_body_length_is_checked_before_reading(lengths: list[str], encoding: str | None,
                                               status: int) -> None:
    with pytest.raises(ApiError) as refused:
        guard.body_length(lengths, encoding)
    assert refused.value.status == status


def test_acceptable_body_lengths() -> None:
    assert guard.body_length(["0"], None) == 0
    assert guard.body_length([" 512 "], None) == 512
    assert guard.body_length(["10", "10"], None) == 10  # repeated but equal
    assert guard.body_length([str(guard.BODY_LIMIT)], None) == guard.BODY_LIMIT


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000])
def test_the_body_must_be_a_json_object(body: bytes) -> None:
    with pytest.raises(ApiError) as refused:
        guard.json_object(body)
    assert refused.value.status == 400


def test_a_json_object_body() -> None:
    assert guard.json_object('{"messages": ["é"]}'.encode()) == {"messages": ["é"]}

"""The local API server's security checks, each a pure function of the request's headers.

Local HTTP servers of other chat apps have been reachable from any web page the user visits:
through DNS rebinding (a page whose host name starts resolving to 127.0.0.1, so the browser
sends it ``Host: evil.example``), through CORS answered with ``*``, and without any
authentication. So the server answers only to Host names of this computer, gives CORS headers
only to the origins the user listed (echoing that one origin, never ``*``), wants the bearer
token on every request, and reads a body only after its declared length passed the limit.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from app.api.errors import ApiError

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
BODY_LIMIT = 1024 * 1024  # bytes: a long conversation is far smaller
ALLOWED_METHODS = "GET, POST, OPTIONS"
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE_S = 600
_HEADER_LIST = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*")
_SAFE_FETCH_SITES = ("same-origin", "none")  # Sec-Fetch-Site values of non-cross-site requests


def host_allowed(host: str | None) -> bool:
    """Whether ``host`` (the Host header) names this computer: localhost, 127.0.0.1 or [::1],
    with or without a port. Anything else may be a DNS-rebinding page."""
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name += "]"
        port = rest[1:] if rest.startswith(":") else None if not rest else "x"
    else:
        name, colon, port_text = host.partition(":")
        port = port_text if colon else None
    if port is not None and not (port.isdecimal() and port.isascii() and 0 < int(port) < 65536):
        return False
    return name in LOCAL_HOSTS


def normalized_origin(origin: str) -> str:
    """An origin as compared: lower case, no surrounding space or trailing slash."""
    return origin.strip().lower().rstrip("/")


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """Whether a request with this Origin header may be answered: no Origin (not a browser, or
    a same-origin request) or one the user listed. ``null`` (sandboxed or file pages) never is."""
    if origin is None:
        return True
    wanted = normalized_origin(origin)
    return wanted not in ("", "null") and wanted in {normalized_origin(o) for o in allowed}


def cors_headers(origin: str | None, allowed: Iterable[str]) -> dict[str, str]:
    """The CORS headers of a response: the request's own origin when it is listed, else none."""
    headers = {"Vary": "Origin"}
    if origin is not None and origin_allowed(origin, allowed):
        headers["Access-Control-Allow-Origin"] = origin.strip()
    return headers


def preflight_headers(origin: str | None, allowed: Iterable[str],
                      requested_headers: str | None) -> dict[str, str] | None:
    """The answer to an OPTIONS preflight from a listed origin, or None to refuse it."""
    if origin is None or not origin_allowed(origin, allowed):
        return None
    asked = (requested_headers or "").strip()
    return {**cors_headers(origin, allowed),
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            # Browser SDKs send their own headers (x-stainless-…): a listed origin may send any
            # well-formed header names; the token is still checked on the real request.
            "Access-Control-Allow-Headers": asked if _HEADER_LIST.fullmatch(asked) else
            DEFAULT_ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S)}


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether ``Authorization: Bearer <token>`` carries ``token`` (compared in constant time)."""
    if not authorization or not token:
        return False
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", errors="replace"), token.encode("utf-8"))


def check_request(headers: Any, allowed_origins: Sequence[str], token: str) -> dict[str, str]:
    """Host, Origin and token checks of one request, in that order (ApiError when one fails);
    the CORS headers its response gets. ``headers`` is an ``email.message.Message``."""
    if not host_allowed(headers.get("Host")):
        raise ApiError(403, "This server answers only to localhost, 127.0.0.1 or [::1] in the Host "
                            "header.", "permission_error", "host_not_allowed")
    origin = headers.get("Origin")
    if not origin_allowed(origin, allowed_origins):
        raise ApiError(403, "This web origin is not allowed; add it to Parley's allowed web origins "
                            "if you trust it.", "permission_error", "origin_not_allowed")
    if origin is None and headers.get("Sec-Fetch-Site", "none").strip().lower() not in _SAFE_FETCH_SITES:
        raise ApiError(403, "Cross-site requests without an Origin header are refused.",
                       "permission_error", "origin_not_allowed")
    cors = cors_headers(origin, allowed_origins)
    if not token_matches(headers.get("Authorization"), token):
        raise ApiError(401, "A valid bearer token is required: Authorization: Bearer <token>, from "
                            "Parley's settings (Local API server).", "authentication_error",
                       "invalid_api_key", headers={**cors, "WWW-Authenticate": 'Bearer realm="parley"'})
    return cors


def body_length(lengths: Sequence[str], transfer_encoding: str | None,
                limit: int = BODY_LIMIT) -> int:
    """The declared body length (``lengths``: every Content-Length header), checked before the
    body is read: chunked or undeclared bodies 411, too large 413."""
    if transfer_encoding is not None or not lengths:
        raise ApiError(411, "Send the request body with a Content-Length header (not chunked).",
                       code="length_required")
    if len(set(lengths)) != 1 or not (lengths[0].strip().isdecimal() and lengths[0].strip().isascii()):
        raise ApiError(400, "The Content-Length header is not one whole number.", code="bad_length")
    length = int(lengths[0])
    if length > limit:
        raise ApiError(413, f"The request body is {length} bytes; the most this server accepts is "
                            f"{limit}.", code="body_too_large")
    return length


def json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object (ApiError 400 for anything else)."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid JSON (UTF-8).", code="invalid_json") from None
    if not isinstance(value, dict):
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    return value

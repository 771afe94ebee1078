"""ApiError: a refused or failed API request, answered in OpenAI's error shape.

These sentences are for the programs calling the API (and their developers), like OpenAI's own
error messages, so they stay English and are not ParleyErrors (whose sentences the GUI shows
translated). A ParleyError met while answering becomes an ApiError with its English sentence.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP error status with OpenAI's ``{"error": {message, type, code, param}}`` body."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body OpenAI's clients expect."""
        return error_body(self.message, self.kind, self.code, self.param)


def error_body(message: str, kind: str, code: str | None = None,
               param: str | None = None) -> dict[str, Any]:
    """``{"error": {...}}`` as OpenAI writes it (also sent as an event in a broken stream)."""
    return {"error": {"message": message, "type": kind, "code": code, "param": param}}

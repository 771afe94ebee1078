"""The local API server: Parley's loaded model offered to other programs over the OpenAI chat API.

Secure by default: off until the user turns it on (or runs ``parley serve``), bound to 127.0.0.1
only, every request needs the bearer token kept in a user-only file, foreign Host headers (DNS
rebinding) and web origins outside the allowlist are refused, and grammars, which llama.cpp's
native parser reads, are accepted only when the user allows them.

    token.py          the bearer token: made on first use, kept 0600, renewed on request
    guard.py          the security checks, each a pure function
    errors.py         ApiError: refusals and failures in OpenAI's error shape
    openai_format.py  request bodies -> GenerationRequest; results -> OpenAI's JSON shapes
    bridge.py         WorkerBridge: HTTP threads <-> the engine worker, never via the GUI thread
    handler.py        one connection: checks, routing, whole and streamed replies
    server.py         ApiServer: the HTTP server on its own threads, bound to 127.0.0.1
    service.py        ApiService: follows the settings (on/off, port) in the GUI

Grammars and JSON schemas are checked and converted in ``app.engine.grammars`` (llama_cpp is
imported only under ``app/engine``). ``parley serve`` is ``app/cli_serve.py``; the settings
section is ``app/ui/api_server_section.py``.
"""

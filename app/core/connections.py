"""Remote connections: OpenAI-compatible servers (llama-server, vLLM, Ollama, LM Studio, hosted
providers) that Parley can chat through instead of its local engine.

A connection is a name, a base URL, the model to ask for (empty: the server's first) and which
dialect of the API its server speaks, which decides the sampling fields sent (see
``remote_api``). Connections are a versioned JSON document in the config folder; API keys are
never in it: they are in the system keyring or a user-only file (``api_keys``).
"""

from __future__ import annotations

import contextlib
import enum
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app.core.errors import ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.json_file import read_document, set_aside, write_document

KIND = "parley-connections"
VERSION = 1
NAME_PATTERN = re.compile(r"^[\w][\w .@+-]{0,63}$")


class ApiDialect(str, enum.Enum):
    """Which fields beyond OpenAI's own a server accepts (``auto``: decided from /v1/models)."""

    AUTO = "auto"
    OPENAI = "openai"        # OpenAI's fields only (OpenAI, Ollama, LM Studio, most providers)
    LLAMA_CPP = "llama.cpp"  # llama-server and llama-cpp-python's server: llama.cpp's samplers
    VLLM = "vllm"            # vLLM: top_k, min_p, repetition_penalty


@dataclass(frozen=True)
class Connection:
    """One configured server."""

    name: str
    base_url: str
    model: str = ""                    # empty: the first model the server lists
    api: ApiDialect = ApiDialect.AUTO
    has_key: bool = False              # an API key is stored for it (see ``api_keys``)

    def target(self, model: str | None = None) -> RemoteTarget:
        """What the engine needs to talk to this server (``model`` overrides the chosen one)."""
        return RemoteTarget(self.name, self.base_url, model or self.model, self.api, self.has_key)


@dataclass(frozen=True)
class RemoteTarget:
    """A remote model to load: the connection's name and address, and the model to use.
    Hashable, so the model loader can compare it with what it asked for last."""

    name: str
    base_url: str
    model: str
    api: ApiDialect = ApiDialect.AUTO
    has_key: bool = False
    api_key: str | None = field(default=None, repr=False, compare=False)  # filled in off the GUI thread

    @property
    def label(self) -> str:
        """How messages and the status bar name it: ``MODEL @ NAME``."""
        return remote_label(self.model or "?", self.name)


def remote_label(model: str, connection: str) -> str:
    """How a model on a remote connection is named in messages and the status bar."""
    return f"{model} @ {connection}"


def normalize_base_url(text: str) -> str:
    """``text`` as a base URL ending in its API path (``/v1`` when only a host is given);
    ParleyError when it is not an http(s) URL with a host."""
    text = text.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "“{url}” is not a server address; write it like http://localhost:8080/v1."),
            url=text)
    if parts.username or parts.password or parts.query or parts.fragment:  # not repeated: may hold a secret
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server address has a user name, query or fragment; give only the scheme, host, "
                      "port and path, and put the key in the API key field."))
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


def check_name(name: str) -> str:
    """``name`` stripped, or ParleyError when it cannot name a connection."""
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "“{name}” cannot name a connection; use up to 64 letters, digits, spaces and "
                      ". @ + - _ (starting with a letter or digit)."), name=name)
    return name


class ConnectionBook:
    """The user's connections, read from and written to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warning = self._read()

    def _read(self) -> Phrase | None:
        """Read the file (again: ``parley connections`` may have changed it while the window was
        open); a warning when some of it could not be used (kept aside, never dropped)."""
        document = read_document(self.path, KIND, VERSION,
                                 Phrase(QT_TRANSLATE_NOOP("Errors", "connections")))
        warning = document.warning
        self._connections, skipped = _parse(document.data)
        if skipped:  # keep the file as it was before a later save drops what could not be read
            warning = set_aside(self.path, Phrase(QT_TRANSLATE_NOOP("Errors", "connections")),
                                Phrase(QT_TRANSLATE_NOOP(
                                    "Errors", "{count} of its entries are not valid connections"),
                                    count=skipped)).warning
            with contextlib.suppress(ParleyError):  # a read-only folder: read them, write later
                self._write(self._connections)
        return warning

    def all(self) -> list[Connection]:
        """Every connection, in name order."""
        return sorted(self._connections.values(), key=lambda c: c.name.casefold())

    def find(self, name: str) -> Connection:
        """The connection called ``name``; ParleyError if there is none."""
        found = self._connections.get(name)
        if found is None:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "There is no connection called “{name}”; add it in Models → Connections "
                          "or with `parley connections add`."), name=name)
        return found

    def get(self, name: str) -> Connection | None:
        """The connection called ``name``, or None."""
        return self._connections.get(name)

    def checked(self, connection: Connection, replacing: str | None = None) -> Connection:
        """``connection`` with its name and address normalized; ParleyError when either cannot be
        used, or the name is another connection's."""
        name = check_name(connection.name)
        if name != replacing and name in self._connections:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "A connection called “{name}” already exists; choose another name."),
                name=name)
        return replace(connection, name=name, base_url=normalize_base_url(connection.base_url),
                       model=connection.model.strip())

    def save(self, connection: Connection, replacing: str | None = None) -> Connection:
        """Add ``connection`` (or replace the one called ``replacing``); checked and written at once."""
        self._read()
        connection = self.checked(connection, replacing)
        name = connection.name
        connections = dict(self._connections)
        if replacing is not None:
            connections.pop(replacing, None)
        connections[name] = connection
        self._write(connections)
        return connection

    def remove(self, name: str) -> Connection:
        """Remove the connection called ``name`` (ParleyError if there is none)."""
        self._read()
        removed = self.find(name)
        self._write({key: value for key, value in self._connections.items() if key != name})
        return removed

    def _write(self, connections: dict[str, Connection]) -> None:
        data = [{**asdict(c), "api": c.api.value} for c in connections.values()]
        try:
            write_document(self.path, KIND, VERSION, data)
        except OSError as exc:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "Cannot save the connections to {path} ({reason}); check the folder's "
                          "permissions and free space."), path=self.path, reason=exc.strerror) from exc
        self._connections = connections


def _parse(data: object) -> tuple[dict[str, Connection], int]:
    """The connections in a document's data, and how many entries made no sense."""
    connections: dict[str, Connection] = {}
    entries = data if isinstance(data, list) else [] if data is None else [data]
    skipped = 0
    for entry in entries:
        try:
            connection = Connection(
                name=check_name(str(entry["name"])), base_url=normalize_base_url(str(entry["base_url"])),
                model=str(entry.get("model", "")), api=ApiDialect(entry.get("api", "auto")),
                has_key=bool(entry.get("has_key", False)))
        except (KeyError, TypeError, ValueError, AttributeError, ParleyError):
            skipped += 1
            continue
        connections[connection.name] = connection
    return connections, skipped

"""Saved KV-cache states: recent ones in RAM (LRU), and optionally on disk, each with a size cap.

A ``Snapshot`` is llama.cpp's state after evaluating ``tokens`` (opaque bytes to this module).
It is only offered for a prompt when its *keys* match exactly: ``context`` names the model
file's identity, the context length and everything else that shapes the state's layout, and
``template`` the chat template. Its tokens must then match the prompt's first tokens; the
engine restores the snapshot with the longest match and evaluates only the rest. Anything
that does not match is simply not used, so the worst case is re-evaluation, never wrong output.

On disk each snapshot is one file: a JSON header (keys, token count, CRC-32 of the state),
the tokens and the state. A file that cannot be read or whose checksum (CRC-32) fails is deleted (it is
a cache, not the user's data) and the prompt is evaluated instead. Files are written to a
temporary name and renamed, so a crash never leaves half a snapshot under a real name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import struct
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAGIC = b"PARLEYKV"
VERSION = 2  # 2: CRC-32 of the state (SHA-256 cost 70 ms per 40 MB restored)
SUFFIX = ".kvstate"
_LENGTH = struct.Struct("<II")  # format version, header length


@dataclass(frozen=True)
class Snapshot:
    """A KV state and the tokens it holds."""

    context: str
    template: str
    tokens: tuple[int, ...]
    state: bytes | bytearray

    @property
    def size(self) -> int:
        """Bytes it takes."""
        return len(self.state) + 4 * len(self.tokens)


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def file_identity(path: Path) -> str:
    """A model file's identity: its size and a digest of its first 4 MiB (header, vocabulary)
    and last 1 MiB, so a replaced or re-quantized file never matches an old state."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        digest.update(str(size).encode())
        digest.update(file.read(4 * 2**20))
        file.seek(max(0, size - 2**20))
        digest.update(file.read(2**20))
    return f"{size}-{digest.hexdigest()[:32]}"


def _supersedes(new: Snapshot, old_context: str, old_template: str, old_tokens: Sequence[int]) -> bool:
    """Whether ``new`` makes an old entry useless: same keys, and it starts with all its tokens."""
    return (old_context == new.context and old_template == new.template
            and len(old_tokens) <= len(new.tokens)
            and tuple(new.tokens[:len(old_tokens)]) == tuple(old_tokens))


class RamStateCache:
    """Recent snapshots in memory, least recently used dropped first beyond the cap."""

    def __init__(self) -> None:
        self._entries: OrderedDict[int, Snapshot] = OrderedDict()
        self._next = 0

    @property
    def size(self) -> int:
        """Bytes held."""
        return sum(s.size for s in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, snapshot: Snapshot, cap: int) -> None:
        """Keep ``snapshot`` (dropping entries it supersedes), then trim to ``cap`` bytes."""
        for key, old in list(self._entries.items()):
            if _supersedes(snapshot, old.context, old.template, old.tokens):
                del self._entries[key]
        if snapshot.size <= cap:
            self._entries[self._next] = snapshot
            self._next += 1
        self.trim(cap)

    def trim(self, cap: int) -> None:
        """Drop the least recently used entries until at most ``cap`` bytes are held."""
        while self._entries and self.size > cap:
            self._entries.popitem(last=False)

    def best(self, context: str, template: str, prompt: Sequence[int]) -> tuple[Snapshot | None, int]:
        """The entry sharing the most leading tokens with ``prompt``, and how many (marked used)."""
        best_key, best_length = None, 0
        for key, snapshot in self._entries.items():
            if snapshot.context == context and snapshot.template == template:
                length = common_prefix(snapshot.tokens, prompt)
                if length > best_length:
                    best_key, best_length = key, length
        if best_key is None:
            return None, 0
        self._entries.move_to_end(best_key)
        return self._entries[best_key], best_length


@dataclass
class _DiskEntry:
    path: Path
    context: str
    template: str
    tokens: tuple[int, ...]
    state_crc32: int
    size: int
    used: float  # when it was last written or restored (its mtime)


class DiskStateCache:
    """Snapshots as files in ``directory``; the least recently used go first beyond the cap."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: dict[Path, _DiskEntry] | None = None
        self._clock = 0.0

    def _entries(self) -> dict[Path, _DiskEntry]:
        if self._index is None:
            self._index = {}
            for leftover in self.directory.glob("*.tmp"):  # a write cut short by a crash
                _unlink(leftover)
            for path in sorted(self.directory.glob(f"*{SUFFIX}")):
                entry = self._read_header(path)
                if entry is not None:
                    self._index[path] = entry
        return self._index

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return sum(e.size for e in self._entries().values())

    def __len__(self) -> int:
        return len(self._entries())

    def put(self, snapshot: Snapshot, cap: int) -> None:
        """Write ``snapshot`` (replacing the entries it supersedes), then trim to ``cap`` bytes."""
        entries = self._entries()
        for path, old in list(entries.items()):
            if _supersedes(snapshot, old.context, old.template, old.tokens):
                self._remove(path)
        if snapshot.size > cap:
            return
        name = hashlib.sha256(f"{snapshot.context}|{snapshot.template}|".encode()
                              + array("i", snapshot.tokens).tobytes()).hexdigest()[:40]
        path = self.directory / f"{name}{SUFFIX}"
        state_crc = zlib.crc32(snapshot.state)
        header = json.dumps({"context": snapshot.context, "template": snapshot.template,
                             "tokens": len(snapshot.tokens), "state_bytes": len(snapshot.state),
                             "state_crc32": state_crc}).encode()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            with temporary.open("wb") as file:
                file.write(MAGIC + _LENGTH.pack(VERSION, len(header)) + header)
                file.write(array("i", snapshot.tokens).tobytes())
                file.write(snapshot.state)
            os.replace(temporary, path)
        except OSError as exc:  # a full or read-only disk only costs speed
            log.warning("could not save a conversation state to %s: %s", path, exc)
            return
        entries[path] = _DiskEntry(path, snapshot.context, snapshot.template, snapshot.tokens,
                                   state_crc, path.stat().st_size, 0.0)
        self._touch(entries[path])
        self.trim(cap)

    def trim(self, cap: int) -> None:
        """Delete the least recently used files until at most ``cap`` bytes are used."""
        by_age = sorted(self._entries().values(), key=lambda e: e.used)
        while by_age and self.size > cap:
            self._remove(by_age.pop(0).path)

    def _touch(self, entry: _DiskEntry) -> None:
        """Mark ``entry`` the most recently used (in memory, and as its file's mtime for the
        next run; the clock never repeats, however coarse the file system's is)."""
        self._clock = max(time.time(), self._clock + 0.001,
                          *(e.used + 0.001 for e in self._entries().values()))
        entry.used = self._clock
        with contextlib.suppress(OSError):  # only the order of the next run is lost
            os.utime(entry.path, (self._clock, self._clock))

    def best(self, context: str, template: str, prompt: Sequence[int],
             better_than: int = 0) -> tuple[Snapshot | None, int]:
        """The snapshot sharing the most leading tokens with ``prompt`` and how many, if that is
        more than ``better_than`` (else nothing is read: a state is tens of megabytes); a damaged
        file is deleted and the next best is tried."""
        while True:
            candidates = [(common_prefix(e.tokens, prompt), e) for e in self._entries().values()
                          if e.context == context and e.template == template]
            length, entry = max(candidates, key=lambda c: c[0], default=(0, None))
            if entry is None or length <= max(0, better_than):
                return None, 0
            snapshot = self._load(entry)
            if snapshot is not None:
                return snapshot, length
            self._remove(entry.path)

    def _load(self, entry: _DiskEntry) -> Snapshot | None:
        try:
            with entry.path.open("rb") as file:
                header_length = _LENGTH.unpack(file.read(len(MAGIC) + _LENGTH.size)[len(MAGIC):])[1]
                start = len(MAGIC) + _LENGTH.size + header_length + 4 * len(entry.tokens)
                file.seek(start)
                state = bytearray(entry.size - start)  # read straight into one buffer
                if file.readinto(state) != len(state):
                    raise ValueError("truncated")
            if zlib.crc32(state) != entry.state_crc32:
                raise ValueError("checksum mismatch")
        except (OSError, ValueError, struct.error) as exc:
            log.warning("ignoring a damaged conversation state %s: %s", entry.path.name, exc)
            return None
        self._touch(entry)
        return Snapshot(entry.context, entry.template, entry.tokens, state)

    def _read_header(self, path: Path) -> _DiskEntry | None:
        """The entry in ``path``; a file that is not a complete snapshot is deleted."""
        try:
            with path.open("rb") as file:
                if file.read(len(MAGIC)) != MAGIC:
                    raise ValueError("not a Parley state file")
                version, header_length = _LENGTH.unpack(file.read(_LENGTH.size))
                if version != VERSION or header_length > 2**16:
                    raise ValueError(f"unknown format {version}")
                header = json.loads(file.read(header_length))
                count, state_bytes = int(header["tokens"]), int(header["state_bytes"])
                raw = file.read(4 * count)
                if len(raw) != 4 * count:
                    raise ValueError("truncated")
                size = os.fstat(file.fileno()).st_size
            if size != len(MAGIC) + _LENGTH.size + header_length + 4 * count + state_bytes:
                raise ValueError("truncated")
            return _DiskEntry(path, str(header["context"]), str(header["template"]),
                              tuple(array("i", raw)), int(header["state_crc32"]), size,
                              os.stat(path).st_mtime)
        except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
            log.warning("deleting a damaged conversation state %s: %s", path.name, exc)
            _unlink(path)
            return None

    def _remove(self, path: Path) -> None:
        self._entries().pop(path, None)
        _unlink(path)


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete %s: %s", path, exc)

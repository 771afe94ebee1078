"""Download a GGUF model into the models folder: resumable, verified, cancellable, with progress.

Plain Python that runs on a background thread. Bytes go to ``NAME.gguf.part`` with a JSON sidecar
(``NAME.gguf.part.json``) that remembers where they came from, so an interrupted download can be
resumed with an HTTP Range request. Only a complete file whose checksum matches is renamed to
``NAME.gguf``; the model library lists ``*.gguf`` and so never sees an unfinished one.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app import __version__
from app.core.atomic import write_atomically
from app.core.errors import Joined, ParleyError, Phrase
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.units import size_text

CHUNK_BYTES = 1024 * 1024  # the most read at once, so a cancel is noticed quickly
PROGRESS_INTERVAL_S = 0.1
SPEED_WINDOW_S = 5.0
SPACE_MARGIN_BYTES = 64 * 1024 * 1024
GGUF_MAGIC = b"GGUF"
_UNSAFE_NAME = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
_HF_PART = re.compile(r"[\w.-]+")


class DownloadError(ParleyError):
    """A download failed; the message says what happened and what to do."""


class DownloadCancelled(DownloadError):
    """The user stopped a download; its partial file is kept for resuming."""


@dataclass(frozen=True)
class DownloadSource:
    """Where a model comes from and the .gguf name it is saved as."""

    url: str
    file_name: str


@dataclass(frozen=True)
class DownloadProgress:
    """Bytes on disk (a resumed part included), the full size and speed when known, seconds left."""

    done: int
    total: int | None
    bytes_per_s: float | None
    eta_s: float | None


@dataclass(frozen=True)
class PartialDownload:
    """An unfinished download that ``download(part.source, ...)`` resumes."""

    part_path: Path
    source: DownloadSource
    sha256: str | None
    done: int
    total: int | None


class _RangeNotSatisfiable(Exception):
    def __init__(self, total: int | None) -> None:
        super().__init__(total)
        self.total = total


def resolve_source(text: str, hf_endpoint: str | None = None) -> DownloadSource:
    """Turn an http(s) URL or a Hugging Face reference (owner/repo/file.gguf) into a DownloadSource."""
    text = text.strip()
    if not text:
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "Enter a download address or a Hugging Face file such as owner/repo/model.gguf."))
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", text)
    if text.startswith("hf://") or scheme is None:
        return _hugging_face_source(text.removeprefix("hf://"), hf_endpoint)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "Cannot download from {address}; give an http(s) address or a Hugging Face "
                      "file such as owner/repo/model.gguf."), address=text)
    path = parts.path
    if parts.netloc.lower().endswith("huggingface.co"):
        path = path.replace("/blob/", "/resolve/", 1)  # a browser's page address, not the file's
    file_name = _checked_file_name(urllib.parse.unquote(path.rsplit("/", 1)[-1]), text)
    return DownloadSource(urllib.parse.urlunsplit(parts._replace(path=path)), file_name)


def _hugging_face_source(reference: str, hf_endpoint: str | None) -> DownloadSource:
    if ":" in reference:
        repo_id, path = reference.split(":", 1)
        owner, _, repo = repo_id.partition("/")
    else:
        owner, repo, path = ([*reference.split("/", 2), "", ""])[:3]
    segments = path.split("/")
    if not all(_HF_PART.fullmatch(p) and p.strip(".") for p in (owner, repo, *segments)):
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{reference} is not a download address or a Hugging Face file; write it as "
                      "owner/repo/model.gguf or paste the file's https address."), reference=reference)
    file_name = _checked_file_name(segments[-1], reference)
    endpoint = (hf_endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    return DownloadSource(f"{endpoint}/{owner}/{repo}/resolve/main/{urllib.parse.quote(path)}", file_name)


def _checked_file_name(name: str, given: str) -> str:
    if not name.lower().endswith(".gguf") or len(name) <= len(".gguf"):
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{given} does not name a .gguf file; give the address of the model file itself."),
            given=given)
    if name.startswith(".") or _UNSAFE_NAME.search(name):
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{name} is not a safe file name to save; choose an address whose last part "
                      "is a plain .gguf file name."), name=repr(name))
    return name


def _free_bytes(directory: Path) -> int:
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent  # the folder may not exist yet; its disk does
    return shutil.disk_usage(directory).free


def download(source: DownloadSource, models_dir: Path, *, sha256: str | None = None,
             progress: Callable[[DownloadProgress], None] = lambda p: None,
             cancel: threading.Event | None = None,
             free_bytes: Callable[[Path], int] = _free_bytes,
             opener: Callable[..., Any] = urllib.request.urlopen,
             timeout_s: float = 30.0) -> Path:
    """Download ``source`` into ``models_dir`` (resuming a partial file) and return the finished model."""
    expected = _checked_sha256(sha256)
    _checked_file_name(source.file_name, source.file_name)
    target = models_dir / source.file_name
    _refuse_overwrite(target)
    part, sidecar = _part_paths(models_dir, source.file_name)
    previous = _read_sidecar(sidecar) or {}
    start = part.stat().st_size if previous.get("url") == source.url and part.exists() else 0
    if start and not expected and re.fullmatch(r"[0-9a-f]{64}", str(previous.get("sha256"))):
        expected = previous["sha256"]  # keep verifying what the first attempt promised
    _check_cancel(cancel, source)
    try:
        response = _open(opener, source, start, previous, timeout_s)
    except _RangeNotSatisfiable as exc:
        if start and start == (exc.total or previous.get("total")):
            hasher = _hash_file(part, start, cancel, source) if expected else None
            progress(DownloadProgress(start, start, None, 0.0))
            return _finish(part, sidecar, target, source, expected, hasher)
        start, response = 0, _open(opener, source, 0, {}, timeout_s)  # the part no longer fits the file
    with closing(response):
        start, total = _body_extent(response, start, source)
        _check_space(free_bytes, models_dir, total, start, source)
        meter = _Meter(progress, start, total)
        try:
            models_dir.mkdir(parents=True, exist_ok=True)
            _write_sidecar(sidecar, source, expected, total, response.headers)
            hasher = _hash_file(part, start, cancel, source) if expected else None
            with _open_part(part, append=start > 0) as out:
                _stream(response, out, start, total, hasher, meter, cancel, source)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise _write_failed(exc, source, part) from exc
    return _finish(part, sidecar, target, source, expected, hasher)


def _checked_sha256(sha256: str | None) -> str | None:
    if sha256 is None:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256.strip()):
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{checksum} is not a SHA-256 checksum; give the 64 hexadecimal digits or none."),
            checksum=repr(sha256))
    return sha256.strip().lower()


def _refuse_overwrite(target: Path) -> None:
    if target.exists():
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{file} is already in the models folder; remove or rename it first "
                      "if you want to download it again."), file=target.name)


def _part_paths(models_dir: Path, file_name: str) -> tuple[Path, Path]:
    return models_dir / f"{file_name}.part", models_dir / f"{file_name}.part.json"


def _read_sidecar(sidecar: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no sidecar or a damaged one: the part cannot be trusted, so start over
    if not isinstance(meta, dict) or not all(isinstance(meta.get(key), str) for key in ("url", "file_name")):
        return None
    return meta if sidecar.name == f"{meta['file_name']}.part.json" else None


def _write_sidecar(sidecar: Path, source: DownloadSource, sha256: str | None, total: int | None,
                   headers: Any) -> None:
    meta = {"url": source.url, "file_name": source.file_name, "sha256": sha256, "total": total,
            "etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified")}
    write_atomically(sidecar, json.dumps(meta, indent=1).encode("utf-8"))


def _open(opener: Callable[..., Any], source: DownloadSource, start: int, previous: dict[str, Any],
          timeout_s: float) -> Any:
    headers = {"User-Agent": f"Parley/{__version__}", "Accept-Encoding": "identity"}
    if start:
        headers["Range"] = f"bytes={start}-"
        etag, modified = previous.get("etag"), previous.get("last_modified")
        # If-Range makes a server whose file changed send all of it again instead of a mismatched tail.
        validator = etag if etag and not etag.startswith("W/") else modified
        if validator:
            headers["If-Range"] = validator
    host = urllib.parse.urlsplit(source.url).netloc
    try:
        return opener(urllib.request.Request(source.url, headers=headers), timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:
            match = re.search(r"/(\d+)", exc.headers.get("Content-Range", "") if exc.headers else "")
            raise _RangeNotSatisfiable(int(match.group(1)) if match else None) from exc
        raise _http_failed(exc.code, exc.reason, source, host) from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        reason = _reason(exc.reason if isinstance(exc, urllib.error.URLError) else exc)
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "Cannot reach {host} ({reason}); check the connection and the address."),
            host=host, reason=reason) from exc


def _http_failed(code: int, reason: str, source: DownloadSource, host: str) -> DownloadError:
    if code == 404:
        return DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{file} was not found at {url}; check the address."),
            file=source.file_name, url=source.url)
    if code in (401, 403):
        return DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{host} refused access to {file} (HTTP {code}); it needs an "
                      "account or an access token (a gated Hugging Face repository, for example), so "
                      "download it in a web browser where you are signed in and add it to the models "
                      "folder."), host=host, file=source.file_name, code=code)
    return DownloadError(QT_TRANSLATE_NOOP(
        "Errors", "{host} answered HTTP {code} ({reason}) for {file}; try again later."),
        host=host, code=code, reason=reason, file=source.file_name)


def _reason(error: object) -> object:
    if isinstance(error, TimeoutError):
        return Phrase(QT_TRANSLATE_NOOP("Errors", "no answer in time"))
    if isinstance(error, ConnectionRefusedError):
        return Phrase(QT_TRANSLATE_NOOP("Errors", "connection refused"))
    return str(getattr(error, "strerror", None) or error or type(error).__name__)


def _body_extent(response: Any, start: int, source: DownloadSource) -> tuple[int, int | None]:
    """Where the body begins in the file and the file's full size, if the server says."""
    if response.status == 206:
        match = re.fullmatch(r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", "").strip())
        if not match or int(match.group(1)) != start:
            raise DownloadError(QT_TRANSLATE_NOOP(
                "Errors", "The server sent the wrong part of {file} when resuming; try "
                          "again later, or discard the unfinished download to start over."),
                file=source.file_name)
        return start, None if match.group(2) == "*" else int(match.group(2))
    length = response.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None  # 200: no resume, start over


def _check_space(free_bytes: Callable[[Path], int], models_dir: Path, total: int | None, start: int,
                 source: DownloadSource) -> None:
    if total is None:
        return
    needed = total - start + max(SPACE_MARGIN_BYTES, total // 100)
    free = free_bytes(models_dir)
    if free < needed:
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "Downloading {file} needs {needed} but only {free} is free on {folder}; "
                      "free some space and try again."),
            file=source.file_name, needed=size_text(needed), free=size_text(free), folder=models_dir)


def _open_part(part: Path, append: bool) -> BinaryIO:
    return part.open("ab" if append else "wb")


def _hash_file(path: Path, length: int, cancel: threading.Event | None, source: DownloadSource) -> Any:
    hasher = hashlib.sha256()
    if length:
        with path.open("rb") as existing:
            while block := existing.read(min(CHUNK_BYTES, length)):
                _check_cancel(cancel, source)
                hasher.update(block)
                length -= len(block)
    return hasher


def _stream(response: Any, out: BinaryIO, done: int, total: int | None, hasher: Any, meter: _Meter,
            cancel: threading.Event | None, source: DownloadSource) -> None:
    read = getattr(response, "read1", response.read)  # read1 returns what has arrived: prompt progress
    meter.update(done)
    while True:
        _check_cancel(cancel, source)
        try:
            chunk = read(CHUNK_BYTES)
        except (OSError, http.client.HTTPException) as exc:
            raise _stopped_early(source, done, total, exc) from exc
        if not chunk:
            break
        out.write(chunk)
        if hasher:
            hasher.update(chunk)
        done += len(chunk)
        meter.update(done)
    if total is not None and done < total:
        raise _stopped_early(source, done, total, None)
    meter.update(done, final=True)


def _check_cancel(cancel: threading.Event | None, source: DownloadSource) -> None:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(QT_TRANSLATE_NOOP(
            "Errors", "The download of {file} was cancelled; start it again to resume."),
            file=source.file_name)


def _stopped_early(source: DownloadSource, done: int, total: int | None,
                   error: Exception | None) -> DownloadError:
    where = _done_of(done, total) if total else size_text(done)
    if error:
        return DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "The download of {file} stopped early at {where} ({reason}); start it again to "
                      "resume."), file=source.file_name, where=where, reason=_reason(error))
    return DownloadError(QT_TRANSLATE_NOOP(
        "Errors", "The download of {file} stopped early at {where}; start it again to resume."),
        file=source.file_name, where=where)


def _write_failed(exc: OSError, source: DownloadSource, part: Path) -> DownloadError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "The disk is full, so the download of {file} stopped; free some "
                      "space and start it again to resume."), file=source.file_name)
    return DownloadError(QT_TRANSLATE_NOOP(
        "Errors", "Cannot write {path} ({reason}); check that the models folder is writable."),
        path=part, reason=exc.strerror or exc)


def _finish(part: Path, sidecar: Path, target: Path, source: DownloadSource, expected: str | None,
            hasher: Any) -> Path:
    with part.open("rb") as head:
        magic = head.read(len(GGUF_MAGIC))
    if expected and hasher.hexdigest() != expected:
        bad = _set_aside(part, sidecar)
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "The download of {file} does not match the expected checksum, so it "
                      "was not added; the file was moved aside to {moved}."),
            file=source.file_name, moved=bad)
    if magic != GGUF_MAGIC:
        bad = _set_aside(part, sidecar)
        raise DownloadError(QT_TRANSLATE_NOOP(
            "Errors", "{url} is not a GGUF model file (perhaps a web page); the file was moved "
                      "aside to {moved}; check the address."), url=source.url, moved=bad)
    _refuse_overwrite(target)  # the user may have put a file there while this ran
    os.replace(part, target)
    sidecar.unlink(missing_ok=True)
    return target


def _set_aside(part: Path, sidecar: Path) -> Path:
    bad = part.with_name(part.name.removesuffix(".part") + ".bad")
    os.replace(part, bad)
    sidecar.unlink(missing_ok=True)
    return bad


class _Meter:
    """Reports progress at most every PROGRESS_INTERVAL_S, with speed over the last few seconds."""

    def __init__(self, report: Callable[[DownloadProgress], None], start: int, total: int | None) -> None:
        self._report, self._total = report, total
        self._samples = deque([(time.monotonic(), start)])
        self._last = float("-inf")

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
            self._samples.popleft()
        then, done_then = self._samples[0]
        speed = (done - done_then) / (now - then) if now > then and done > done_then else None
        eta = (self._total - done) / speed if speed and self._total is not None else None
        self._report(DownloadProgress(done, self._total, speed, eta))


def partial_downloads(models_dir: Path) -> list[PartialDownload]:
    """The unfinished downloads in ``models_dir`` that can be resumed."""
    found = []
    for sidecar in sorted(models_dir.glob("*.part.json")):
        meta = _read_sidecar(sidecar)
        if meta is None:
            continue
        part = sidecar.with_suffix("")
        done = part.stat().st_size if part.exists() else 0
        source = DownloadSource(meta["url"], meta["file_name"])
        total = meta.get("total") if isinstance(meta.get("total"), int) else None
        found.append(PartialDownload(part, source, meta.get("sha256"), done, total))
    return found


def discard_partial(part: PartialDownload) -> None:
    """Throw away an unfinished download: its partial file and its sidecar."""
    part.part_path.unlink(missing_ok=True)
    part.part_path.with_name(part.part_path.name + ".json").unlink(missing_ok=True)


def format_progress(p: DownloadProgress) -> Phrase:
    """"12.5 MB of 80.0 MB · 3.1 MB/s · 22 s left", leaving out what is unknown."""
    parts: list[object] = [size_text(p.done) if p.total is None else _done_of(p.done, p.total)]
    if p.bytes_per_s:
        parts.append(f"{size_text(p.bytes_per_s)}/s")
    if p.eta_s is not None:
        seconds = round(p.eta_s)
        if seconds < 60:
            parts.append(Phrase(QT_TRANSLATE_NOOP("Errors", "{seconds} s left"), seconds=seconds))
        elif seconds < 3600:
            parts.append(Phrase(QT_TRANSLATE_NOOP("Errors", "{minutes} min left"), minutes=seconds // 60))
        else:
            parts.append(Phrase(QT_TRANSLATE_NOOP("Errors", "{hours} h {minutes} min left"),
                                hours=seconds // 3600, minutes=seconds % 3600 // 60))
    return Joined(" · ", parts)


def _done_of(done: int, total: int) -> Phrase:
    """"12.5 MB of 80.0 MB"."""
    return Phrase(QT_TRANSLATE_NOOP("Errors", "{done} of {total}"), done=size_text(done),
                  total=size_text(total))

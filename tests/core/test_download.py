"""Model downloads against a local HTTP server: progress, cancel and resume, faults, checks, sources."""

from __future__ import annotations

import errno
import hashlib
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.core import download as download_module
from app.core.download import (
    DownloadCancelled,
    DownloadError,
    DownloadProgress,
    DownloadSource,
    discard_partial,
    download,
    format_progress,
    partial_downloads,
    resolve_source,
)
from tests.http_server import FileServer, closed_port, serve_files

PAYLOAD = b"GGUF" + random.Random(7).randbytes(3_000_000 - 4)
SHA = hashlib.sha256(PAYLOAD).hexdigest()
CUT = 1_000_000


@pytest.fixture
def server() -> Iterator[FileServer]:
    with serve_files() as running:
        yield running


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return tmp_path / "models"


def source_for(server: FileServer, path: str = "/m.gguf") -> DownloadSource:
    return DownloadSource(server.url(path), path.rsplit("/", 1)[-1])


def leftovers(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir()) if models.exists() else []


def cut_download(server: FileServer, models: Path, **options: Any) -> DownloadSource:
    """Leave a partial download of CUT bytes behind, as a dropped connection would."""
    server.add("/m.gguf", PAYLOAD, cut_after=CUT)
    source = source_for(server)
    with pytest.raises(DownloadError, match=r"stopped early at 1\.0 MB of 3\.0 MB; start it again to resume"):
        download(source, models, **options)
    return source


def test_download_reports_progress_and_verifies_the_checksum(server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD, delay_s=0.01, chunk=128 * 1024)
    reports: list[DownloadProgress] = []
    result = download(source_for(server), models, sha256=SHA.upper(), progress=reports.append)

    assert result == models / "m.gguf" and result.read_bytes() == PAYLOAD
    assert leftovers(models) == ["m.gguf"]
    done = [p.done for p in reports]
    assert done == sorted(done) and len(reports) >= 2
    assert all(p.total == len(PAYLOAD) for p in reports)
    final = reports[-1]
    assert final.done == len(PAYLOAD) and final.bytes_per_s and final.eta_s == 0
    assert server.requests[0].headers["User-Agent"] == f"Parley/{__version__}"


def test_a_cancelled_download_keeps_its_part_and_resumes_where_it_stopped(
        server: FileServer, models: Path) -> None:
    served = server.add("/m.gguf", PAYLOAD, delay_s=0.01)
    cancel = threading.Event()

    def cancel_once_started(p: DownloadProgress) -> None:
        if p.done:
            cancel.set()

    with pytest.raises(DownloadCancelled, match=r"m\.gguf was cancelled; start it again to resume"):
        download(source_for(server), models, sha256=SHA, progress=cancel_once_started, cancel=cancel)
    assert leftovers(models) == ["m.gguf.part", "m.gguf.part.json"]
    kept = (models / "m.gguf.part").stat().st_size
    assert 0 < kept < len(PAYLOAD)
    [partial] = partial_downloads(models)
    assert (partial.source, partial.sha256, partial.done, partial.total) == (
        source_for(server), SHA, kept, len(PAYLOAD))

    served.delay_s = 0
    # No checksum given this time: the one from the first attempt is still checked.
    result = download(partial.source, models, cancel=threading.Event())
    assert result.read_bytes() == PAYLOAD and leftovers(models) == ["m.gguf"]
    resumed = server.requests[-1]
    assert resumed.headers["Range"] == f"bytes={kept}-"
    assert (resumed.status, resumed.bytes_sent) == (206, len(PAYLOAD) - kept)


def test_a_dropped_connection_is_resumable(server: FileServer, models: Path) -> None:
    source = cut_download(server, models, sha256=SHA)
    assert (models / "m.gguf.part").read_bytes() == PAYLOAD[:CUT]
    assert not (models / "m.gguf").exists()

    assert download(source, models, sha256=SHA).read_bytes() == PAYLOAD
    assert server.requests[-1].headers["Range"] == f"bytes={CUT}-"
    assert server.requests[-1].bytes_sent == len(PAYLOAD) - CUT


def test_a_resume_asks_for_the_same_version_of_the_file(server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD, cut_after=CUT, headers={"ETag": '"v1"'})
    with pytest.raises(DownloadError, match="stopped early"):
        download(source_for(server), models)
    download(source_for(server), models)
    # If-Range: a server whose file changed sends all of it with 200 instead of a mismatched tail.
    assert server.requests[-1].headers["If-Range"] == '"v1"'


def test_a_silent_server_times_out_and_the_part_is_kept(server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD, delay_s=5)
    with pytest.raises(DownloadError, match=r"stopped early at 0 B of 3\.0 MB \(no answer in time\); start"):
        download(source_for(server), models, timeout_s=0.2)
    assert leftovers(models) == ["m.gguf.part", "m.gguf.part.json"]


def test_a_server_without_range_support_starts_over(server: FileServer, models: Path) -> None:
    source = cut_download(server, models)
    server.files["/m.gguf"].ranges = False
    assert download(source, models, sha256=SHA).read_bytes() == PAYLOAD
    assert "Range" in server.requests[-1].headers
    assert (server.requests[-1].status, server.requests[-1].bytes_sent) == (200, len(PAYLOAD))
    assert leftovers(models) == ["m.gguf"]


def test_a_part_that_is_already_complete_is_verified_and_kept(server: FileServer, models: Path) -> None:
    source = cut_download(server, models, sha256=SHA)
    with (models / "m.gguf.part").open("ab") as part:  # as if the app stopped just before the rename
        part.write(PAYLOAD[CUT:])
    assert download(source, models).read_bytes() == PAYLOAD
    assert server.requests[-1].status == 416 and leftovers(models) == ["m.gguf"]


def test_a_part_from_another_address_is_not_reused(server: FileServer, models: Path) -> None:
    cut_download(server, models)
    other = b"GGUF" + bytes(500_000)
    server.add("/elsewhere/m.gguf", other)
    assert download(source_for(server, "/elsewhere/m.gguf"), models).read_bytes() == other
    assert "Range" not in server.requests[-1].headers


def test_a_checksum_mismatch_moves_the_file_aside(server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD)
    moved_aside = r"does not match the expected checksum.*moved aside to .*m\.gguf\.bad"
    with pytest.raises(DownloadError, match=moved_aside):
        download(source_for(server), models, sha256="0" * 64)
    assert leftovers(models) == ["m.gguf.bad"]
    assert (models / "m.gguf.bad").read_bytes() == PAYLOAD


def test_a_file_that_is_not_gguf_is_moved_aside(server: FileServer, models: Path) -> None:
    server.add("/page.gguf", b"<!doctype html><p>Sign in to continue</p>")
    with pytest.raises(DownloadError, match=r"is not a GGUF model file.*check the address"):
        download(source_for(server, "/page.gguf"), models)
    assert leftovers(models) == ["page.gguf.bad"]


def test_a_malformed_checksum_is_refused_before_any_request(server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD)
    with pytest.raises(DownloadError, match="is not a SHA-256 checksum"):
        download(source_for(server), models, sha256="abc123")
    assert server.requests == [] and not models.exists()


def test_too_little_disk_space_is_refused_before_anything_is_written(
        server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD)
    with pytest.raises(DownloadError, match=r"needs 70\.1 MB but only 1\.0 MB is free on .*free some space"):
        download(source_for(server), models, free_bytes=lambda path: 1_000_000)
    assert not models.exists()


class FillingDisk:
    """A part file on a disk that fills up after ``room`` more bytes."""

    def __init__(self, real: Any, room: int) -> None:
        self.real, self.room = real, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> FillingDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


def test_a_full_disk_stops_the_download_and_keeps_the_part(
        server: FileServer, models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server.add("/m.gguf", PAYLOAD)
    real_open_part = download_module._open_part
    monkeypatch.setattr(download_module, "_open_part",
                        lambda path, append: FillingDisk(real_open_part(path, append), room=CUT))
    with pytest.raises(DownloadError, match=r"disk is full.*start it again to resume"):
        download(source_for(server), models, sha256=SHA)
    assert leftovers(models) == ["m.gguf.part", "m.gguf.part.json"]
    kept = (models / "m.gguf.part").stat().st_size
    assert 0 < kept <= CUT

    monkeypatch.undo()
    assert download(source_for(server), models).read_bytes() == PAYLOAD


@pytest.mark.parametrize(("status", "sentence"), [
    (404, r"m.gguf was not found at http://127.0.0.1:\d+/m.gguf; check the address\."),
    (403, r"refused access to m.gguf \(HTTP 403\); .*access token.*gated Hugging Face.*web browser"),
    (401, r"\(HTTP 401\)"),
    (500, r"answered HTTP 500 \(Internal Server Error\) for m.gguf; try again later\."),
])
def test_http_errors_become_sentences(server: FileServer, models: Path, status: int, sentence: str) -> None:
    server.add("/m.gguf", PAYLOAD, status=status)
    with pytest.raises(DownloadError, match=sentence):
        download(source_for(server), models)
    assert leftovers(models) == []


def test_an_unreachable_host_becomes_a_sentence(models: Path) -> None:
    port = closed_port()
    source = DownloadSource(f"http://127.0.0.1:{port}/m.gguf", "m.gguf")
    with pytest.raises(DownloadError, match=rf"Cannot reach 127.0.0.1:{port} \(connection refused\); check"):
        download(source, models, timeout_s=5)


def test_a_finished_model_is_never_overwritten(server: FileServer, models: Path) -> None:
    server.add("/m.gguf", PAYLOAD)
    models.mkdir()
    (models / "m.gguf").write_bytes(b"mine")
    with pytest.raises(DownloadError, match=r"m\.gguf is already in the models folder"):
        download(source_for(server), models)
    assert (models / "m.gguf").read_bytes() == b"mine" and server.requests == []


def test_discarding_a_partial_download_removes_it(server: FileServer, models: Path) -> None:
    source = cut_download(server, models, sha256=SHA)
    [partial] = partial_downloads(models)
    assert partial.part_path == models / "m.gguf.part"
    assert (partial.source, partial.sha256, partial.done, partial.total) == (source, SHA, CUT, len(PAYLOAD))
    discard_partial(partial)
    assert leftovers(models) == [] and partial_downloads(models) == []
    assert partial_downloads(models / "missing") == []


def test_a_hugging_face_reference_downloads_through_resolve(server: FileServer, models: Path) -> None:
    server.add("/owner/repo/resolve/main/file.gguf", PAYLOAD)
    source = resolve_source("owner/repo/file.gguf", hf_endpoint=server.base_url)
    assert source == DownloadSource(server.url("/owner/repo/resolve/main/file.gguf"), "file.gguf")
    assert download(source, models, sha256=SHA).read_bytes() == PAYLOAD


def test_urls_resolve_to_their_file_name() -> None:
    url = "https://example.com/models/My%20Model.Q4_K_M.gguf?download=true"
    assert resolve_source(f"  {url} ") == DownloadSource(url, "My Model.Q4_K_M.gguf")
    assert resolve_source("https://huggingface.co/o/r/blob/main/x.gguf") == DownloadSource(
        "https://huggingface.co/o/r/resolve/main/x.gguf", "x.gguf")


def test_hugging_face_references_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    expected = DownloadSource("https://huggingface.co/o/r-1.5B/resolve/main/sub/x.Q4.gguf", "x.Q4.gguf")
    for text in ("o/r-1.5B/sub/x.Q4.gguf", "o/r-1.5B:sub/x.Q4.gguf", "hf://o/r-1.5B/sub/x.Q4.gguf"):
        assert resolve_source(text) == expected
    assert resolve_source("o/r:x.gguf", hf_endpoint="http://mirror/").url == "http://mirror/o/r/resolve/main/x.gguf"
    monkeypatch.setenv("HF_ENDPOINT", "https://hf-mirror.example")
    assert resolve_source("o/r/x.gguf").url == "https://hf-mirror.example/o/r/resolve/main/x.gguf"


@pytest.mark.parametrize(("text", "sentence"), [
    ("  ", "Enter a download address"),
    ("file:///home/me/x.gguf", "Cannot download from file:///home/me/x.gguf; give an http"),
    ("ftp://example.com/x.gguf", "Cannot download from ftp://"),
    ("C:\\models\\x.gguf", "Cannot download from"),
    ("https://example.com/x.bin", "does not name a .gguf file"),
    ("https://example.com/", "does not name a .gguf file"),
    ("https://example.com/a%2F..%2Fx.gguf", "is not a safe file name"),
    ("https://example.com/.gguf", "does not name a .gguf file"),
    ("https://example.com/.hidden.gguf", "is not a safe file name"),
    ("owner/x.gguf", "is not a download address or a Hugging Face file"),
    ("owner/repo/../x.gguf", "is not a download address or a Hugging Face file"),
    ("owner/repo/sub//x.gguf", "is not a download address or a Hugging Face file"),
    ("owner/repo/x.txt", "does not name a .gguf file"),
])
def test_unusable_sources_are_refused_with_a_sentence(text: str, sentence: str) -> None:
    with pytest.raises(DownloadError, match=sentence.replace(".", r"\.").replace("(", r"\(")):
        resolve_source(text)


def test_progress_text_leaves_out_what_is_unknown() -> None:
    assert str(format_progress(DownloadProgress(12_500_000, 80_000_000, 3_100_000, 22.4))) == (
        "12.5 MB of 80.0 MB · 3.1 MB/s · 22 s left")
    assert str(format_progress(DownloadProgress(512, None, None, None))) == "512 B"
    assert str(format_progress(DownloadProgress(2_000, 4_100_000_000, 50_000, 4_000))) == (
        "2.0 kB of 4.1 GB · 50.0 kB/s · 1 h 6 min left")
    assert str(format_progress(DownloadProgress(0, 10, None, None))) == "0 B of 10 B"
    assert str(format_progress(DownloadProgress(5, 10, 1.0, 150))).endswith("2 min left")

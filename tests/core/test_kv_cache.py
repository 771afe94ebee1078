"""Saved KV states: the RAM LRU cache and the disk cache (caps, matching, damaged files)."""

from __future__ import annotations

from pathlib import Path

from app.core.kv_cache import DiskStateCache, RamStateCache, Snapshot, common_prefix, file_identity


def snapshot(tokens: range | list[int], state_size: int = 1000, context: str = "model-a",
             template: str = "t") -> Snapshot:
    tokens = tuple(tokens)
    return Snapshot(context, template, tokens, bytes([len(tokens) % 256]) * state_size)


def test_common_prefix() -> None:
    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix([], [1]) == 0
    assert common_prefix([1, 2], [1, 2]) == 2


def test_ram_cache_finds_the_longest_matching_snapshot_with_the_same_keys() -> None:
    cache = RamStateCache()
    cache.put(snapshot(range(100)), cap=10**6)
    cache.put(snapshot([*range(50), 999, 998]), cap=10**6)
    cache.put(snapshot(range(300), context="model-b"), cap=10**6)
    found, length = cache.best("model-a", "t", list(range(200)))
    assert found is not None and found.tokens == tuple(range(100)) and length == 100
    assert cache.best("model-a", "other template", list(range(200))) == (None, 0)
    assert cache.best("model-c", "t", list(range(200))) == (None, 0)


def test_ram_cache_drops_superseded_snapshots_and_the_least_recently_used_beyond_its_cap() -> None:
    cache = RamStateCache()
    cache.put(snapshot(range(10)), cap=10**6)
    cache.put(snapshot(range(20)), cap=10**6)  # the same conversation, further on
    assert len(cache) == 1
    size = snapshot(range(20)).size
    cache.put(snapshot(range(1000, 1020)), cap=3 * size)
    cache.put(snapshot(range(2000, 2020)), cap=3 * size)
    cache.best("model-a", "t", list(range(20)))  # used: now the most recent
    cache.put(snapshot(range(3000, 3020)), cap=3 * size)
    assert len(cache) == 3 and cache.size <= 3 * size
    assert cache.best("model-a", "t", list(range(1000, 1020)))[0] is None  # the oldest went
    assert cache.best("model-a", "t", list(range(20)))[1] == 20
    cache.put(snapshot(range(5000, 5020)), cap=0)  # a zero cap keeps nothing
    assert len(cache) == 0


def test_disk_cache_round_trip_survives_a_new_instance(tmp_path: Path) -> None:
    cache = DiskStateCache(tmp_path)
    original = snapshot(range(64), state_size=5000)
    cache.put(original, cap=10**7)
    again = DiskStateCache(tmp_path)
    found, length = again.best("model-a", "t", [*range(64), 7, 8])
    assert found == original and length == 64


def test_disk_cache_reads_a_state_only_when_it_beats_what_is_held(tmp_path: Path, monkeypatch) -> None:
    """A follow-up's KV cache already holds its conversation: the saved state (tens of MB) is
    not read just to be compared (it cost 40 ms before every follow-up)."""
    cache = DiskStateCache(tmp_path)
    cache.put(snapshot(range(64), state_size=5000), cap=10**7)
    reads: list[Path] = []
    load = DiskStateCache._load
    monkeypatch.setattr(DiskStateCache, "_load",
                        lambda self, entry: reads.append(entry.path) or load(self, entry))
    prompt = [*range(64), 7, 8]
    assert cache.best("model-a", "t", prompt, better_than=64) == (None, 0)
    assert cache.best("model-a", "t", prompt, better_than=100) == (None, 0)
    assert reads == []
    found, length = cache.best("model-a", "t", prompt, better_than=40)
    assert found is not None and length == 64 and len(reads) == 1


def test_disk_cache_respects_its_cap_dropping_the_least_recently_used(tmp_path: Path) -> None:
    cache = DiskStateCache(tmp_path)
    one = snapshot(range(100, 120), state_size=10_000)
    cache.put(one, cap=10**7)
    cap = 3 * next(tmp_path.glob("*.kvstate")).stat().st_size + 100
    for start in (200, 300):
        cache.put(snapshot(range(start, start + 20), state_size=10_000), cap)
    cache.best("model-a", "t", list(range(100, 120)))  # touch the first: recently used now
    cache.put(snapshot(range(400, 420), state_size=10_000), cap)
    files = list(tmp_path.glob("*.kvstate"))
    assert len(files) == 3 and sum(f.stat().st_size for f in files) <= cap
    assert DiskStateCache(tmp_path).best("model-a", "t", list(range(200, 220)))[0] is None
    assert DiskStateCache(tmp_path).best("model-a", "t", list(range(100, 120)))[0] == one


def test_a_conversation_keeps_one_file_as_it_grows(tmp_path: Path) -> None:
    cache = DiskStateCache(tmp_path)
    for length in (10, 20, 30):
        cache.put(snapshot(range(length)), cap=10**7)
    assert len(list(tmp_path.glob("*.kvstate"))) == 1


def test_a_damaged_file_is_deleted_and_the_next_best_is_used(tmp_path: Path) -> None:
    cache = DiskStateCache(tmp_path)
    good = snapshot([*range(50), 777])
    cache.put(good, cap=10**7)
    cache.put(snapshot([*range(80), 5]), cap=10**7)
    longest = max(tmp_path.glob("*.kvstate"), key=lambda p: p.stat().st_size)
    data = bytearray(longest.read_bytes())
    data[-10] ^= 0xFF  # a flipped bit in the state: its checksum fails
    longest.write_bytes(bytes(data))
    found, length = DiskStateCache(tmp_path).best("model-a", "t", list(range(100)))
    assert found == good and length == 50
    assert not longest.exists()


def test_unreadable_files_are_cleared_when_the_cache_opens(tmp_path: Path) -> None:
    cache = DiskStateCache(tmp_path)
    cache.put(snapshot(range(40)), cap=10**7)
    (tmp_path / "garbage.kvstate").write_bytes(b"not a state at all")
    (tmp_path / "cut.kvstate").write_bytes(next(tmp_path.glob("*.kvstate")).read_bytes()[:60])
    (tmp_path / "half-written.tmp").write_bytes(b"PARLEYKV")
    reopened = DiskStateCache(tmp_path)
    assert len(reopened) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        p.name for p in tmp_path.glob("*.kvstate")]
    assert reopened.best("model-a", "t", list(range(40)))[1] == 40


def test_an_unwritable_directory_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = DiskStateCache(blocker / "states")  # cannot be created: a file is in the way
    cache.put(snapshot(range(10)), cap=10**7)
    assert cache.best("model-a", "t", list(range(10))) == (None, 0)


def test_file_identity_changes_with_content_and_size(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(10_000))
    first = file_identity(model)
    model.write_bytes(b"GGUF" + bytes(9_999) + b"\x01")
    assert file_identity(model) != first
    model.write_bytes(b"GGUF" + bytes(10_000))
    assert file_identity(model) == first

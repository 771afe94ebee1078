"""Keeping conversations' KV state: snapshots taken after each reply, restored for a later prompt.

After a reply the engine's KV cache holds the conversation up to that reply. ``StateKeeper``
copies it (llama.cpp's ``llama_state_get_data``) into the RAM cache and, when enabled, the disk
cache (``app.core.kv_cache``). Before a prompt is evaluated it restores the snapshot sharing
the most leading tokens with the prompt, if that beats what the KV cache holds already, so
switching A -> B -> A, or reopening a chat after a restart, evaluates only the new tokens.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import llama_cpp

from app.core.generation import StateCachePolicy
from app.core.kv_cache import DiskStateCache, RamStateCache, Snapshot

log = logging.getLogger(__name__)

MIN_GAIN = 32  # restore a snapshot only if it saves evaluating at least this many tokens


def context_key(identity: str, llama: llama_cpp.Llama, flash_attn: bool) -> str:
    """What a state's layout depends on: model file, context length, attention kernel, and the
    llama.cpp build that wrote it."""
    return f"{identity}|ctx={llama.n_ctx()}|fa={int(flash_attn)}|llama-cpp-python={llama_cpp.__version__}"


def template_key(source: str | None) -> str:
    """A short name for a chat template's text (None: the model's own)."""
    return hashlib.sha256((source or "<model>").encode()).hexdigest()[:16]


class StateKeeper:
    """The RAM and disk snapshot caches of one engine."""

    def __init__(self, directory: Path | None) -> None:
        self.ram = RamStateCache()
        self.disk = DiskStateCache(directory) if directory is not None else None
        self.context = ""
        self.restored_tokens = 0  # tokens the latest restore brought back (for tests and logs)
        self._last_saved: tuple[int, ...] = ()

    def model_loaded(self, context: str) -> None:
        """A new model (or context) is in use: RAM snapshots of the old one are useless now."""
        if context != self.context:
            self.ram = RamStateCache()
        self.context = context
        self._last_saved = ()

    def restore_best(self, llama: llama_cpp.Llama, prompt: Sequence[int], template: str,
                     have: int, policy: StateCachePolicy) -> bool:
        """Restore the snapshot matching most of ``prompt`` when it beats the ``have`` tokens the
        KV cache already shares with it; whether it did. On a failure the cache is emptied (so
        the prompt is evaluated)."""
        best, length = self.ram.best(self.context, template, prompt)
        if policy.disk and self.disk is not None and length < len(prompt) - 1:
            # Read from disk only a state that beats both the RAM one and the KV cache.
            on_disk, disk_length = self.disk.best(self.context, template, prompt,
                                                  better_than=max(length, have + MIN_GAIN - 1))
            if on_disk is not None:
                best, length = on_disk, disk_length
        if best is None or length < have + MIN_GAIN:
            return False
        if _set_state(llama, best):
            self.restored_tokens = length
            self._last_saved = best.tokens
            log.info("restored a saved state: %d of %d prompt tokens", length, len(prompt))
            return True
        log.warning("a saved state could not be restored; evaluating the prompt instead")
        llama.reset()
        return False

    def remember(self, llama: llama_cpp.Llama, template: str, policy: StateCachePolicy) -> None:
        """Snapshot the KV cache as it is now (after a reply)."""
        tokens = tuple(int(t) for t in llama.input_ids[:llama.n_tokens])
        if not tokens or tokens == self._last_saved:
            return
        wants_disk = policy.disk and self.disk is not None
        if policy.ram_bytes <= 0 and not wants_disk:
            return
        snapshot = Snapshot(self.context, template, tokens, _get_state(llama))
        self.ram.put(snapshot, policy.ram_bytes)
        if wants_disk:
            self.disk.put(snapshot, policy.disk_bytes)  # type: ignore[union-attr]
        self._last_saved = tokens


def _get_state(llama: llama_cpp.Llama) -> bytearray:
    size = llama_cpp.llama_state_get_size(llama._ctx.ctx)
    buffer = bytearray(size)  # writable, so a restore can hand it to llama.cpp without a copy
    written = llama_cpp.llama_state_get_data(llama._ctx.ctx, (ctypes.c_uint8 * size).from_buffer(buffer),
                                             size)
    del buffer[written:]
    return buffer


def _set_state(llama: llama_cpp.Llama, snapshot: Snapshot) -> bool:
    count = len(snapshot.tokens)
    if count > llama.n_ctx():
        return False
    state = snapshot.state
    kind = ctypes.c_uint8 * len(state)
    buffer = kind.from_buffer(state) if isinstance(state, bytearray) else kind.from_buffer_copy(state)
    if llama_cpp.llama_state_set_data(llama._ctx.ctx, buffer, len(state)) != len(state):
        return False
    llama.input_ids[:count] = snapshot.tokens
    llama.n_tokens = count
    if hasattr(llama, "_requires_eval"):
        llama._requires_eval = True  # the logits were not computed by this context
    return True

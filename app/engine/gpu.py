"""What this llama.cpp build can offload to: ``llama_supports_gpu_offload`` and ggml's devices.

llama-cpp-python does not wrap ggml's device API, so the few functions needed are declared
here with ctypes over the ggml library it ships. Querying is cheap (no model is needed), but it
is still native code, so the GUI asks the engine worker, never calls this itself.
"""

from __future__ import annotations

import ctypes
import logging

import llama_cpp
from llama_cpp._ggml import libggml

from app.core.offload import GpuDevice, OffloadSupport

log = logging.getLogger(__name__)

# enum ggml_backend_dev_type: CPU, GPU, IGPU (integrated, shares host memory), ACCEL (BLAS...).
_GPU_TYPES = (1, 2)


def _declare() -> bool:
    try:
        libggml.ggml_backend_dev_count.restype = ctypes.c_size_t
        libggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
        libggml.ggml_backend_dev_get.restype = ctypes.c_void_p
        for name in ("ggml_backend_dev_name", "ggml_backend_dev_description"):
            getattr(libggml, name).argtypes = [ctypes.c_void_p]
            getattr(libggml, name).restype = ctypes.c_char_p
        libggml.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
        libggml.ggml_backend_dev_type.restype = ctypes.c_int
        libggml.ggml_backend_dev_memory.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_size_t)]
        libggml.ggml_backend_dev_memory.restype = None
    except AttributeError:  # an older ggml without the device API
        log.warning("this ggml has no device API; GPUs cannot be listed")
        return False
    return True


_HAS_DEVICE_API = _declare()


def probe_offload() -> OffloadSupport:
    """Whether this build offloads, and every GPU it sees with its free memory now."""
    llama_cpp.llama_backend_init()  # registers the backends; idempotent
    supported = bool(llama_cpp.llama_supports_gpu_offload())
    if not _HAS_DEVICE_API:
        return OffloadSupport(supported)
    devices = []
    for index in range(libggml.ggml_backend_dev_count()):
        device = libggml.ggml_backend_dev_get(index)
        if libggml.ggml_backend_dev_type(device) not in _GPU_TYPES:
            continue
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        libggml.ggml_backend_dev_memory(device, ctypes.byref(free), ctypes.byref(total))
        devices.append(GpuDevice(_text(libggml.ggml_backend_dev_name(device)),
                                 _text(libggml.ggml_backend_dev_description(device)),
                                 free.value, total.value))
    return OffloadSupport(supported, tuple(devices))


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", errors="replace") if raw else ""


def build_info() -> list[tuple[str, str]]:
    """How this llama.cpp was built, for the About dialog and bug reports: the bindings' version,
    whether it can offload to a GPU, and ggml's CPU features. Read-only lookups that need no
    model and no backend initialisation, so the GUI may call it while the worker loads a model."""
    system = _text(llama_cpp.llama_print_system_info()).strip().rstrip("|").strip()
    return [("llama-cpp-python", llama_cpp.__version__),
            ("GPU offload", "supported" if llama_cpp.llama_supports_gpu_offload() else "not in this build"),
            ("llama.cpp", system)]

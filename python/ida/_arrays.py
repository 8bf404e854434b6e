"""Telling host arrays from device arrays, and giving results back in kind.

* numpy arrays (and any DLPack producer whose data lives on the CPU, such as a
  CPU torch tensor) run on the host path: they are passed to the kernels in
  place, so they must already have the layer's dtype and be C-contiguous.
* DLPack producers on a CUDA device (PyTorch, CuPy, ...) run on the device
  path: the kernels read them by device pointer, ordered after the producer's
  pending work on its stream.
Results come back as the same kind of array as the first array argument (q).
"""
import importlib

import numpy as np

KDL_CPU, KDL_CUDA, KDL_CUDA_HOST = 1, 2, 3


def device_of(x):
    """('cpu' | 'cuda', ordinal) of an array-like."""
    if isinstance(x, np.ndarray):
        return ("cpu", 0)
    fn = getattr(x, "__dlpack_device__", None)
    if fn is None:
        return ("cpu", 0)
    kind, ordinal = fn()
    kind = int(kind)
    if kind == KDL_CUDA:
        return ("cuda", int(ordinal))
    if kind in (KDL_CPU, KDL_CUDA_HOST):
        return ("cpu", 0)
    return ("other:%d" % kind, int(ordinal))


def _torch_tensor(x):
    mod = type(x).__module__
    return mod.startswith("torch") and hasattr(x, "detach")


def to_host(name, x):
    """A numpy view of a host array-like (no copy where possible)."""
    if isinstance(x, np.ndarray):
        return x
    if _torch_tensor(x):
        return x.detach().numpy()
    if hasattr(x, "__dlpack__"):
        try:
            return np.from_dlpack(x)
        except (TypeError, RuntimeError, BufferError) as e:
            raise ValueError(f"input '{name}': cannot read it as a host array through DLPack ({e})")
    if isinstance(x, (list, tuple, float, int)):
        raise ValueError(f"input '{name}': expected an array (numpy, or a DLPack producer), got "
                         f"{type(x).__name__}; wrap it with numpy.asarray(..., dtype=...)")
    raise ValueError(f"input '{name}': expected an array (numpy, or a DLPack producer), got "
                     f"{type(x).__name__}")


def wrap_like(example, host_or_device_array):
    """Returns a result array in the kind of `example` (numpy, torch, cupy, ...)."""
    x = host_or_device_array
    if isinstance(example, np.ndarray) or example is None:
        return x
    mod_name = type(example).__module__.split(".")[0]
    if mod_name == "torch":
        import torch
        if isinstance(x, np.ndarray):
            if x.dtype == np.uint16:  # bf16 bits
                return torch.from_numpy(x.view(np.int16)).view(torch.bfloat16)
            return torch.from_numpy(x)
        return torch.from_dlpack(x)
    if isinstance(x, np.ndarray):
        return x
    try:
        mod = importlib.import_module(mod_name)
        from_dlpack = getattr(mod, "from_dlpack", None)
        if from_dlpack is not None:
            return from_dlpack(x)
    except ImportError:  # pragma: no cover
        pass
    return x

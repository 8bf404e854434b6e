"""ida: Interdomain Attention layers compiled to fused kernels (docs/python.md).

    import numpy as np, ida
    layer = ida.layer(mixer="ida", feature="elu1", basis=4, chunk=32,
                      heads=2, head_dim=16, value_dim=16)
    y = layer(q, k, v, dt, g, A_log, dt_bias)           # numpy in, numpy out
    grads = layer.vjp(q, k, v, dt, g, A_log, dt_bias, dy=dy)
    y1, S = layer.decode_step(q1, k1, v1, dt1, g1, A_log, dt_bias, S=S)

``ida.layer`` compiles just in time with idac (where the compiler is built);
``ida.load(bundle_dir)`` opens an ahead-of-time bundle with the runtime alone.
``ida.torch`` (with PyTorch installed) has the autograd Function and an
``InterdomainAttention`` module.
"""
from . import _ida
from ._ida import (ArgumentError, CompileError, ConfigError, Error, FileError, ManifestError,
                   UnavailableError)
from ._layer import Bundle, Layer, cache_dir, compile, devices, layer, load
from ._compiler import find_idac

try:
    from ._build_info import VERSION as __version__
except ImportError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = [
    "layer", "load", "compile", "devices", "cache_dir", "find_idac", "Layer", "Bundle",
    "Error", "ArgumentError", "CompileError", "ConfigError", "ManifestError",
    "UnavailableError", "FileError",
]

"""Bundles and layers: the Python face of the runtime (docs/python.md)."""
import json
import pathlib
import threading

import numpy as np

from . import _arrays, _compiler, _ida

_DTYPES = {"float32": "f32", "f32": "f32", "bfloat16": "bf16", "bf16": "bf16",
           "float16": "f16", "f16": "f16"}
_MIXERS = ("ida", "ssm", "mamba2", "linear", "retnet", "softmax")
_FEATURES = ("identity", "elu1", "relu", "taylor2", "prf", "hedgehog")
_WEIGHTS = ("softmax", "sigmoid", "uniform")
_TARGETS = ("auto", "cpu", "cuda")


def _check_target(target):
    if target not in _TARGETS:
        raise ValueError(f"target: expected one of {', '.join(_TARGETS)}, got {target!r}")


class Bundle:
    """A compiled bundle (a directory with manifest.json and kernel sources).

    ``bundle.run(entry, **inputs)`` runs one entry point and returns a dict of
    its outputs. Launchers are opened lazily, one per target.
    """

    def __init__(self, path, target="auto"):
        _check_target(target)
        self.path = pathlib.Path(path)
        manifest_file = self.path / "manifest.json"
        if not manifest_file.is_file():
            raise FileNotFoundError(f"{self.path}: not a bundle (no manifest.json)")
        self.manifest = json.loads(manifest_file.read_text())
        self.target = target
        self._launchers = {}
        self._lock = threading.Lock()
        # Validates the manifest now (ManifestError) rather than at first call.
        self._host_launcher()

    # -- launchers ---------------------------------------------------------

    def _launcher(self, target):
        with self._lock:
            launcher = self._launchers.get(target)
            if launcher is None:
                launcher = _ida.Launcher(str(self.path), target)
                self._launchers[target] = launcher
            return launcher

    def _host_launcher(self):
        """The launcher for host (numpy) arrays."""
        return self._launcher("cuda" if self.target == "cuda" else "cpu")

    def _device_launcher(self):
        if self.target == "cpu":
            raise _ida.ArgumentError(
                "this bundle was opened with target='cpu'; pass host (numpy) arrays, or open it "
                "with target='auto' or 'cuda' for CUDA arrays")
        launcher = self._launcher("cuda")
        if launcher.target != "cuda":
            raise _ida.UnavailableError(
                "CUDA arrays were given but the bundle's kernels have no CUDA sources "
                "(compile with target 'all' or 'cuda')")
        return launcher

    def _tuning_launcher(self):
        if self.target == "cpu":
            return self._launcher("cpu")
        return self._launcher(self.target)

    # -- introspection -----------------------------------------------------

    @property
    def entries(self):
        """{entry: {"inputs": [(name, dtype, shape, optional, manifest_name)], "outputs": [...],
        "kernels": [...]}}; ``name`` is what callers pass (decode's ``q_1`` is ``q``)."""
        if not hasattr(self, "_entries"):
            self._entries = self._host_launcher().entries()
        return self._entries

    @property
    def mlir(self):
        """The graph the bundle was compiled from (text), or None."""
        graph = self.manifest.get("graph")
        if graph and (self.path / graph).is_file():
            return (self.path / graph).read_text()
        return None

    def source(self, target="cpp"):
        """Every kernel's source for ``"cuda"`` or ``"cpp"`` (the CPU), concatenated."""
        key = {"cpp": "cpu", "cpu": "cpu", "c++": "cpu", "cuda": "cuda"}.get(target)
        if key is None:
            raise ValueError(f"source: expected 'cuda' or 'cpp', got {target!r}")
        parts = []
        for name, kernel in sorted(self.manifest["kernels"].items()):
            rel = kernel["sources"].get(key)
            if rel is None:
                continue
            parts.append(f"// ===== kernel {name} ({rel}) =====\n" + (self.path / rel).read_text())
        if not parts:
            raise _ida.UnavailableError(f"the bundle has no {key} sources (compile with target 'all')")
        return "\n".join(parts)

    def last_choices(self):
        """Configurations used by the last host run (kernel, config, origin, cache key)."""
        return self._host_launcher().last_choices()

    # -- running -----------------------------------------------------------

    def run(self, entry, config=None, **inputs):
        """Runs `entry` on keyword inputs (None = absent); returns {output: array}.

        ``config`` forces tuning values: ``"C=32"`` or ``{"C": 32}``.
        """
        first = next((v for v in inputs.values() if v is not None), None)
        on_device = any(_arrays.device_of(v)[0] == "cuda" for v in inputs.values() if v is not None)
        if on_device:
            launcher = self._device_launcher()
            outs = launcher.run_dlpack(entry, inputs, config)
        else:
            host = {n: (None if v is None else _arrays.to_host(n, v)) for n, v in inputs.items()}
            outs = self._host_launcher().run(entry, host, config)
        return {n: _arrays.wrap_like(first, a) for n, a in outs.items()}

    def autotune(self, shapes, entry=None, retune=False):
        """Autotunes every kernel (of `entry`, else of all entries) at the given sizes.

        ``shapes``: ``(B, T)``, a list of them, or dicts ``{"B": .., "T": ..}``.
        Winners are stored in the tuning records under ``cache_dir()`` and used by
        later runs of any process. Returns one report dict per kernel and shape.
        """
        if isinstance(shapes, dict) or (isinstance(shapes, tuple) and shapes
                                         and isinstance(shapes[0], (int, np.integer))):
            shapes = [shapes]
        rows = []
        for s in shapes:
            if isinstance(s, dict):
                row = [s["B"], s["T"]] + ([s["H"]] if "H" in s else [])
            else:
                row = list(s)
            rows.append([int(x) for x in row])
        return self._tuning_launcher().tune(rows, entry or "", retune)


def _zeros(like, shape, dtype):
    """Zeros of `shape` in the kind of `like` (numpy or a DLPack producer's module)."""
    if isinstance(like, np.ndarray):
        return np.zeros(shape, dtype=dtype if dtype != np.uint16 else np.uint16)
    mod = type(like).__module__.split(".")[0]
    if mod == "torch":
        import torch
        return torch.zeros(shape, dtype=like.dtype if dtype is None else
                           {np.float32: torch.float32}.get(dtype, like.dtype), device=like.device)
    if mod == "cupy":
        import cupy
        return cupy.zeros(shape, dtype=dtype or like.dtype)
    return np.zeros(shape, dtype=dtype or np.float32)


class Layer(Bundle):
    """A compiled mixer layer with entries ``forward``, ``forward_vjp`` and ``decode``.

    Made by :func:`ida.layer` (just in time) or :func:`ida.load` (a bundle on disk).
    """

    def __init__(self, path, target="auto", options=None):
        super().__init__(path, target)
        self.options = dict(options or self.manifest.get("x-preset") or {})
        self.statics = self._sizes()

    def _sizes(self):
        """H, D, P, N, F from the manifest (statics and literal extents), else the preset."""
        sizes = dict(self._host_launcher().statics())
        buffers = self.manifest["buffers"]

        def lit(name, axis):
            b = buffers.get(name)
            if b is not None and axis < len(b["shape"]) and isinstance(b["shape"][axis], int):
                return b["shape"][axis]
            return None

        found = {"D": lit("q", 3), "P": lit("v", 3), "N": lit("A_log", 1) or lit("g", 3),
                 "F": lit("S0", 3), "H": lit("A_log", 0)}
        for key, value in found.items():
            if key not in sizes and value is not None:
                sizes[key] = value
        for key in ("H", "D", "P", "N", "F"):
            if key not in sizes and key in self.options:
                sizes[key] = self.options[key]
        return sizes

    def __repr__(self):
        o = self.options
        if o:
            desc = ", ".join(f"{k}={o[k]!r}" for k in ("mixer", "feature", "N", "F", "H", "D", "P",
                                                          "chunk", "normalize", "dtype") if k in o)
        else:
            desc = "entries=" + ", ".join(self.manifest["entries"])
        return f"ida.Layer({desc}, target={self.target!r}, path='{self.path}')"

    @property
    def normalize(self):
        return bool(self.options.get("normalize", "Z0" in self.manifest["buffers"]))

    def takes(self, entry, name):
        """Whether `entry` has an input called `name`."""
        return any(n == name for n, _ in self._entry_inputs(entry))

    def _entry_inputs(self, entry):
        """The entry's inputs as (name callers pass, optional) pairs."""
        entries = self.entries
        if entry not in entries:
            raise _ida.UnavailableError(
                f"this bundle has no '{entry}' entry (entries: {', '.join(entries)})")
        return [(i[0], i[3]) for i in entries[entry]["inputs"]]

    def _fill_g(self, entry, g, q, lead):
        """``g`` may be omitted for basis_weights='uniform' (it is unused there)."""
        if g is not None:
            return g
        uniform = self.options.get("basis_weights") == "uniform" or self.options.get("mixer") in (
            "ssm", "mamba2", "linear", "retnet")
        if uniform:
            spec = dict(self._entry_inputs(entry))
            if spec.get("g", True):  # absent or optional
                return None
            N = self.statics.get("N", self.options.get("N", 1))
            return _zeros(q, tuple(lead) + (N,), np.float32 if isinstance(q, np.ndarray) else None)
        raise ValueError(f"input 'g': required for basis_weights="
                         f"{self.options.get('basis_weights', 'softmax')!r} (shape [B, T, H, N])")

    def __call__(self, q, k, v, dt, g=None, A_log=None, dt_bias=None, W=None, S0=None, Z0=None,
                 return_state=False, config=None):
        """y = layer(q, k, v, dt, g, A_log, dt_bias, W=None, S0=None).

        With ``return_state=True`` returns ``(y, S_T)`` (``(y, S_T, Z_T)`` for a
        normalized layer). Arrays as in spec §2: q, k [B, T, H, D], v [B, T, H, P],
        dt [B, T, H], g [B, T, H, N], A_log [H, N], dt_bias [H], W [H, F', D],
        S0 [B, H, N, F, P].
        """
        self._entry_inputs("forward")
        if A_log is None or dt_bias is None:
            raise ValueError("inputs 'A_log' and 'dt_bias' are required")
        g = self._fill_g("forward", g, q, np.shape(q)[:3] if hasattr(q, "shape") else ())
        inputs = dict(q=q, k=k, v=v, dt=dt, g=g, A_log=A_log, dt_bias=dt_bias, W=W, S0=S0)
        if Z0 is not None:
            inputs["Z0"] = Z0
        inputs = self._only_known("forward", inputs)
        out = self.run("forward", config=config, **inputs)
        if not return_state:
            return out["y"]
        if "Z_T" in out:
            return out["y"], out["S_T"], out["Z_T"]
        return out["y"], out["S_T"]

    forward = __call__

    def _only_known(self, entry, inputs):
        """Drops absent optional inputs; rejects given inputs the entry does not take."""
        known = set(n for n, _ in self._entry_inputs(entry))
        out = {}
        for n, x in inputs.items():
            if x is None:
                continue
            if n not in known:
                raise ValueError(f"input '{n}': this layer's '{entry}' entry does not take it "
                                 f"(inputs: {', '.join(sorted(known))})")
            out[n] = x
        return out

    def vjp(self, q, k, v, dt, g=None, A_log=None, dt_bias=None, dy=None, W=None, S0=None,
            Z0=None, dS_T=None, config=None, **cotangents):
        """Gradients of ``<dy, y>`` (+ ``<dS_T, S_T>`` where the bundle takes dS_T).

        Returns a dict with dq, dk, dv, ddt, dg, dA_log, ddt_bias and, when
        given, dW and dS0.
        """
        known = set(n for n, _ in self._entry_inputs("forward_vjp"))
        if dy is None:
            raise ValueError("input 'dy': the cotangent of y is required ([B, T, H, P])")
        g = self._fill_g("forward_vjp", g, q, np.shape(q)[:3] if hasattr(q, "shape") else ())
        inputs = dict(q=q, k=k, v=v, dt=dt, g=g, A_log=A_log, dt_bias=dt_bias, W=W, S0=S0, Z0=Z0,
                      dy=dy, dS_T=dS_T, **cotangents)
        if dS_T is not None and "dS_T" not in known:
            raise _ida.UnavailableError("this bundle's forward_vjp takes no dS_T cotangent")
        out = self.run("forward_vjp", config=config, **self._only_known("forward_vjp", inputs))
        return out

    def decode_step(self, q, k, v, dt, g=None, A_log=None, dt_bias=None, S=None, W=None, Z=None,
                    config=None):
        """One token from a carried state: returns ``(y, S_new)`` (``(y, S_new, Z_new)``).

        q, k [B, H, D] (or [B, 1, H, D]), v [B, H, P], dt [B, H], g [B, H, N],
        S [B, H, N, F, P] (zeros when None).
        """
        self._entry_inputs("decode")
        squeeze = hasattr(q, "shape") and len(q.shape) == 4
        if squeeze:
            if q.shape[1] != 1:
                raise ValueError(f"input 'q': decode_step takes one token: [B, H, D] or "
                                 f"[B, 1, H, D], got {list(q.shape)}")
            sq = lambda x: None if x is None else x[:, 0]
            q, k, v, dt, g = sq(q), sq(k), sq(v), sq(dt), sq(g)
        B, H = q.shape[0], q.shape[1]
        g = self._fill_g("decode", g, q, (B, H))
        st = self.statics
        if S is None:
            S = _zeros(q, (B, H, st["N"], st["F"], st["P"]), np.float32)
        if Z is None and self.normalize:
            Z = _zeros(q, (B, H, st["N"], st["F"]), np.float32)
        inputs = dict(q=q, k=k, v=v, dt=dt, g=g, A_log=A_log, dt_bias=dt_bias, W=W, S=S, Z=Z)
        out = self.run("decode", config=config, **self._only_known("decode", inputs))
        y = out["y"]
        if squeeze:
            y = y[:, None]
        if "Z_new" in out:
            return y, out["S_new"], out["Z_new"]
        return y, out["S_new"]


# -- module-level API ------------------------------------------------------

def layer(mixer="ida", feature="elu1", feature_dim=None, basis=16, basis_weights="softmax",
          chunk=64, heads=None, head_dim=None, value_dim=None, normalize=False, dtype="float32",
          target="auto", window=None):
    """Builds and compiles a specialised layer (idac --preset ...); returns a :class:`Layer`.

    Bundles are cached under ``cache_dir()/bundles``; the same arguments reuse the
    compiled bundle (and the runtime's kernel binaries) across processes.
    """
    _check_target(target)
    if mixer not in _MIXERS:
        raise ValueError(f"mixer: expected one of {', '.join(_MIXERS)}, got {mixer!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: expected float32, bfloat16 or float16, got {dtype!r}")
    for name, value in (("heads", heads), ("head_dim", head_dim)):
        if value is None:
            raise ValueError(f"{name}: required (a positive integer)")
    args = ["--preset", "--mixer", mixer]
    if mixer != "softmax":
        if feature not in _FEATURES:
            raise ValueError(f"feature: expected one of {', '.join(_FEATURES)}, got {feature!r}")
        if basis_weights not in _WEIGHTS:
            raise ValueError(f"basis_weights: expected one of {', '.join(_WEIGHTS)}, got "
                             f"{basis_weights!r}")
        args += ["--feature", feature, "--basis", str(int(basis)), "--basis-weights",
                 basis_weights, "--chunk", str(int(chunk))]
        if feature_dim is not None:
            args += ["--feature-dim", str(int(feature_dim))]
        if normalize:
            args += ["--normalize"]
    elif window:
        args += ["--window", str(int(window))]
    args += ["--heads", str(int(heads)), "--head-dim", str(int(head_dim))]
    if value_dim is not None:
        args += ["--value-dim", str(int(value_dim))]
    args += ["--dtype", _DTYPES[dtype], "--target", _source_targets(target)]
    path = _compiler.run_idac(args, key_material="")
    return Layer(path, target=target)


def _source_targets(target):
    if target == "cpu":
        return "cpu"
    # With CUDA, CPU sources too: host arrays then still run on the CPU.
    return "all" if _ida.cuda_backend else "cpu"


def compile(mlir_text, target="all", run_target="auto"):
    """Compiles an ida graph (MLIR text) with idac; returns a :class:`Layer` or :class:`Bundle`.

    ``target`` picks the kernel sources written (cpu, cuda or all); ``run_target``
    where the returned object runs (auto, cpu, cuda).
    """
    if target not in ("cpu", "cuda", "all"):
        raise ValueError(f"target: expected cpu, cuda or all, got {target!r}")
    path = _compiler.run_idac(["--target", target], key_material=mlir_text, graph_text=mlir_text)
    return load(path, target=run_target)


def load(bundle_dir, target="auto"):
    """Opens an ahead-of-time bundle (no compiler needed).

    Returns a :class:`Layer` when the bundle has a ``forward`` entry taking
    q, k and v (a mixer layer), else a generic :class:`Bundle`.
    """
    path = pathlib.Path(bundle_dir)
    manifest = path / "manifest.json"
    if manifest.is_file():
        entries = json.loads(manifest.read_text()).get("entries", {})
        forward_inputs = set(entries.get("forward", {}).get("inputs", []))
        if {"q", "k", "v"} <= forward_inputs:
            return Layer(path, target=target)
    return Bundle(path, target=target)


def devices():
    """Every target of this build: ``[{"target", "name", "available", "reason"}]``."""
    return _ida.devices()


def cache_dir():
    """Root of IDA's on-disk caches ($IDA_CACHE_DIR, else $XDG_CACHE_HOME/ida, else ~/.cache/ida)."""
    return _ida.cache_dir()

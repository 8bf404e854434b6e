"""Helpers of the end-to-end bundle tests: idac -> bundle -> ida-run -> numpy.

A `Bundle` wraps a directory written by idac: its manifest (with the
`x-preset` description idac adds for presets) and `run(entry, inputs)`, which
saves the inputs as .npy, runs `ida-run --target cpu` and loads every output.

Kernel binaries are cached by the runtime under IDA_CACHE_DIR (ctest sets it
to build/test-cache), so a (kernel, configuration) is compiled once across
tests and test runs; bundles themselves are cheap to write.
"""
import json
import os
import pathlib
import re
import subprocess
import threading

import numpy as np

import ida_numpy_ref as ref
from conftest import tool

TOL_F32 = 1e-5


def tool_env():
    env = dict(os.environ)
    # Large tile footprints (taylor2 states) need more than the 8 MB default
    # stack of OpenMP workers (docs/templates.md, "CPU stack").
    env.setdefault("OMP_STACKSIZE", "64M")
    env.setdefault("IDA_NUM_THREADS", "2")
    # The manifest default (or --config) of every kernel: autotuning would
    # compile and time every configuration of the space.
    env.setdefault("IDA_AUTOTUNE", "0")
    return env


def idac(*args, check=True):
    r = subprocess.run([str(tool("idac")), *map(str, args)], capture_output=True, text=True,
                       env=tool_env(), timeout=300)
    if check:
        assert r.returncode == 0, f"idac {' '.join(map(str, args))}\n{r.stderr}"
    return r


class Bundle:
    _counter = 0
    _lock = threading.Lock()

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.manifest = json.loads((self.path / "manifest.json").read_text())
        self.preset = self.manifest.get("x-preset")

    @property
    def entries(self):
        return self.manifest["entries"]

    def inputs_of(self, entry):
        """Logical input names (decode's `decode_q` -> `q`) -> manifest names."""
        return {self._logical(entry, n): n for n in self.entries[entry]["inputs"]}

    def input_names(self, entry):
        """The entry's manifest input names, in argument order."""
        return list(self.entries[entry]["inputs"])

    def outputs_of(self, entry):
        return {self._logical(entry, n): n for n in self.entries[entry]["outputs"]}

    @staticmethod
    def _logical(entry, name):
        """Buffer names are global in a bundle, so the compiler renames the
        ones an entry uses with another shape (decode's q -> q_1 or decode_q)."""
        prefix = entry + "_"
        if name.startswith(prefix):
            return name[len(prefix):]
        return re.sub(r"_[0-9]+$", "", name)

    def kernels_of(self, entry):
        return [s["kernel"] for s in self.entries[entry]["steps"]]

    def options(self):
        p = self.preset
        return ref.Options(feature=p["feature"], feature_param=p["feature_param"],
                           basis_weights=p["basis_weights"], normalize=p["normalize"])

    def run(self, entry, inputs, workdir, config=(), expect_ok=True, raw_names=False):
        """Runs `entry` on `inputs` (logical names -> arrays); returns logical outputs.

        With `raw_names`, inputs and outputs use the manifest's names."""
        with Bundle._lock:
            Bundle._counter += 1
            run_dir = pathlib.Path(workdir) / f"run{Bundle._counter}"
        run_dir.mkdir(parents=True)
        names = ({n: n for n in self.input_names(entry)} if raw_names
                 else self.inputs_of(entry))
        args = [tool("ida-run"), self.path, "--entry", entry, "--target", "cpu",
                "--out-dir", run_dir]
        for logical, array in inputs.items():
            if array is None:
                continue
            assert logical in names, f"{entry} has no input {logical} ({list(names)})"
            f = run_dir / f"in_{logical}.npy"
            np.save(f, np.ascontiguousarray(array, dtype=np.float32))
            args += ["--in", f"{names[logical]}={f}"]
        for c in config:
            args += ["--config", c]
        r = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                           env=tool_env(), timeout=600)
        if not expect_ok:
            return r
        assert r.returncode == 0, f"ida-run failed: {' '.join(map(str, args))}\n{r.stderr}"
        outputs = ({n: n for n in self.entries[entry]["outputs"]} if raw_names
                   else self.outputs_of(entry))
        return {logical: np.load(run_dir / f"{name}.npy").astype(np.float64)
                for logical, name in outputs.items()}


def rel_err(out, want):
    return ref.relative_error(out, want)


# Gradients of parameters are sums over every token (B * T terms of both
# signs): the tests report their errors separately from the per-token
# gradients. Both are held to the same 1e-5 (docs/compiler.md, "Parameter
# gradients at fp32", says how the scan backward avoids cancellation).
PARAM_GRADS = ("dA_log", "ddt_bias", "dW")


def assert_close(outputs, expected, tol=TOL_F32, what="", zeros=(), tols=None, scale=None):
    """Every expected array within `tol` relative error; returns the worst error.

    `zeros`: outputs that are exactly zero by the math for these inputs (their
    reference is 0 or rounding noise); they are checked as zeros relative to
    the scale of the other outputs, ||got - want|| <= tol * max ||want_other||.
    `tols`: per-output tolerances. `scale` overrides that scale.
    """
    tols = tols or {}
    worst = 0.0
    if scale is None:
        scale = max([np.linalg.norm(w) for n, w in expected.items() if n not in zeros] or [0.0])
    scale = scale or 1.0
    for name, want in expected.items():
        assert name in outputs, f"{what}: missing output {name}"
        got = outputs[name]
        assert got.shape == np.shape(want), f"{what}: {name} shape {got.shape} != {np.shape(want)}"
        assert np.isfinite(got).all(), f"{what}: {name} has non-finite values"
        if name in zeros or np.linalg.norm(want) == 0:
            err = float(np.linalg.norm(got - want) / scale)
        else:
            err = rel_err(got, want)
        limit = tols.get(name, tol)
        assert err <= limit, f"{what}: {name} relative error {err:.3g} > {limit:g}"
        worst = max(worst, err)
    return worst


def softmax_attention_vjp(q, k, v, dy, window=0):
    """Float64 gradients of <dy, softmax_attention(q, k, v)> (numpy, by hand)."""
    T, D = q.shape[1], q.shape[3]
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    visible = (j <= i) & ((window == 0) | (i - j < window))
    scores = np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(D)
    scores = np.where(visible, scores, -np.inf)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)                         # [B,H,T,S]
    dp = np.einsum("bthp,bshp->bhts", dy, v)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True))
    dq = np.einsum("bhts,bshd->bthd", ds, k) / np.sqrt(D)
    dk = np.einsum("bhts,bthd->bshd", ds, q) / np.sqrt(D)
    dv = np.einsum("bhts,bthp->bshp", p, dy)
    return {"dq": dq, "dk": dk, "dv": dv}

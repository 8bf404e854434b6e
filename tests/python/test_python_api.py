"""The ida Python package on the CPU against the independent numpy reference.

Layers are compiled just in time with idac (skipped where the compiler is not
built) into IDA_CACHE_DIR, which ctest points at build/test-cache, so bundles
and kernel binaries are reused across tests and runs. ida.load is also tested
on the runtime's hand-written cumsum bundle, which needs no compiler.
"""
import shutil
import threading

import numpy as np
import pytest

import ida_numpy_ref as ref
from conftest import SOURCE_DIR, import_ida

TOL = 1e-5
B, T, H, D, P, N = 2, 11, 2, 4, 3, 3
CHUNK = 4  # T is not a multiple of it: a ragged last chunk

CUMSUM = SOURCE_DIR / "tests" / "unit" / "runtime" / "fixtures" / "cumsum"
ABI_HEADER = SOURCE_DIR / "templates" / "common" / "ida_abi.h"


@pytest.fixture(scope="module")
def ida():
    return import_ida()


def need_idac(ida):
    if ida.find_idac() is None:
        pytest.skip("idac is not built (configure with -DIDA_ENABLE_COMPILER=ON) and not on "
                    "PATH or IDA_IDAC: the just-in-time tests need the compiler")


LAYERS = {
    "ida": dict(mixer="ida", feature="elu1", basis=N, basis_weights="softmax"),
    "prf-sigmoid": dict(mixer="ida", feature="prf", feature_dim=5, basis=N,
                        basis_weights="sigmoid"),
    "ssm-uniform": dict(mixer="ssm", feature="identity", basis=2, basis_weights="uniform"),
}
_cache = {}


def make_layer(ida, kind):
    need_idac(ida)
    if kind not in _cache:
        _cache[kind] = ida.layer(chunk=CHUNK, heads=H, head_dim=D, value_dim=P, target="cpu",
                                 **LAYERS[kind])
    return _cache[kind]


def opts_of(layer):
    o = layer.options
    return ref.Options(feature=o["feature"], feature_param=o["feature_param"],
                       basis_weights=o["basis_weights"], normalize=o["normalize"])


def inputs_for(layer, rng, Tn=T, with_state=True):
    o = layer.options
    n = o["N"]
    inp = {
        "q": rng.standard_normal((B, Tn, H, D)),
        "k": rng.standard_normal((B, Tn, H, D)),
        "v": rng.standard_normal((B, Tn, H, P)),
        "dt": rng.standard_normal((B, Tn, H)),
        "g": rng.standard_normal((B, Tn, H, n)),
        "A_log": rng.uniform(-1.0, 1.0, (H, n)),
        "dt_bias": rng.uniform(-0.5, 0.5, (H,)),
    }
    if o["feature"] in ("prf", "hedgehog"):
        inp["W"] = rng.standard_normal((H, o["feature_param"], D)) / np.sqrt(D)
    if with_state:
        inp["S0"] = 0.5 * rng.standard_normal((B, H, n, o["F"], P))
    return inp


def f32(d):
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in d.items()}


def assert_close(got, want, tol=TOL, what=""):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == np.shape(want), f"{what}: shape {got.shape} != {np.shape(want)}"
    assert np.isfinite(got).all(), f"{what}: non-finite values"
    err = ref.relative_error(got, want)
    assert err <= tol, f"{what}: relative error {err:.3g} > {tol:g}"


# --- the package itself --------------------------------------------------------

def test_import_and_helpers(ida, tmp_path, monkeypatch):
    assert callable(ida.layer) and callable(ida.load) and callable(ida.compile)
    devs = ida.devices()
    cpu = [d for d in devs if d["target"] == "cpu"]
    assert cpu and cpu[0]["available"] and cpu[0]["name"]
    cuda = [d for d in devs if d["target"] == "cuda"]
    assert cuda and (cuda[0]["available"] or cuda[0]["reason"])
    monkeypatch.setenv("IDA_CACHE_DIR", str(tmp_path / "c"))
    assert ida.cache_dir() == str(tmp_path / "c")
    assert issubclass(ida.ArgumentError, ValueError) and issubclass(ida.ArgumentError, ida.Error)


def write_cumsum(dest):
    (dest / "kernels").mkdir(parents=True)
    shutil.copy(CUMSUM / "manifest.json", dest / "manifest.json")
    text = (CUMSUM / "kernels" / "cumsum.cpp.in").read_text()
    (dest / "kernels" / "cumsum.cpp").write_text(text.replace("// @IDA_ABI@", ABI_HEADER.read_text()))
    return dest


def test_load_hand_written_bundle(ida, tmp_path, rng):
    """ida.load needs only the runtime: a bundle with one generic entry."""
    bundle = ida.load(write_cumsum(tmp_path / "cumsum"), target="cpu")
    assert isinstance(bundle, ida.Bundle) and not isinstance(bundle, ida.Layer)
    assert "forward" in bundle.entries
    x = rng.standard_normal((2, 37, 4)).astype(np.float32)
    scale = rng.standard_normal(4).astype(np.float32)
    y0 = rng.standard_normal((2, 4)).astype(np.float32)
    out = bundle.run("forward", x=x, scale=scale, y0=y0)
    want = np.cumsum(x.astype(np.float64) * scale, axis=1) + y0[:, None, :]
    assert_close(out["y"], want, 1e-5, "y")
    assert out["y"].dtype == np.float32 and out["cfg"].dtype == np.int64
    # A forced configuration reaches the kernel (cfg records C, BV).
    out = bundle.run("forward", config={"C": 7, "BV": 2}, x=x, scale=scale)
    assert list(out["cfg"]) == [7, 2]
    assert_close(out["y"], np.cumsum(x.astype(np.float64) * scale, axis=1), 1e-5, "y")
    assert bundle.last_choices()[0]["origin"] == "forced"
    # Outputs own their memory: they survive the bundle.
    y = out["y"]
    del bundle, out
    assert np.isfinite(y).all()


def test_load_errors(ida, tmp_path, rng):
    with pytest.raises(FileNotFoundError, match="not a bundle"):
        ida.load(tmp_path)
    bad = write_cumsum(tmp_path / "bad")
    (bad / "manifest.json").write_text((bad / "manifest.json").read_text().replace(
        '"format": "ida-bundle/1"', '"format": "ida-bundle/99"'))
    with pytest.raises(ida.ManifestError, match="format"):
        ida.load(bad)
    bundle = ida.load(write_cumsum(tmp_path / "ok"), target="cpu")
    x = rng.standard_normal((2, 5, 4)).astype(np.float32)
    scale = np.ones(4, np.float32)
    with pytest.raises(ValueError, match=r"input 'x'.*float32.*float64"):
        bundle.run("forward", x=x.astype(np.float64), scale=scale)
    with pytest.raises(ValueError, match=r"input 'scale': expected shape \[H\] \(H=4"):
        bundle.run("forward", x=x, scale=np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"input 'x'.*C-contiguous"):
        bundle.run("forward", x=np.asfortranarray(x), scale=scale)
    with pytest.raises(ValueError, match=r"no input 'z'"):
        bundle.run("forward", x=x, scale=scale, z=x)
    with pytest.raises(ValueError, match=r"missing input 'scale'"):
        bundle.run("forward", x=x)
    with pytest.raises(ValueError, match=r"input 'x': expected an array"):
        bundle.run("forward", x=[[1.0]], scale=scale)
    with pytest.raises(ida.ConfigError):
        bundle.run("forward", config="NOPE=3", x=x, scale=scale)


def test_threads_share_a_bundle(ida, tmp_path, rng):
    """Several Python threads share one bundle: runs release the GIL and are
    serialised per launcher by a mutex, so every thread gets correct results."""
    bundle = ida.load(write_cumsum(tmp_path / "threads"), target="cpu")
    scale = np.ones(4, np.float32)
    xs = [rng.standard_normal((2, 64, 4)).astype(np.float32) for _ in range(4)]
    results = [None] * 4

    def work(i):
        for _ in range(5):
            results[i] = bundle.run("forward", x=xs[i], scale=scale)["y"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, y in zip(xs, results):
        assert_close(y, np.cumsum(x.astype(np.float64), axis=1), 1e-5, "y")


# --- just-in-time layers -------------------------------------------------------

@pytest.mark.parametrize("kind", list(LAYERS))
def test_forward_matches_reference(ida, rng, kind):
    layer = make_layer(ida, kind)
    opts = opts_of(layer)
    inp = inputs_for(layer, rng)
    if layer.options["basis_weights"] == "uniform":
        inp.pop("g")  # unused: may be omitted
    want = ref.forward(opts, inp)
    y, S_T = layer(**f32(inp), return_state=True)
    assert y.dtype == np.float32 and y.shape == (B, T, H, P)
    assert_close(y, want["y"], what="y")
    assert_close(S_T, want["S_T"], what="S_T")
    # Without S0: a zero initial state; only y by default.
    inp.pop("S0")
    y = layer(**f32(inp))
    assert_close(y, ref.forward(opts, inp)["y"], what="y (no S0)")


@pytest.mark.parametrize("kind", ["ida", "prf-sigmoid"])
def test_vjp_matches_reference(ida, rng, kind):
    layer = make_layer(ida, kind)
    opts = opts_of(layer)
    inp = inputs_for(layer, rng)
    dy = rng.standard_normal((B, T, H, P))
    want = ref.backward(opts, inp, dy)
    grads = layer.vjp(**f32(inp), dy=dy.astype(np.float32))
    names = ["dq", "dk", "dv", "ddt", "dg", "dA_log", "ddt_bias", "dS0"]
    if "W" in inp:
        names.append("dW")
    for name in names:
        assert name in grads, f"missing {name} (got {sorted(grads)})"
        assert_close(grads[name], want[name], 2e-5, name)


def test_decode_continues_forward(ida, rng):
    """forward over a prefix, then decode_step token by token == forward over all."""
    layer = make_layer(ida, "ida")
    opts = opts_of(layer)
    inp = inputs_for(layer, rng, with_state=False)
    full = ref.forward(opts, inp)
    T0 = 6
    prefix = {k: (v[:, :T0] if v.ndim >= 3 and k not in ("A_log", "W") else v) for k, v in inp.items()}
    _, S = layer(**f32(prefix), return_state=True)
    params = f32({k: inp[k] for k in ("A_log", "dt_bias")})
    S_ref = ref.forward(opts, prefix)["S_T"]
    for t in range(T0, T):
        step = f32({k: inp[k][:, t] for k in ("q", "k", "v", "dt", "g")})
        y, S = layer.decode_step(**step, **params, S=S)
        assert y.shape == (B, H, P)
        y_ref, S_ref, _ = ref.decode_step(opts, {k: inp[k][:, t:t + 1] if k in step else inp[k]
                                                 for k in inp}, S_ref)
        assert_close(y, y_ref[:, 0], what=f"decode y[{t}]")
        assert_close(y, full["y"][:, t], what=f"decode vs forward y[{t}]")
    assert_close(S, full["S_T"], what="S after decode")
    # [B, 1, H, D] inputs give [B, 1, H, P] outputs; S=None starts from zeros.
    step = f32({k: inp[k][:, :1] for k in ("q", "k", "v", "dt", "g")})
    y1, _ = layer.decode_step(**step, **params)
    assert y1.shape == (B, 1, H, P)
    assert_close(y1[:, 0], full["y"][:, 0], what="decode from zeros")


def test_layer_errors_name_the_argument(ida, rng):
    layer = make_layer(ida, "ida")
    inp = f32(inputs_for(layer, rng, with_state=False))
    bad = dict(inp, q=inp["q"].astype(np.float64))
    with pytest.raises(ValueError, match=r"input 'q': expected dtype float32"):
        layer(**bad)
    bad = dict(inp, v=inp["v"][..., :2].copy())
    with pytest.raises(ValueError, match=r"input 'v': expected shape \[B, T, (2|H), 3\]"):
        layer(**bad)
    bad = dict(inp, k=inp["k"].transpose(0, 1, 3, 2).copy().transpose(0, 1, 3, 2))
    with pytest.raises(ValueError, match=r"input 'k'.*C-contiguous"):
        layer(**bad)
    bad = dict(inp, A_log=inp["A_log"][:1].copy())
    with pytest.raises(ValueError, match=r"input 'A_log'"):
        layer(**bad)
    bad = dict(inp)
    bad.pop("g")
    with pytest.raises(ValueError, match=r"input 'g'"):
        layer(**bad)
    with pytest.raises(ValueError, match=r"input 'W'.*does not take it"):
        layer(**inp, W=np.zeros((H, 4, D), np.float32))
    with pytest.raises(ValueError, match=r"input 'dy'"):
        layer.vjp(**inp)
    with pytest.raises(ValueError, match="mixer"):
        ida.layer(mixer="nope", heads=H, head_dim=D)
    with pytest.raises(ValueError, match="heads"):
        ida.layer(head_dim=D)
    with pytest.raises(ida.CompileError, match="idac failed"):
        ida.layer(basis=0, heads=H, head_dim=D, target="cpu")


def test_load_compile_source_mlir(ida, rng):
    layer = make_layer(ida, "ida")
    assert "ida.attention" in layer.mlir
    cpp = layer.source("cpp")
    assert 'extern "C"' in cpp
    with pytest.raises(ValueError):
        layer.source("fortran")
    # ida.load of the cached bundle: an ahead-of-time bundle, no compiler needed.
    again = ida.load(layer.path, target="cpu")
    assert isinstance(again, ida.Layer) and again.options["N"] == N
    inp = f32(inputs_for(layer, rng))
    np.testing.assert_array_equal(again(**inp), layer(**inp))
    # ida.compile of the layer's own graph gives the same numbers.
    compiled = ida.compile(layer.mlir, target="cpu", run_target="cpu")
    assert set(compiled.entries) >= {"forward", "forward_vjp", "decode"}
    np.testing.assert_allclose(compiled.run("forward", **inp)["y"], layer(**inp), rtol=1e-6,
                               atol=1e-6)
    with pytest.raises(ida.CompileError, match="idac failed"):
        ida.compile("func.func @broken(", target="cpu")
    # The same flags reuse the cached bundle.
    assert ida.layer(chunk=CHUNK, heads=H, head_dim=D, value_dim=P, target="cpu",
                     **LAYERS["ida"]).path == layer.path


def test_autotune(ida, rng):
    layer = make_layer(ida, "ida")
    reports = layer.autotune([(1, 8)], entry="forward")
    assert reports and all(r["kernel"] for r in reports)
    for r in reports:
        assert r["dims"]["B"] == 1 and r["dims"]["T"] == 8
        assert r["config"] is None or isinstance(r["config"], dict)
    with pytest.raises(ValueError, match="autotune shape"):
        layer.autotune([(1, 8, 3, 4)])
    # Runs still agree with the reference afterwards (whatever was chosen).
    opts = opts_of(layer)
    inp = inputs_for(layer, rng, Tn=8)
    assert_close(layer(**f32(inp)), ref.forward(opts, inp)["y"], what="y after tuning")


def test_normalized_layer_carries_Z(ida, rng):
    """normalize=True: Z0 / Z_T / dZ0 / Z travel with S (linear attention preset, no g)."""
    need_idac(ida)
    layer = ida.layer(mixer="linear", feature="elu1", basis=1, basis_weights="uniform",
                      normalize=True, chunk=CHUNK, heads=H, head_dim=D, value_dim=P, target="cpu")
    assert layer.normalize
    from reference_inputs import make_inputs
    opts = ref.Options(feature="elu1", basis_weights="uniform", normalize=True)
    inp = make_inputs(rng, opts, B=B, T=T, H=H, D=D, P=P, N=1)
    given = {k: v for k, v in inp.items() if k != "g"}
    want = ref.forward(opts, inp)
    y, S_T, Z_T = layer(**f32(given), return_state=True)
    assert_close(y, want["y"], what="y")
    assert_close(S_T, want["S_T"], what="S_T")
    assert_close(Z_T, want["Z_T"], what="Z_T")
    dy = rng.standard_normal((B, T, H, P))
    want_g = ref.backward(opts, inp, dy)
    grads = layer.vjp(**f32(given), dy=dy.astype(np.float32))
    for name in ("dq", "dk", "dv", "ddt", "dA_log", "ddt_bias", "dS0", "dZ0"):
        assert_close(grads[name], want_g[name], 2e-5, name)
    step = f32({k: inp[k][:, 0] for k in ("q", "k", "v", "dt")})
    y1, S1, Z1 = layer.decode_step(**step, **f32({k: inp[k] for k in ("A_log", "dt_bias")}),
                                   S=np.float32(inp["S0"]), Z=np.float32(inp["Z0"]))
    y_ref, S_ref, Z_ref = ref.decode_step(
        opts, {**{k: inp[k][:, :1] for k in ("q", "k", "v", "dt", "g")},
               "A_log": inp["A_log"], "dt_bias": inp["dt_bias"]}, inp["S0"], inp["Z0"])
    assert_close(y1, y_ref[:, 0], what="decode y")
    assert_close(S1, S_ref, what="decode S")
    assert_close(Z1, Z_ref, what="decode Z")

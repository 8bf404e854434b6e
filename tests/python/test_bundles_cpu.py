"""End to end on the CPU: idac --preset -> bundle -> ida-run, against numpy float64.

Every entry of every preset (forward, forward_vjp, decode), fp32 inputs,
relative error ||out - ref|| / ||ref|| <= 1e-5 per output (spec §9) against
the independent numpy reference (ida_numpy_ref.py), on fresh random inputs.

Matrix (docs/compiler.md, "Codegen and bundles"): one bundle per preset
(feature kinds identity, elu1, relu, taylor2, prf, hedgehog; basis weights
softmax, sigmoid, uniform; normalize on and off; default chunks 16, 32, 64,
128) plus the two scan strategies (onepass, twopass) of the IDA preset,
causal softmax attention and a hybrid IDA -> softmax-attention graph. T, B
and S0 vary at run time over one bundle; chunk lengths 16, 32, 48, 64, 128
are forced with --config C=... (one binary per configuration). H is static
in a bundle and differs between bundles (2 or 3), so B*H takes several
values.

Cost: every (kernel, configuration) is one g++ -O3 compile, cached under
IDA_CACHE_DIR across tests and runs; bundles are shared by a session
fixture.
"""
import numpy as np
import pytest

import ida_numpy_ref as ref
from bundle_helpers import (PARAM_GRADS, Bundle, assert_close, idac,
                            softmax_attention_vjp)
from reference_inputs import make_inputs

# name -> idac flags (all --target cpu). Sizes are small: the point is the
# code paths, the CPU cost is the compiles.
PRESETS = {
    "ida-onepass": ["--preset", "ida", "--heads", 2, "--head-dim", 16, "--value-dim", 16,
                    "--basis", 2, "--chunk", 32, "--strategy", "onepass"],
    "ida-twopass": ["--preset", "ida", "--heads", 2, "--head-dim", 16, "--value-dim", 16,
                    "--basis", 2, "--chunk", 32, "--strategy", "twopass"],
    "mamba2": ["--preset", "mamba2", "--heads", 3, "--head-dim", 8, "--value-dim", 8,
               "--chunk", 16],
    "retnet": ["--preset", "retnet", "--heads", 3, "--head-dim", 8, "--value-dim", 8,
               "--chunk", 16],
    "ssm-prf": ["--preset", "ssm", "--feature", "prf", "--feature-dim", 8, "--heads", 2,
                "--head-dim", 8, "--value-dim", 8, "--basis", 2, "--chunk", 32],
    "ida-relu-sigmoid-norm": ["--preset", "ida", "--feature", "relu", "--basis-weights",
                              "sigmoid", "--normalize", "--heads", 2, "--head-dim", 8,
                              "--value-dim", 12, "--basis", 3, "--chunk", 64],
    "ida-taylor2-norm": ["--preset", "ida", "--feature", "taylor2", "--normalize", "--heads", 2,
                         "--head-dim", 4, "--value-dim", 8, "--basis", 2, "--chunk", 16],
    "ida-hedgehog-sigmoid": ["--preset", "ida", "--feature", "hedgehog", "--feature-dim", 4,
                             "--basis-weights", "sigmoid", "--heads", 2, "--head-dim", 8,
                             "--value-dim", 8, "--basis", 2, "--chunk", 128],
    "linear": ["--preset", "linear", "--heads", 2, "--head-dim", 8, "--value-dim", 8,
               "--chunk", 32],
}
SCAN_PRESETS = list(PRESETS)
SOFTMAX_FLAGS = ["--preset", "softmax", "--heads", 2, "--head-dim", 16, "--value-dim", 16]

HYBRID_GRAPH = """
// Two layers: IDA (elu1, N = 2, softmax weights, normalized) whose output is
// the values of a windowed causal softmax attention layer.
func.func @hybrid(%x: tensor<?x?x2x16xf32>, %q1: tensor<?x?x2x16xf32>,
                  %k1: tensor<?x?x2x16xf32>, %dt1: tensor<?x?x2xf32>,
                  %g1: tensor<?x?x2x2xf32>, %A_log: tensor<2x2xf32>,
                  %dt_bias: tensor<2xf32>, %q2: tensor<?x?x2x16xf32>,
                  %k2: tensor<?x?x2x16xf32>) -> tensor<?x?x2x16xf32> {
  %y1 = ida.attention %q1, %k1, %x, %dt1, %g1, %A_log, %dt_bias
      {feature = #ida.feature<elu1>, basis = #ida.basis<2, softmax>, chunk = 16,
       normalize = true}
      : (tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>,
         tensor<?x?x2xf32>, tensor<?x?x2x2xf32>, tensor<2x2xf32>, tensor<2xf32>)
      -> tensor<?x?x2x16xf32>
  %y2 = ida.softmax_attention %q2, %k2, %y1 {window = 8}
      : (tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>)
      -> tensor<?x?x2x16xf32>
  return %y2 : tensor<?x?x2x16xf32>
}
"""

WORST = {}  # (test kind, bundle) -> worst relative error, printed at the end


def record(kind, name, err):
    key = (kind, name)
    WORST[key] = max(WORST.get(key, 0.0), err)


@pytest.fixture(scope="session")
def bundles(tmp_path_factory):
    """Bundles are written on first use and shared by every test."""
    root = tmp_path_factory.mktemp("bundles")
    made = {}

    def get(name):
        if name not in made:
            out = root / name
            if name == "softmax":
                idac(*SOFTMAX_FLAGS, "--target", "cpu", "-o", out)
            elif name == "hybrid":
                graph = root / "hybrid.mlir"
                graph.write_text(HYBRID_GRAPH)
                idac(graph, "--target", "cpu", "-o", out)
            else:
                idac(*PRESETS[name], "--target", "cpu", "-o", out)
            made[name] = Bundle(out)
        return made[name]

    yield get
    if WORST:
        print("\nworst relative errors (fp32 vs numpy float64):")
        for (kind, name), err in sorted(WORST.items()):
            print(f"  {kind:10s} {name:24s} {err:.2e}")


def scan_inputs(rng, bundle, B, T, with_state):
    p = bundle.preset
    inp = make_inputs(rng, bundle.options(), B=B, T=T, H=p["H"], D=p["D"], P=p["P"], N=p["N"],
                      with_state=with_state)
    if p["mixer"] == "linear":
        # Linear attention: no decay (lambda = 0) and a constant step.
        inp["A_log"] = np.full_like(inp["A_log"], -np.inf)
        inp["dt"] = np.zeros_like(inp["dt"])
    if p["basis_weights"] == "uniform" and rng.random() < 0.5:
        inp.pop("g")  # g is optional with uniform weights
    return inp


def expected_forward(bundle, inp):
    want = ref.forward(bundle.options(), inp)
    return {"y": want["y"], "S_T": want["S_T"], **({"Z_T": want["Z_T"]} if "Z_T" in want else {})}


def batch_for(T):
    return {1: 3, 63: 2, 64: 1, 65: 2, 1000: 1}.get(T, 2)


# --- forward ------------------------------------------------------------------

@pytest.mark.parametrize("with_state", [False, True], ids=["noS0", "S0"])
@pytest.mark.parametrize("T", [1, 63, 64, 65])
@pytest.mark.parametrize("name", SCAN_PRESETS)
def test_forward(bundles, tmp_path, rng, name, T, with_state):
    b = bundles(name)
    inp = scan_inputs(rng, b, batch_for(T), T, with_state)
    out = b.run("forward", inp, tmp_path)
    record("forward", name, assert_close(out, expected_forward(b, inp), what=f"{name} T={T}"))


@pytest.mark.parametrize("name", SCAN_PRESETS)
def test_forward_long(bundles, tmp_path, rng, name):
    b = bundles(name)
    inp = scan_inputs(rng, b, 1, 1000, with_state=True)
    out = b.run("forward", inp, tmp_path)
    record("forward", name, assert_close(out, expected_forward(b, inp), what=f"{name} T=1000"))


@pytest.mark.parametrize("chunk", [16, 32, 48, 64, 128])
@pytest.mark.parametrize("name", ["ida-onepass", "ida-twopass"])
def test_forward_forced_chunk(bundles, tmp_path, rng, name, chunk):
    """Any chunk length, including one that is not a power of two, over one bundle."""
    b = bundles(name)
    for T in (65, 1000) if name == "ida-onepass" else (200,):
        inp = scan_inputs(rng, b, 2 if T < 1000 else 1, T, with_state=True)
        out = b.run("forward", inp, tmp_path, config=[f"C={chunk}"])
        record("forward", f"{name} C={chunk}",
               assert_close(out, expected_forward(b, inp), what=f"{name} C={chunk} T={T}"))


def test_strategies_differ(bundles):
    """Both plan strategies are exercised: the two bundles run different kernels."""
    one = bundles("ida-onepass").manifest["kernels"]
    two = bundles("ida-twopass").manifest["kernels"]
    assert [k["template"] for k in one.values() if k["template"].startswith("scan_fwd")] == \
        ["scan_fwd_onepass"]
    assert [k["template"] for k in two.values() if k["template"].startswith("scan_fwd")] == \
        ["scan_fwd_twopass"]


# --- forward_vjp --------------------------------------------------------------

def structural_zeros(b, T, with_state):
    """Gradients that are zero by the math for these inputs (checked as zeros)."""
    p, zeros = b.preset, set()
    if not with_state and T == 1:
        # One step from a zero state: every basis holds the same beta K V^T,
        # so dgamma is equal over n (dg = 0), and nothing decays (dA_log = 0).
        zeros |= {"dg", "dA_log"}
        if p["normalize"]:
            # y = V s / (s + eps): q, k and the step enter only through eps.
            zeros |= {"dq", "dk", "ddt", "ddt_bias", "dW"}
    if p["mixer"] == "linear" and not with_state:
        # A constant step (dt = 0) cancels in y = num / den without Z0.
        zeros.add("ddt_bias")
    return zeros


def run_vjp(b, tmp_path, rng, T, with_state, config=()):
    inp = scan_inputs(rng, b, batch_for(T), T, with_state)
    fwd = ref.forward(b.options(), inp)
    dy = rng.standard_normal(fwd["y"].shape)
    cot = {"dy": dy}
    if with_state:
        cot["dS_T"] = rng.standard_normal(fwd["S_T"].shape)
        if "Z_T" in fwd:
            cot["dZ_T"] = rng.standard_normal(fwd["Z_T"].shape)
    out = b.run("forward_vjp", {**inp, **cot}, tmp_path, config=config)
    want = ref.backward(b.options(), inp, dy, cot.get("dS_T"), cot.get("dZ_T"))
    if not with_state:
        # S0 absent: the kernels return the gradient at S0 = 0 (not compared).
        want.pop("dS0", None)
        want.pop("dZ0", None)
    if "g" not in inp:
        want.pop("dg", None)
    return out, want


@pytest.mark.parametrize("with_state", [False, True], ids=["noS0", "S0"])
@pytest.mark.parametrize("T", [1, 64, 65])
@pytest.mark.parametrize("name", SCAN_PRESETS)
def test_vjp(bundles, tmp_path, rng, name, T, with_state):
    b = bundles(name)
    out, want = run_vjp(b, tmp_path, rng, T, with_state)
    assert set(want) <= set(out), f"outputs {sorted(out)} lack {sorted(set(want) - set(out))}"
    zeros = structural_zeros(b, T, with_state)
    tokens = {n: w for n, w in want.items() if n not in PARAM_GRADS}
    params = {n: w for n, w in want.items() if n in PARAM_GRADS}
    scale = max(np.linalg.norm(w) for n, w in want.items() if n not in zeros)
    record("vjp", name, assert_close(out, tokens, what=f"{name} vjp T={T}", zeros=zeros,
                                     scale=scale))
    record("vjp params", name, assert_close(out, params, what=f"{name} vjp T={T}", zeros=zeros,
                                            scale=scale))


@pytest.mark.parametrize("T", [63, 1000])
@pytest.mark.parametrize("name", ["ida-onepass", "ida-relu-sigmoid-norm", "ssm-prf"])
def test_vjp_long(bundles, tmp_path, rng, name, T):
    """The rest of the T matrix for the backward: ragged below a chunk, and long."""
    b = bundles(name)
    out, want = run_vjp(b, tmp_path, rng, T, True)
    record("vjp", name, assert_close(out, {n: w for n, w in want.items() if n not in PARAM_GRADS},
                                     what=f"{name} vjp T={T}"))
    record("vjp params", name,
           assert_close(out, {n: w for n, w in want.items() if n in PARAM_GRADS},
                        what=f"{name} vjp T={T}"))


@pytest.mark.parametrize("chunk", [16, 48, 128])
def test_vjp_forced_chunk(bundles, tmp_path, rng, chunk):
    b = bundles("ida-onepass")
    out, want = run_vjp(b, tmp_path, rng, 150, True, config=[f"C={chunk}"])
    record("vjp", f"ida-onepass C={chunk}",
           assert_close(out, {n: w for n, w in want.items() if n not in PARAM_GRADS},
                        what=f"vjp C={chunk}"))
    record("vjp params", f"ida-onepass C={chunk}",
           assert_close(out, {n: w for n, w in want.items() if n in PARAM_GRADS},
                        what=f"vjp C={chunk}"))


# --- decode ---------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in SCAN_PRESETS if n != "ida-twopass"])
def test_decode_continues_forward(bundles, tmp_path, rng, name):
    """Prefill T0 tokens with `forward`, then decode 3 tokens from its final state."""
    b = bundles(name)
    T0, steps, B = 37, 3, 2
    inp = scan_inputs(rng, b, B, T0 + steps, with_state=True)
    want = ref.forward(b.options(), inp)
    seq = lambda a, lo, hi: a[:, lo:hi]  # noqa: E731
    prefix = {k: (seq(v, 0, T0) if k in ("q", "k", "v", "dt", "g") else v) for k, v in inp.items()}
    state = b.run("forward", prefix, tmp_path)
    S, Z = state["S_T"], state.get("Z_T")
    for t in range(T0, T0 + steps):
        step = {k: v[:, t] for k, v in inp.items() if k in ("q", "k", "v", "dt", "g")}
        step.update({k: inp[k] for k in ("A_log", "dt_bias", "W") if k in inp})
        step["S"] = S
        if Z is not None:
            step["Z"] = Z
        out = b.run("decode", step, tmp_path)
        # A fresh, independent single-token reference from the kernels' state.
        single = {**{k: v[:, None] for k, v in step.items() if k in ("q", "k", "v", "dt", "g")},
                  **{k: step[k] for k in ("A_log", "dt_bias", "W") if k in step}}
        y_ref, S_ref, Z_ref = ref.decode_step(b.options(), single, S, Z)
        exp = {"y": y_ref[:, 0], "S_new": S_ref}
        if Z is not None:
            exp["Z_new"] = Z_ref
        record("decode", name, assert_close(out, exp, what=f"{name} decode t={t}"))
        # ... and against the full-sequence forward.
        record("decode", name, assert_close({"y": out["y"]}, {"y": want["y"][:, t]},
                                            what=f"{name} decode vs forward t={t}"))
        S, Z = out["S_new"], out.get("Z_new")
    record("decode", name, assert_close({"S": S}, {"S": want["S_T"]}, what=f"{name} final state"))


# --- softmax attention and the hybrid graph ------------------------------------------

@pytest.mark.parametrize("T", [1, 63, 64, 65, 1000])
def test_softmax_forward_and_vjp(bundles, tmp_path, rng, T):
    b = bundles("softmax")
    B = batch_for(T)
    q, k, v = (rng.standard_normal((B, T, 2, 16)) for _ in range(3))
    out = b.run("forward", {"q": q, "k": k, "v": v}, tmp_path)
    record("forward", "softmax",
           assert_close(out, {"y": ref.softmax_attention(q, k, v)}, what=f"softmax T={T}"))
    if T > 200:
        return
    dy = rng.standard_normal((B, T, 2, 16))
    out = b.run("forward_vjp", {"q": q, "k": k, "v": v, "dy": dy}, tmp_path)
    record("vjp", "softmax",
           assert_close(out, softmax_attention_vjp(q, k, v, dy), what=f"softmax vjp T={T}"))


@pytest.mark.parametrize("T", [1, 65, 300])
def test_hybrid(bundles, tmp_path, rng, T):
    b = bundles("hybrid")
    opts = ref.Options(feature="elu1", basis_weights="softmax", normalize=True)
    B = 2
    layer = make_inputs(rng, opts, B=B, T=T, H=2, D=16, P=16, N=2, with_state=False)
    q2, k2 = rng.standard_normal((B, T, 2, 16)), rng.standard_normal((B, T, 2, 16))
    inputs = {"x": layer["v"], "q1": layer["q"], "k1": layer["k"], "dt1": layer["dt"],
              "g1": layer["g"], "A_log": layer["A_log"], "dt_bias": layer["dt_bias"],
              "q2": q2, "k2": k2}
    # The entry's inputs are the function's arguments in order (the
    # compiler names them after template slots: v, q, k, ..., q_1, k_1).
    names = b.input_names("hybrid")
    assert len(names) == len(inputs)
    by_position = dict(zip(names, inputs.values()))
    out = b.run("hybrid", by_position, tmp_path, raw_names=True)
    y1 = ref.forward(opts, layer)["y"]
    y2 = ref.softmax_attention(q2, k2, y1, window=8)
    (yname,) = b.entries["hybrid"]["outputs"]
    record("forward", "hybrid", assert_close({"y": out[yname]}, {"y": y2}, what=f"hybrid T={T}"))

    dy2 = rng.standard_normal(y2.shape)
    g2 = softmax_attention_vjp(q2, k2, y1, dy2, window=8)
    g1 = ref.backward(opts, layer, g2["dv"])
    want = [g1["dv"], g1["dq"], g1["dk"], g1["ddt"], g1["dg"], g1["dA_log"], g1["ddt_bias"],
            g2["dq"], g2["dk"]]
    vjp_names = b.input_names("hybrid_vjp")
    assert vjp_names[:-1] == names, vjp_names
    out = b.run("hybrid_vjp", {**by_position, vjp_names[-1]: dy2}, tmp_path, raw_names=True)
    onames = b.entries["hybrid_vjp"]["outputs"]
    assert len(onames) == len(want), onames
    expected = dict(zip(onames, want))
    zeros = {onames[4], onames[5]} if T == 1 else set()  # dg, dA_log (see structural_zeros)
    if T == 1:
        zeros |= {onames[i] for i in (1, 2, 3, 6)}  # normalize at T = 1 (ibid.)
    record("vjp", "hybrid", assert_close(out, expected, what=f"hybrid vjp T={T}", zeros=zeros))


def test_every_entry_is_tested(bundles):
    """The presets' bundles have exactly the entries this file checks."""
    for name in SCAN_PRESETS:
        assert sorted(bundles(name).entries) == ["decode", "forward", "forward_vjp"], name
    assert sorted(bundles("softmax").entries) == ["forward", "forward_vjp"]
    assert sorted(bundles("hybrid").entries) == ["hybrid", "hybrid_vjp"]

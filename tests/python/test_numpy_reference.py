"""The numpy reference on its own: backward vs finite differences, decode vs
forward, and the bfloat16 bit convention."""
import numpy as np
import pytest

import ida_numpy_ref as ref
from reference_inputs import all_options, make_inputs, option_id

STEP = 1e-5
FD_TOLERANCE = 1e-6


def _loss(opts, inp, dy, dS_T, dZ_T):
    out = ref.forward(opts, inp)
    loss = float((dy * out["y"]).sum())
    if dS_T is not None:
        loss += float((dS_T * out["S_T"]).sum())
    if dZ_T is not None:
        loss += float((dZ_T * out["Z_T"]).sum())
    return loss


@pytest.mark.parametrize("opts", all_options(feature_param=3), ids=option_id)
def test_backward_matches_finite_differences(opts, rng):
    inp = make_inputs(rng, opts, B=1, T=5, H=2, D=3, P=2, N=2)
    out = ref.forward(opts, inp)
    dy = rng.standard_normal(out["y"].shape)
    dS_T = rng.standard_normal(out["S_T"].shape)
    dZ_T = rng.standard_normal(out["Z_T"].shape) if opts.normalize else None
    grads = ref.backward(opts, inp, dy, dS_T, dZ_T)
    for name, x in inp.items():
        if opts.basis_weights == "uniform" and name == "g":
            assert not grads["dg"].any()
            continue
        fd = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            keep = x[idx]
            x[idx] = keep + STEP
            up = _loss(opts, inp, dy, dS_T, dZ_T)
            x[idx] = keep - STEP
            down = _loss(opts, inp, dy, dS_T, dZ_T)
            x[idx] = keep
            fd[idx] = (up - down) / (2 * STEP)
        err = ref.relative_error(grads["d" + name], fd)
        assert err <= FD_TOLERANCE, f"d{name}: relative error {err:.2e}"


def test_backward_without_state_cotangent(rng):
    opts = ref.Options(feature="prf", feature_param=4, basis_weights="sigmoid", normalize=True)
    inp = make_inputs(rng, opts, B=1, T=4, H=1, D=2, P=2, N=2)
    dy = rng.standard_normal((1, 4, 1, 2))
    grads = ref.backward(opts, inp, dy)
    fd = np.zeros_like(inp["A_log"])
    for idx in np.ndindex(fd.shape):
        keep = inp["A_log"][idx]
        inp["A_log"][idx] = keep + STEP
        up = _loss(opts, inp, dy, None, None)
        inp["A_log"][idx] = keep - STEP
        down = _loss(opts, inp, dy, None, None)
        inp["A_log"][idx] = keep
        fd[idx] = (up - down) / (2 * STEP)
    assert ref.relative_error(grads["dA_log"], fd) <= FD_TOLERANCE


@pytest.mark.parametrize("opts", all_options(), ids=option_id)
def test_decode_steps_reproduce_forward(opts, rng):
    inp = make_inputs(rng, opts, T=6)
    out = ref.forward(opts, inp)
    S, Z = inp["S0"], inp.get("Z0")
    ys = []
    for t in range(6):
        step = {name: (x[:, t:t + 1] if name in ("q", "k", "v", "dt", "g") else x)
                for name, x in inp.items() if name not in ("S0", "Z0")}
        y, S, Z = ref.decode_step(opts, step, S, Z)
        ys.append(y)
    assert ref.relative_error(np.concatenate(ys, 1), out["y"]) < 1e-13
    assert ref.relative_error(S, out["S_T"]) < 1e-13
    if opts.normalize:
        assert ref.relative_error(Z, out["Z_T"]) < 1e-13


def test_no_decay_elu1_is_linear_attention(rng):
    opts = ref.Options(feature="elu1", basis_weights="softmax")
    inp = make_inputs(rng, opts, T=8, N=1, D=4, with_state=False)
    inp["A_log"][:] = -np.inf
    inp["dt"][:] = 0.3
    inp["dt_bias"][:] = 0.0
    phi = lambda x: np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))
    scores = np.einsum("bthd,bshd->bhts", phi(inp["q"]), phi(inp["k"]))
    mask = np.tril(np.ones((8, 8)))
    want = np.log1p(np.exp(0.3)) * np.einsum("bhts,bshp->bthp", scores * mask, inp["v"])
    assert ref.relative_error(ref.forward(opts, inp)["y"], want) < 1e-13


def test_bf16_bits_round_to_nearest_even():
    x = np.array([1.0, 1 + 2.0**-8, 1 + 3 * 2.0**-8, -2.0, 3.14159], dtype=np.float32)
    assert ref.to_bf16_bits(x).tolist() == [0x3F80, 0x3F80, 0x3F82, 0xC000, 0x4049]
    assert ref.from_bf16_bits(np.uint16(0x4049)) == np.float32(3.140625)

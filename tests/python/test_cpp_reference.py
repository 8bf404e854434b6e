"""C++ reference (through the ida-reference tool) against the numpy reference.

Data goes both ways through .npy files, so these tests also exercise the
strict reader/writer of runtime/io and its bfloat16 convention.
"""
import subprocess

import numpy as np
import pytest

import ida_numpy_ref as ref
from conftest import tool
from reference_inputs import all_options, make_inputs, option_id

# Two float64 implementations that sum in different orders.
AGREE = 1e-10


def run_reference(command, args, arrays, tmp_path, expect_ok=True):
    """Writes arrays to tmp_path/in, runs the tool, returns (outputs, stderr)."""
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir(exist_ok=True)
    for old in src.glob("*.npy"):
        old.unlink()
    for name, value in arrays.items():
        np.save(src / f"{name}.npy", value)
    proc = subprocess.run([str(tool("ida-reference")), command, *args, "--in", str(src),
                           "--out", str(dst)], capture_output=True, text=True)
    if expect_ok:
        assert proc.returncode == 0, proc.stderr
        return {p.stem: np.load(p) for p in dst.glob("*.npy")}, proc.stderr
    assert proc.returncode != 0
    return {}, proc.stderr


SHAPES = dict(B=2, T=13, H=2, D=3, P=3, N=3)


@pytest.mark.parametrize("opts", all_options(feature_param=5), ids=option_id)
def test_forward_matches_numpy(opts, rng, tmp_path):
    inp = make_inputs(rng, opts, **SHAPES)
    want = ref.forward(opts, inp)
    got, _ = run_reference("forward", opts.cli_args(), inp, tmp_path)
    assert set(got) == set(want)
    for name in want:
        assert got[name].dtype == np.float64
        assert ref.relative_error(got[name], want[name]) < AGREE, name


@pytest.mark.parametrize("opts", all_options(feature_param=5), ids=option_id)
def test_backward_matches_numpy(opts, rng, tmp_path):
    inp = make_inputs(rng, opts, **SHAPES)
    out = ref.forward(opts, inp)
    cot = {"dy": rng.standard_normal(out["y"].shape), "dS_T": rng.standard_normal(out["S_T"].shape)}
    if opts.normalize:
        cot["dZ_T"] = rng.standard_normal(out["Z_T"].shape)
    want = ref.backward(opts, inp, cot["dy"], cot["dS_T"], cot.get("dZ_T"))
    got, _ = run_reference("backward", opts.cli_args(), {**inp, **cot}, tmp_path)
    assert set(got) == set(want)
    for name in want:
        if opts.basis_weights == "uniform" and name == "dg":
            assert not got[name].any()
            continue
        assert ref.relative_error(got[name], want[name]) < AGREE, name


@pytest.mark.parametrize("chunk", [1, 5, 16])
@pytest.mark.parametrize("opts", [ref.Options("taylor2", 0, "sigmoid", True),
                                  ref.Options("hedgehog", 4, "softmax", False),
                                  ref.Options("prf", 6, "uniform", True)], ids=option_id)
def test_chunked_and_decode_match_numpy_forward(opts, chunk, rng, tmp_path):
    inp = make_inputs(rng, opts, **SHAPES)
    want = ref.forward(opts, inp)
    got, _ = run_reference("chunked", opts.cli_args() + ["--chunk", str(chunk)], inp, tmp_path)
    for name in want:
        assert ref.relative_error(got[name], want[name]) < AGREE, name
    got, _ = run_reference("decode", opts.cli_args(), inp, tmp_path)
    for name in want:
        assert ref.relative_error(got[name], want[name]) < AGREE, name


def test_uniform_without_g_and_without_state(rng, tmp_path):
    opts = ref.Options("identity", 0, "uniform", False)
    inp = make_inputs(rng, opts, with_state=False, **SHAPES)
    del inp["g"]
    got, _ = run_reference("forward", opts.cli_args(), inp, tmp_path)
    assert ref.relative_error(got["y"], ref.forward(opts, inp)["y"]) < AGREE


@pytest.mark.parametrize("window", [0, 4])
def test_softmax_attention_matches_numpy(window, rng, tmp_path):
    arrays = {"q": rng.standard_normal((2, 11, 3, 4)), "k": rng.standard_normal((2, 11, 3, 4)),
              "v": rng.standard_normal((2, 11, 3, 5))}
    got, _ = run_reference("softmax-attention", ["--window", str(window)], arrays, tmp_path)
    want = ref.softmax_attention(arrays["q"], arrays["k"], arrays["v"], window)
    assert ref.relative_error(got["y"], want) < AGREE
    # Backward: compare the C++ gradient of <dy, y> with numpy finite differences.
    dy = rng.standard_normal(want.shape)
    grads, _ = run_reference("softmax-attention-backward", ["--window", str(window)],
                             {**arrays, "dy": dy}, tmp_path)
    h = 1e-6
    for name in ("q", "k", "v"):
        fd = np.zeros_like(arrays[name])
        for idx in np.ndindex(fd.shape):
            keep = arrays[name][idx]
            arrays[name][idx] = keep + h
            up = (dy * ref.softmax_attention(arrays["q"], arrays["k"], arrays["v"], window)).sum()
            arrays[name][idx] = keep - h
            down = (dy * ref.softmax_attention(arrays["q"], arrays["k"], arrays["v"], window)).sum()
            arrays[name][idx] = keep
            fd[idx] = (up - down) / (2 * h)
        assert ref.relative_error(grads["d" + name], fd) < 1e-6, name


def test_reduced_precision_inputs_and_outputs(rng, tmp_path):
    """float32 and bfloat16 ('<u2' bits) inputs are read exactly; outputs can
    be written as bfloat16 bits rounded to nearest even."""
    opts = ref.Options("elu1", 0, "softmax", True)
    inp = make_inputs(rng, opts, **SHAPES)
    files = dict(inp)
    files["q"] = ref.to_bf16_bits(inp["q"])                  # bfloat16 bits
    files["k"] = inp["k"].astype(np.float32)
    exact = dict(inp, q=ref.from_bf16_bits(files["q"]).astype(np.float64),
                 k=files["k"].astype(np.float64))
    want = ref.forward(opts, exact)
    got, _ = run_reference("forward", opts.cli_args(), files, tmp_path)
    assert ref.relative_error(got["y"], want["y"]) < AGREE
    got, _ = run_reference("forward", opts.cli_args() + ["--out-dtype", "bfloat16"], files, tmp_path)
    assert got["y"].dtype == np.uint16
    assert np.array_equal(got["y"], ref.to_bf16_bits(want["y"].astype(np.float32)))


def test_errors_name_the_argument(rng, tmp_path):
    opts = ref.Options("elu1", 0, "softmax", False)
    inp = make_inputs(rng, opts, B=2, T=5, H=2, D=3, P=2, N=4, with_state=False)
    inp["g"] = inp["g"][..., :3]
    _, err = run_reference("forward", opts.cli_args(), inp, tmp_path, expect_ok=False)
    assert "g: expected shape [B, T, H, N] = [2, 5, 2, 4], got [2, 5, 2, 3]" in err
    _, err = run_reference("forward", ["--feature", "cosine"], inp, tmp_path, expect_ok=False)
    assert "accepted: identity, elu1, relu, taylor2, prf, hedgehog" in err
    inp["g"] = np.asfortranarray(rng.standard_normal((2, 5, 2, 4)))
    _, err = run_reference("forward", opts.cli_args(), inp, tmp_path, expect_ok=False)
    assert "g.npy: Fortran-order arrays are not supported" in err
    inp["g"] = rng.standard_normal((2, 5, 2, 4)).astype(np.complex128)
    _, err = run_reference("forward", opts.cli_args(), inp, tmp_path, expect_ok=False)
    assert "unsupported dtype '<c16'" in err

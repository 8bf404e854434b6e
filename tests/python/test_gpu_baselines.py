"""benchmarks/gpu_baselines.py on the CPU: the script imports, its eager
chunked implementation of spec §5 matches the float64 numpy reference (with
numpy always, with PyTorch and autograd when torch is installed), its flop
count is ida-bench's, and without a CUDA device it exits 0 saying so.
"""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import ida_numpy_ref as ref
from conftest import SOURCE_DIR

SCRIPT = SOURCE_DIR / "benchmarks" / "gpu_baselines.py"
OPTS = ref.Options(feature="elu1", basis_weights="softmax")


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_baselines", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_inputs(rng, B=2, T=37, H=2, D=5, P=4, N=3):
    return {
        "q": rng.standard_normal((B, T, H, D)),
        "k": rng.standard_normal((B, T, H, D)),
        "v": rng.standard_normal((B, T, H, P)),
        "dt": rng.standard_normal((B, T, H)),
        "g": rng.standard_normal((B, T, H, N)),
        "A_log": rng.uniform(-1.0, 1.0, (H, N)),
        "dt_bias": rng.uniform(-0.5, 0.5, (H,)),
    }


@pytest.mark.parametrize("C", [1, 8, 64])
def test_numpy_chunked_matches_reference(rng, C):
    gb = load_script()
    inp = small_inputs(rng)
    y, S_T = gb.chunked_forward(gb.NumpyOps(), **inp, C=C)
    want = ref.forward(OPTS, inp)
    assert ref.relative_error(y, want["y"]) < 1e-12
    assert ref.relative_error(S_T, want["S_T"]) < 1e-12


def test_torch_chunked_matches_reference_with_gradients(rng):
    torch = pytest.importorskip("torch")
    gb = load_script()
    inp = small_inputs(rng)
    leaves = {n: torch.tensor(a, dtype=torch.float64, requires_grad=True)
              for n, a in inp.items()}
    y, S_T = gb.chunked_forward(gb.TorchOps(), **leaves, C=8)
    want = ref.forward(OPTS, inp)
    assert ref.relative_error(y.detach().numpy(), want["y"]) < 1e-12
    assert ref.relative_error(S_T.detach().numpy(), want["S_T"]) < 1e-12

    dy = rng.standard_normal(y.shape)
    y.backward(torch.tensor(dy))
    grads = ref.backward(OPTS, inp, dy)
    for name, grad in (("q", "dq"), ("k", "dk"), ("v", "dv"), ("dt", "ddt"), ("g", "dg"),
                       ("A_log", "dA_log"), ("dt_bias", "ddt_bias")):
        err = ref.relative_error(leaves[name].grad.numpy(), grads[grad])
        assert err < 1e-10, f"{grad}: {err}"


def test_flop_count_is_ida_bench_count():
    gb = load_script()
    # docs/performance.md: 82,432 flops per token and head at C = 64.
    assert gb.useful_flops(1, 1, 1, C=64) == 2 * 1 * (64 + 4 + 64) + 4 * 4 * 64 * 64
    assert gb.useful_flops(2, 2048, 4) == 2 * 2048 * 4 * 82432


def test_exits_zero_without_cuda(tmp_path):
    try:
        import torch
        if torch.cuda.is_available():
            pytest.skip("a CUDA device is present: the script would measure")
    except ImportError:
        pass
    out = tmp_path / "gpu.json"
    r = subprocess.run([sys.executable, str(SCRIPT), "--shape", "1,16,2", "--reps", "1",
                        "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "nothing measured" in r.stdout
    assert not out.exists()

#!/usr/bin/env python3
"""GPU check of the Python package (docs/python.md, "GPU"): CUDA tensors
through the DLPack device path, against the float64 numpy reference, and
torch.autograd.gradcheck on the GPU.

    PYTHONPATH=BUILD/python python tests/gpu/python_torch_check.py [--bundle DIR]

BUILD must be configured with -DIDA_ENABLE_PYTHON=ON and the CUDA backend.
Without --bundle the layer is compiled just in time (needs idac); with it, DIR
is an ahead-of-time bundle with CUDA sources of a small elu1/softmax preset,
e.g. `idac --preset ida --basis 2 --chunk 4 --heads 2 --head-dim 3
--value-dim 2 --target all -o DIR`. Exit status 0: every check passed;
1: a check failed; 3: no CUDA device (or no PyTorch with CUDA).
"""
import argparse
import pathlib
import sys
import traceback

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))

import ida_numpy_ref as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", help="ahead-of-time bundle (else compiled with idac)")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("SKIP: no PyTorch")
        return 3
    if not torch.cuda.is_available():
        print("SKIP: torch.cuda is not available")
        return 3
    import ida
    import ida.torch as it
    print("ida devices:", ida.devices())
    if args.bundle:
        layer = ida.load(args.bundle, target="auto")
    else:
        layer = ida.layer(mixer="ida", feature="elu1", basis=2, chunk=4, heads=2, head_dim=3,
                          value_dim=2, target="auto")
    o = layer.statics
    H, N, F, P = o["H"], o["N"], o["F"], o["P"]
    D = layer.options.get("D", F)
    B, T = 2, 11
    opts = ref.Options(feature=layer.options.get("feature", "elu1"),
                       basis_weights=layer.options.get("basis_weights", "softmax"))
    dev = torch.device("cuda")
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    names = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "S0"]
    host = [r(B, T, H, D), r(B, T, H, D), r(B, T, H, P), r(B, T, H), r(B, T, H, N),
            torch.rand(H, N, generator=g, dtype=torch.float64) * 2 - 1,
            torch.rand(H, generator=g, dtype=torch.float64) - 0.5, 0.5 * r(B, H, N, F, P)]
    inp = {n: x.numpy() for n, x in zip(names, host)}
    want = ref.forward(opts, inp)
    dy = np.random.default_rng(1).standard_normal((B, T, H, P))
    want_g = ref.backward(opts, inp, dy)
    failures = []

    def check(what, got, expected, tol=1e-5):
        got = got.detach().double().cpu().numpy() if hasattr(got, "detach") else np.asarray(got)
        err = ref.relative_error(got, expected)
        ok = np.isfinite(got).all() and err <= tol
        print(f"{'ok  ' if ok else 'FAIL'} {what}: rel err {err:.3g}")
        if not ok:
            failures.append(what)

    try:
        cuda = {n: x.float().to(dev) for n, x in zip(names, host)}
        # Device path: CUDA tensors in, CUDA tensors out.
        y, S_T = layer(**cuda, return_state=True)
        assert y.is_cuda and S_T.is_cuda, "outputs must stay on the GPU"
        check("forward y (cuda tensors)", y, want["y"])
        check("forward S_T (cuda tensors)", S_T, want["S_T"])
        grads = layer.vjp(**cuda, dy=torch.from_numpy(dy).float().to(dev))
        for n in names:
            check(f"vjp d{n} (cuda tensors)", grads["d" + n], want_g["d" + n], 2e-5)
        # Host arrays through a CUDA launcher (copies).
        lc = ida.load(layer.path, target="cuda")
        check("forward y (numpy, target cuda)",
              lc(**{n: np.float32(v) for n, v in inp.items()}), want["y"])
        # Errors: a CPU tensor among CUDA ones.
        try:
            layer(**dict(cuda, v=cuda["v"].cpu()))
            failures.append("mixed devices were accepted")
        except ValueError as e:
            print("ok   mixed devices:", e)
        # Autograd on the GPU.
        xs = [x.to(dev).requires_grad_() for x in host]

        def fn(*a):
            yy, ss = it.IDAFunction.apply(layer, *[t.float() for t in a[:7]], None, a[7].float())
            return yy.double(), ss.double()

        ok = torch.autograd.gradcheck(fn, xs, eps=1e-3, atol=2e-3, rtol=2e-2, nondet_tol=1e-5)
        print(f"{'ok  ' if ok else 'FAIL'} torch.autograd.gradcheck on cuda")
        if not ok:
            failures.append("gradcheck")
    except Exception:
        traceback.print_exc()
        failures.append("exception")
    print("PASS" if not failures else f"FAIL: {', '.join(failures)}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""GPU baselines for the IDA performance record (docs/performance.md).

For the shapes ida-bench measures (`--shape B,T,H`, default 2,2048,4; the
default preset D = P = F = 64, N = 4, elu1 features, softmax basis weights,
chunk C = 64) this times, on one CUDA device:

  sdpa        PyTorch scaled_dot_product_attention, causal; in bf16/f16 the
              FlashAttention backend is requested (falling back to PyTorch's
              choice where it is unavailable), in fp32 PyTorch's own choice.
              A softmax-attention layer of the same width, for scale.
  chunked     the chunked form of spec §5 written in eager PyTorch: every
              intermediate (phi(q), phi(k), decays, C x C score and mask
              matrices, chunk states) materialised, no fusion; the backward
              is autograd's.
  fla         flash-linear-attention's chunk_simple_gla (when `fla` imports):
              IDA as H*N scalar-decay heads, query n scaled by gamma_n, key by
              beta, log decay -delta*lambda_n, outputs summed over n. It does
              N times IDA's intra-chunk q.k work; the fused-kernel reference
              point for the same math.

Entries: `forward`, and `forward_vjp` = forward + backward through autograd
(what a training step pays). Timing: CUDA events around each repetition after
warm-up, median of `--reps`. Rates use spec §5's useful flops for the IDA
implementations (the same count as ida-bench) and B*H*T^2*(D+P) (causal
QK^T and PV) for SDPA; backward counts twice the forward.

Without PyTorch or a CUDA device the script prints why and exits 0. The math
of `chunked_forward` is backend-neutral: tests/python/test_gpu_baselines.py
checks it with numpy against tests/python/ida_numpy_ref.py, and with torch
on the CPU when torch is installed.

  python3 benchmarks/gpu_baselines.py [--shape B,T,H ...] [--reps N]
      [--warmup N] [--dtype f32 --dtype bf16] [--json FILE]
"""
import argparse
import datetime
import inspect
import json
import math
import platform
import sys

D = P = F = 64
N = 4
CHUNK = 64


# --- backend-neutral pieces ----------------------------------------------------

class NumpyOps:
    """The handful of array operations chunked_forward needs, for numpy."""

    def __init__(self):
        import numpy as np
        self.np = np

    def exp(self, x):
        return self.np.exp(x)

    def einsum(self, spec, *xs):
        return self.np.einsum(spec, *xs, optimize=True)

    def cumsum(self, x, axis):
        return self.np.cumsum(x, axis)

    def softplus(self, x):
        return self.np.logaddexp(0.0, x)

    def softmax(self, x):
        e = self.np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    def elu1(self, x):
        return self.np.where(x > 0, x + 1.0, self.np.exp(self.np.minimum(x, 0.0)))

    def permute(self, x, order):
        return x.transpose(order)

    def pad_time(self, x, extra):
        """Zeros after the last step of axis 1."""
        if extra == 0:
            return x
        width = [(0, 0)] * x.ndim
        width[1] = (0, extra)
        return self.np.pad(x, width)

    def causal(self, C):
        i = self.np.arange(C)
        return i[:, None] >= i[None, :]

    def where(self, cond, a, fill):
        return self.np.where(cond, a, fill)

    def zeros(self, shape, like):
        return self.np.zeros(shape, dtype=like.dtype)

    def stack(self, xs, axis):
        return self.np.stack(xs, axis)


class TorchOps:
    """The same operations for PyTorch tensors (any device, autograd-safe)."""

    def __init__(self):
        import torch
        self.torch = torch

    def exp(self, x):
        return self.torch.exp(x)

    def einsum(self, spec, *xs):
        return self.torch.einsum(spec, *xs)

    def cumsum(self, x, axis):
        return self.torch.cumsum(x, axis)

    def softplus(self, x):
        return self.torch.nn.functional.softplus(x)

    def softmax(self, x):
        return self.torch.softmax(x, -1)

    def elu1(self, x):
        return self.torch.nn.functional.elu(x) + 1.0

    def permute(self, x, order):
        return x.permute(*order)

    def pad_time(self, x, extra):
        if extra == 0:
            return x
        shape = list(x.shape)
        shape[1] = extra
        return self.torch.cat([x, x.new_zeros(shape)], 1)

    def causal(self, C):
        return self.torch.ones(C, C, dtype=self.torch.bool).tril()

    def where(self, cond, a, fill):
        return self.torch.where(cond.to(a.device), a, self.torch.full_like(a, fill))

    def zeros(self, shape, like):
        return like.new_zeros(shape)

    def stack(self, xs, axis):
        return self.torch.stack(xs, axis)


def chunked_forward(ops, q, k, v, dt, g, A_log, dt_bias, C=CHUNK):
    """Spec §5 without fusion, for elu1 features and softmax basis weights.

    q, k [B,T,H,D], v [B,T,H,P], dt [B,T,H], g [B,T,H,N], A_log [H,N],
    dt_bias [H]. Returns (y [B,T,H,P], S_T [B,H,N,F,P]). T need not be a
    multiple of C: padded steps get beta = 0 and log decay 0, so they add
    nothing and decay nothing.
    """
    B, T, H, _ = q.shape
    nc = -(-T // C)
    extra = nc * C - T
    delta = ops.softplus(dt + dt_bias)                        # [B,T,H]
    loga = -delta[..., None] * ops.exp(A_log)                 # [B,T,H,N]
    gamma = ops.softmax(g)                                    # [B,T,H,N]
    Q, K = ops.elu1(q), ops.elu1(k)                           # [B,T,H,F]

    def chunks(x):  # [B,T,H,...] -> [B,H,nc,C,...]
        x = ops.pad_time(x, extra)
        x = x.reshape((B, nc, C, H) + tuple(x.shape[3:]))
        return ops.permute(x, (0, 3, 1, 2) + tuple(range(4, x.ndim)))

    Qc, Kc, Vc = chunks(Q), chunks(K), chunks(v)
    beta = chunks(delta[..., None])[..., 0]                   # [B,H,nc,C]
    gam = chunks(gamma)
    L = ops.cumsum(chunks(loga), 3)                           # [B,H,nc,C,N]

    # Intra-chunk: scores, decay mask (exp of differences, masked to j <= i
    # before the exponential so nothing overflows), masked product.
    A = ops.einsum("bhcif,bhcjf->bhcij", Qc, Kc)
    diff = L[..., :, None, :] - L[..., None, :, :]            # [B,H,nc,C,C,N]
    diff = ops.where(ops.causal(C)[..., None], diff, -math.inf)
    M = ops.einsum("bhcin,bhcijn->bhcij", gam, ops.exp(diff)) * beta[..., None, :]
    y = ops.einsum("bhcij,bhcjp->bhcip", A * M, Vc)

    # Chunk-local states, then a scan over chunks for the entering states.
    last = L[..., -1:, :]                                     # [B,H,nc,1,N]
    w = ops.exp(last - L) * beta[..., None]                   # [B,H,nc,C,N]
    U = ops.einsum("bhcjn,bhcjf,bhcjp->bhcnfp", w, Kc, Vc)
    carry = ops.exp(last[..., 0, :])                          # [B,H,nc,N]
    S = ops.zeros((B, H, A_log.shape[-1], Q.shape[-1], v.shape[-1]), Q)
    entering = []
    for c in range(nc):
        entering.append(S)
        S = carry[:, :, c, :, None, None] * S + U[:, :, c]
    S_in = ops.stack(entering, 2)                             # [B,H,nc,N,F,P]
    y = y + ops.einsum("bhcin,bhcif,bhcnfp->bhcip", gam * ops.exp(L), Qc, S_in)

    y = ops.permute(y, (0, 2, 3, 1, 4)).reshape(B, nc * C, H, v.shape[-1])
    return y[:, :T], S


def useful_flops(B, T, H, C=CHUNK):
    """Spec §5: per token and head 2C(F+N+P) + 4NFP (C capped at T)."""
    c = min(C, T)
    return B * T * H * (2 * c * (F + N + P) + 4 * N * F * P)


def sdpa_flops(B, T, H):
    """Causal QK^T and PV: half of 2T^2 D + 2T^2 P per head."""
    return B * H * T * T * (D + P)


# --- timing on a CUDA device -----------------------------------------------

def cuda_time(torch, fn, warmup, reps):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    mid = len(times) // 2
    return (times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] + times[mid])), times


def make_inputs(torch, B, T, H, dtype, device, seed=20261128):
    gen = torch.Generator(device="cpu").manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=gen).to(device=device, dtype=dtype)

    return dict(q=randn(B, T, H, D), k=randn(B, T, H, D), v=randn(B, T, H, P),
                dt=randn(B, T, H), g=randn(B, T, H, N),
                A_log=(torch.rand(H, N, generator=gen) * 2 - 1).to(device=device, dtype=dtype),
                dt_bias=(torch.rand(H, generator=gen) - 0.5).to(device=device, dtype=dtype))


def fla_forward(chunk_simple_gla, torch, x):
    """IDA through chunk_simple_gla over H*N heads, summed over the basis."""
    B, T, H, _ = x["q"].shape
    delta = torch.nn.functional.softplus(x["dt"] + x["dt_bias"])          # [B,T,H]
    loga = -delta[..., None] * torch.exp(x["A_log"])                      # [B,T,H,N]
    gamma = torch.softmax(x["g"], -1)
    Q = torch.nn.functional.elu(x["q"]) + 1
    K = torch.nn.functional.elu(x["k"]) + 1
    q = (gamma[..., None] * Q[..., None, :]).reshape(B, T, H * N, F)
    k = (delta[..., None, None] * K[..., None, :]).expand(B, T, H, N, F).reshape(B, T, H * N, F)
    v = x["v"][..., None, :].expand(B, T, H, N, P).reshape(B, T, H * N, P)
    kwargs = dict(q=q.contiguous(), k=k.contiguous(), v=v.contiguous(),
                  g=loga.reshape(B, T, H * N).contiguous(), scale=1.0)
    params = inspect.signature(chunk_simple_gla).parameters
    if "head_first" in params:  # older releases default to [B, H, T, K]
        kwargs["head_first"] = False
    o, _ = chunk_simple_gla(**kwargs)
    return o.reshape(B, T, H, N, P).sum(3)


def run_cuda(args, torch):
    device = torch.device("cuda")
    dtypes = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
    records = []
    try:
        from fla.ops.simple_gla import chunk_simple_gla
        fla_note = ""
    except Exception as e:  # noqa: BLE001 - any import failure means "absent"
        chunk_simple_gla, fla_note = None, f"fla not importable: {e}"
    ops = TorchOps()

    for shape in args.shape:
        B, T, H = shape
        for dname in args.dtype:
            dtype = dtypes[dname]
            x = make_inputs(torch, B, T, H, dtype, device)
            dy = torch.randn(B, T, H, P, device=device, dtype=dtype)

            def add(impl, entry, fn, flops, note=""):
                rec = dict(implementation=impl, entry=entry, dtype=dname,
                           shape=dict(B=B, T=T, H=H), note=note)
                try:
                    ms, samples = cuda_time(torch, fn, args.warmup, args.reps)
                    rec.update(status="ok", ms=ms, samples_ms=samples, flops=flops,
                               gflops=flops / (ms * 1e-3) * 1e-9)
                except Exception as e:  # noqa: BLE001 - recorded, not fatal
                    rec.update(status="error", note=f"{type(e).__name__}: {e}".splitlines()[0])
                records.append(rec)
                print(f"{impl:8s} {entry:12s} {dname:5s} B,T,H={B},{T},{H}  "
                      + (f"{rec['ms']:9.3f} ms {rec['gflops']:9.1f} GFLOP/s"
                         if rec["status"] == "ok" else rec["note"]), flush=True)

            # SDPA, causal, [B, H, T, D].
            qh, kh, vh = (x[n].transpose(1, 2).contiguous().requires_grad_(True)
                          for n in ("q", "k", "v"))
            backend = "default"
            ctx = None
            if dname != "f32":
                try:
                    from torch.nn.attention import SDPBackend, sdpa_kernel
                    ctx, backend = (lambda: sdpa_kernel([SDPBackend.FLASH_ATTENTION])), "flash"
                except ImportError:
                    ctx = None

            def sdpa():
                if ctx is None:
                    return torch.nn.functional.scaled_dot_product_attention(qh, kh, vh, is_causal=True)
                with ctx():
                    return torch.nn.functional.scaled_dot_product_attention(qh, kh, vh, is_causal=True)

            dyh = dy.transpose(1, 2).contiguous()
            with torch.no_grad():
                add("sdpa", "forward", sdpa, sdpa_flops(B, T, H), f"backend {backend}")
            add("sdpa", "forward_vjp", lambda: sdpa().backward(dyh), 2 * sdpa_flops(B, T, H),
                f"backend {backend}, forward + backward")

            # Eager chunked spec §5, in the input dtype.
            leaves = {n: t.clone().requires_grad_(True) for n, t in x.items()}
            with torch.no_grad():
                add("chunked", "forward", lambda: chunked_forward(ops, **x), useful_flops(B, T, H))
            add("chunked", "forward_vjp",
                lambda: chunked_forward(ops, **leaves)[0].backward(dy),
                2 * useful_flops(B, T, H), "forward + autograd backward")

            if chunk_simple_gla is None:
                records.append(dict(implementation="fla", entry="forward", dtype=dname,
                                    shape=dict(B=B, T=T, H=H), status="skipped", note=fla_note))
                continue
            with torch.no_grad():
                add("fla", "forward", lambda: fla_forward(chunk_simple_gla, torch, x),
                    useful_flops(B, T, H), f"chunk_simple_gla over H*N = {H * N} heads")
            add("fla", "forward_vjp",
                lambda: fla_forward(chunk_simple_gla, torch, leaves).backward(dy),
                2 * useful_flops(B, T, H), "forward + backward")
    return records


def parse_shape(text):
    parts = text.split(",")
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"--shape {text!r}: expected B,T,H")
    return tuple(int(p) for p in parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", type=parse_shape, action="append",
                    help="B,T,H (repeatable; default 2,2048,4)")
    ap.add_argument("--dtype", action="append", choices=("f32", "bf16", "f16"),
                    help="input dtype (repeatable; default f32 and bf16)")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--json", help="write the records here")
    args = ap.parse_args(argv)
    args.shape = args.shape or [(2, 2048, 4)]
    args.dtype = args.dtype or ["f32", "bf16"]

    try:
        import torch
    except ImportError as e:
        print(f"gpu_baselines: PyTorch is not installed ({e}); nothing measured.")
        return 0
    if not torch.cuda.is_available():
        print("gpu_baselines: no CUDA device available to PyTorch; nothing measured.")
        return 0

    records = run_cuda(args, torch)
    out = dict(format="ida-gpu-baselines/1",
               machine=dict(gpu=torch.cuda.get_device_name(0), torch=torch.__version__,
                            cuda=torch.version.cuda, host=platform.node(),
                            date=datetime.datetime.now(datetime.timezone.utc)
                            .strftime("%Y-%m-%dT%H:%M:%SZ")),
               settings=dict(command=" ".join(sys.argv), reps=args.reps, warmup=args.warmup,
                             D=D, P=P, F=F, N=N, chunk=CHUNK),
               records=records)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

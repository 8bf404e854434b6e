#!/usr/bin/env python3
"""Trains a tiny IDA model from Python with numpy only: layer() and layer.vjp().

    python3 examples/train_tiny.py [--steps 60]   (after scripts/build.sh; else PYTHONPATH=build/python)

The model maps a sequence x [B, T, d] to predictions through linear
projections to q, k, v, dt and g, the compiled IDA mixer, and an output
projection. The task: predict an exponential moving average of the inputs
with two time scales (a job for the basis of decays). Gradients of the
projections are computed by hand; those of the mixer (including A_log and
dt_bias) come from the layer's compiled forward_vjp entry. Adam updates
everything. Runs in under a second on the CPU once the kernels are compiled
and tuned (the first run does that and caches it: ~30 s on 2 cores).
"""
import argparse
import sys
import time

import numpy as np

import ida


def ema_target(x, rates=(0.5, 0.9)):
    """Half the channels follow a fast EMA of x, half a slow one."""
    out = np.zeros_like(x)
    d = x.shape[-1]
    for c, r in enumerate(rates):
        sl = slice(c * d // 2, (c + 1) * d // 2)
        acc = np.zeros_like(x[:, 0, sl])
        for t in range(x.shape[1]):
            acc = r * acc + (1 - r) * x[:, t, sl]
            out[:, t, sl] = acc
    return out


class Adam:
    def __init__(self, params, lr):
        self.lr, self.t = lr, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads, b1=0.9, b2=0.999, eps=1e-8):
        self.t += 1
        for k, g in grads.items():
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            mh = self.m[k] / (1 - b1 ** self.t)
            vh = self.v[k] / (1 - b2 ** self.t)
            params[k] -= (self.lr * mh / (np.sqrt(vh) + eps)).astype(params[k].dtype)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--length", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    d, H, Dh, P, N = 8, 2, 4, 4, 4
    layer = ida.layer(mixer="ida", feature="elu1", basis=N, chunk=16, heads=H, head_dim=Dh,
                      value_dim=P, target="cpu")
    print(f"layer: {layer}")
    rng = np.random.default_rng(args.seed)
    f32 = np.float32
    w = lambda *s: (rng.standard_normal(s) / np.sqrt(s[0])).astype(f32)
    params = {
        "Wq": w(d, H * Dh), "Wk": w(d, H * Dh), "Wv": w(d, H * P), "Wdt": w(d, H),
        "Wg": w(d, H * N), "Wo": w(H * P, d),
        "A_log": np.log(np.linspace(0.5, 8.0, N, dtype=f32))[None].repeat(H, 0),
        "dt_bias": np.full(H, -1.0, f32),
    }
    opt = Adam(params, args.lr)
    B, T = args.batch, args.length
    start = time.time()
    losses = []
    for step in range(args.steps):
        x = rng.standard_normal((B, T, d)).astype(f32)
        target = ema_target(x)
        p = params
        q = (x @ p["Wq"]).reshape(B, T, H, Dh)
        k = (x @ p["Wk"]).reshape(B, T, H, Dh)
        v = (x @ p["Wv"]).reshape(B, T, H, P)
        dt = x @ p["Wdt"]
        g = (x @ p["Wg"]).reshape(B, T, H, N)
        mix = dict(q=q, k=k, v=v, dt=dt, g=g, A_log=p["A_log"], dt_bias=p["dt_bias"])
        y = layer(**mix)                                   # [B, T, H, P]
        h = y.reshape(B, T, H * P)
        pred = h @ p["Wo"]
        err = pred - target
        loss = float(np.mean(err ** 2))
        losses.append(loss)
        # Backward: the output projection by hand, the mixer through its vjp.
        dpred = (2.0 / err.size) * err
        grads = {"Wo": h.reshape(-1, H * P).T @ dpred.reshape(-1, d)}
        dy = (dpred @ p["Wo"].T).reshape(B, T, H, P).astype(f32)
        gm = layer.vjp(**mix, dy=dy)
        xf = x.reshape(-1, d)
        for name, grad in (("Wq", gm["dq"]), ("Wk", gm["dk"]), ("Wv", gm["dv"]),
                           ("Wdt", gm["ddt"]), ("Wg", gm["dg"])):
            grads[name] = xf.T @ grad.reshape(B * T, -1)
        grads["A_log"], grads["dt_bias"] = gm["dA_log"], gm["ddt_bias"]
        opt.step(params, grads)
        if step % 10 == 0 or step == args.steps - 1:
            print(f"step {step:4d}  loss {loss:.5f}")
    print(f"{args.steps} steps in {time.time() - start:.2f} s; loss {losses[0]:.4f} -> "
          f"{np.mean(losses[-5:]):.4f}")
    if not np.mean(losses[-5:]) < losses[0]:
        print("train_tiny: the loss did not decrease", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

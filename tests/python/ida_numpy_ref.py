"""Float64 numpy reference for the IDA mixer (spec.md), independent of the C++ one.

Layouts follow spec §2 (row-major): q, k [B,T,H,D], v [B,T,H,P], dt [B,T,H],
g [B,T,H,N], A_log [H,N], dt_bias [H], W [H,F',D], S [B,H,N,F,P], Z [B,H,N,F].
Everything is vectorised over batch and heads with einsum; time is a Python
loop because the recurrence is sequential. No decay (lambda = 0) is A_log = -inf.

The backward is derived by hand (reverse sweep over time carrying dS, dZ) and
checked against numpy finite differences in test_numpy_reference.py.

bfloat16 files: a '<u2' .npy array holds raw bfloat16 bits (the upper half of
a float32); `to_bf16_bits` rounds to nearest even, `from_bf16_bits` widens.
"""
from dataclasses import dataclass

import numpy as np

FEATURES = ("identity", "elu1", "relu", "taylor2", "prf", "hedgehog")
BASIS_WEIGHTS = ("softmax", "sigmoid", "uniform")
WEIGHTED_FEATURES = ("prf", "hedgehog")


@dataclass(frozen=True)
class Options:
    feature: str = "elu1"
    feature_param: int = 0
    basis_weights: str = "softmax"
    normalize: bool = False
    eps: float = 1e-6

    def cli_args(self):
        """The same options as ida-reference command-line arguments."""
        args = ["--feature", self.feature, "--basis-weights", self.basis_weights,
                "--eps", repr(self.eps)]
        if self.feature in WEIGHTED_FEATURES:
            args += ["--feature-param", str(self.feature_param)]
        if self.normalize:
            args.append("--normalize")
        return args


def feature_dim(opts, D):
    return {"identity": D, "elu1": D, "relu": D, "taylor2": 1 + D + D * D,
            "prf": opts.feature_param, "hedgehog": 2 * opts.feature_param}[opts.feature]


# --- bfloat16 bits ---------------------------------------------------------

def to_bf16_bits(x):
    """float -> uint16 bfloat16 bits, round to nearest even (NaN stays NaN)."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(x, dtype=np.float32))
    return np.where(nan, ((bits >> 16) | 0x40).astype(np.uint16), rounded)


def from_bf16_bits(bits):
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


# --- scalar pieces -----------------------------------------------------------

def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def basis_weights(kind, g, N, lead_shape):
    if kind == "uniform":
        return np.full(lead_shape + (N,), 1.0 / N)
    if kind == "sigmoid":
        return sigmoid(g)
    if kind == "softmax":
        return _softmax(g)
    raise ValueError(f"unknown basis weights {kind!r}; accepted: {', '.join(BASIS_WEIGHTS)}")


def basis_weights_vjp(kind, gamma, dgamma):
    if kind == "uniform":
        return np.zeros_like(gamma)
    if kind == "sigmoid":
        return dgamma * gamma * (1.0 - gamma)
    return gamma * (dgamma - (gamma * dgamma).sum(-1, keepdims=True))


# --- feature maps (spec §4), x [B,T,H,D] -------------------------------------

def feature_map(opts, x, W=None):
    D = x.shape[-1]
    kind = opts.feature
    if kind == "identity":
        return x.copy()
    if kind == "elu1":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "taylor2":
        xs = x * D ** -0.25
        quad = np.einsum("...i,...j->...ij", xs, xs).reshape(x.shape[:-1] + (D * D,))
        return np.concatenate([np.ones(x.shape[:-1] + (1,)), xs, quad / np.sqrt(2.0)], -1)
    if kind == "prf":
        xs = x * D ** -0.25
        u = np.einsum("bthd,hfd->bthf", xs, W) - 0.5 * (xs * xs).sum(-1, keepdims=True)
        return np.exp(u) / np.sqrt(W.shape[1])
    if kind == "hedgehog":
        z = np.einsum("bthd,hfd->bthf", x, W)
        return np.concatenate([_softmax(z), _softmax(-z)], -1)
    raise ValueError(f"unknown feature {kind!r}; accepted: {', '.join(FEATURES)}")


def feature_map_vjp(opts, x, W, dphi):
    """Returns (dx, dW or None) for dphi [B,T,H,F]."""
    D = x.shape[-1]
    kind = opts.feature
    if kind == "identity":
        return dphi.copy(), None
    if kind == "elu1":
        return dphi * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0))), None
    if kind == "relu":
        return dphi * (x > 0), None
    if kind == "taylor2":
        c = D ** -0.25
        xs = x * c
        dquad = dphi[..., 1 + D:].reshape(x.shape[:-1] + (D, D))
        sym = dquad + np.swapaxes(dquad, -1, -2)
        dxs = dphi[..., 1:1 + D] + np.einsum("...ij,...j->...i", sym, xs) / np.sqrt(2.0)
        return c * dxs, None
    if kind == "prf":
        c = D ** -0.25
        xs = x * c
        du = dphi * feature_map(opts, x, W)
        dxs = np.einsum("bthf,hfd->bthd", du, W) - xs * du.sum(-1, keepdims=True)
        return c * dxs, np.einsum("bthf,bthd->hfd", du, xs)
    if kind == "hedgehog":
        Fp = W.shape[1]
        phi = feature_map(opts, x, W)
        pos, neg = phi[..., :Fp], phi[..., Fp:]
        dpos, dneg = dphi[..., :Fp], dphi[..., Fp:]
        dz = (pos * (dpos - (pos * dpos).sum(-1, keepdims=True))
              - neg * (dneg - (neg * dneg).sum(-1, keepdims=True)))
        return np.einsum("bthf,hfd->bthd", dz, W), np.einsum("bthf,bthd->hfd", dz, x)
    raise ValueError(f"unknown feature {kind!r}")


# --- forward (spec §3) -------------------------------------------------------

def _token_terms(opts, inp):
    q, dt, A_log, dt_bias = inp["q"], inp["dt"], inp["A_log"], inp["dt_bias"]
    B, T, H, _ = q.shape
    N = A_log.shape[1]
    x = dt + dt_bias                       # [B,T,H]
    delta = softplus(x)
    lam = np.exp(A_log)                    # [H,N]; exp(-inf) = 0 is "no decay"
    loga = -delta[..., None] * lam         # [B,T,H,N]
    gamma = basis_weights(opts.basis_weights, inp.get("g"), N, (B, T, H))
    W = inp.get("W")
    return dict(x=x, delta=delta, lam=lam, a=np.exp(loga), gamma=gamma,
                Q=feature_map(opts, q, W), K=feature_map(opts, inp["k"], W))


def _initial_state(opts, inp, B, H, N, F, P):
    S0 = inp.get("S0")
    Z0 = inp.get("Z0")
    S = np.zeros((B, H, N, F, P)) if S0 is None else np.array(S0, dtype=np.float64)
    Z = np.zeros((B, H, N, F)) if Z0 is None else np.array(Z0, dtype=np.float64)
    return S, Z


def _trace(opts, inp):
    """Forward pass keeping every state; shared by forward and backward."""
    tt = _token_terms(opts, inp)
    v = inp["v"]
    B, T, H, P = v.shape
    N = tt["lam"].shape[1]
    F = tt["Q"].shape[-1]
    S, Z = _initial_state(opts, inp, B, H, N, F, P)
    states, norms = [S], [Z]
    num = np.zeros((B, T, H, P))
    den = np.full((B, T, H), opts.eps)
    for t in range(T):
        a = tt["a"][:, t]                                  # [B,H,N]
        beta = tt["delta"][:, t]                           # [B,H]
        K, Q, V, gam = tt["K"][:, t], tt["Q"][:, t], v[:, t], tt["gamma"][:, t]
        S = a[..., None, None] * S + beta[:, :, None, None, None] * \
            np.einsum("bhf,bhp->bhfp", K, V)[:, :, None]
        num[:, t] = np.einsum("bhn,bhnfp,bhf->bhp", gam, S, Q)
        if opts.normalize:
            Z = a[..., None] * Z + beta[:, :, None, None] * K[:, :, None]
            den[:, t] += np.einsum("bhn,bhnf,bhf->bh", gam, Z, Q)
        states.append(S)
        norms.append(Z)
    return tt, states, norms, num, den


def forward(opts, inp):
    """Returns dict(y, S_T[, Z_T]) for inputs dict(q, k, v, dt, g, A_log, dt_bias[, W, S0, Z0])."""
    _, states, norms, num, den = _trace(opts, inp)
    out = {"y": num / den[..., None] if opts.normalize else num, "S_T": states[-1]}
    if opts.normalize:
        out["Z_T"] = norms[-1]
    return out


def decode_step(opts, step, S, Z=None):
    """One token (T == 1): returns (y [B,1,H,P], S, Z) with the state advanced."""
    tt = _token_terms(opts, step)
    a, beta = tt["a"][:, 0], tt["delta"][:, 0]
    K, Q, V, gam = tt["K"][:, 0], tt["Q"][:, 0], step["v"][:, 0], tt["gamma"][:, 0]
    S = a[..., None, None] * S + beta[:, :, None, None, None] * \
        np.einsum("bhf,bhp->bhfp", K, V)[:, :, None]
    y = np.einsum("bhn,bhnfp,bhf->bhp", gam, S, Q)
    if opts.normalize:
        Z = a[..., None] * Z + beta[:, :, None, None] * K[:, :, None]
        y = y / (np.einsum("bhn,bhnf,bhf->bh", gam, Z, Q) + opts.eps)[..., None]
    return y[:, None], S, Z


# --- backward (spec §6) ------------------------------------------------------

def backward(opts, inp, dy, dS_T=None, dZ_T=None):
    """Gradients of sum(dy*y) + sum(dS_T*S_T) + sum(dZ_T*Z_T) w.r.t. every input.

    Returns a dict with dq, dk, dv, ddt, dg, dA_log, ddt_bias and, when the
    input was given, dW, dS0, dZ0.
    """
    tt, states, norms, num, den = _trace(opts, inp)
    v = inp["v"]
    B, T, H, P = v.shape
    N = tt["lam"].shape[1]
    F = tt["Q"].shape[-1]
    dS = np.zeros((B, H, N, F, P)) if dS_T is None else np.array(dS_T, dtype=np.float64)
    dZ = np.zeros((B, H, N, F)) if dZ_T is None else np.array(dZ_T, dtype=np.float64)
    dQ = np.zeros_like(tt["Q"])
    dK = np.zeros_like(tt["K"])
    dv = np.zeros_like(v)
    dgamma = np.zeros_like(tt["gamma"])
    dx = np.zeros((B, T, H))
    dlam = np.zeros_like(tt["lam"])

    for t in reversed(range(T)):
        a, beta, delta = tt["a"][:, t], tt["delta"][:, t], tt["delta"][:, t]
        K, Q, V, gam = tt["K"][:, t], tt["Q"][:, t], v[:, t], tt["gamma"][:, t]
        S, S_prev = states[t + 1], states[t]
        Z, Z_prev = norms[t + 1], norms[t]
        if opts.normalize:
            dnum = dy[:, t] / den[:, t, :, None]
            dden = -(dy[:, t] * num[:, t]).sum(-1) / den[:, t] ** 2      # [B,H]
        else:
            dnum = dy[:, t]
        # readout y = sum_n gamma_n S[n]^T Q (/ den)
        dS = dS + np.einsum("bhn,bhf,bhp->bhnfp", gam, Q, dnum)
        dQ[:, t] = np.einsum("bhn,bhnfp,bhp->bhf", gam, S, dnum)
        dgamma[:, t] = np.einsum("bhf,bhnfp,bhp->bhn", Q, S, dnum)
        if opts.normalize:
            dZ = dZ + np.einsum("bhn,bhf,bh->bhnf", gam, Q, dden)
            dQ[:, t] += np.einsum("bhn,bhnf,bh->bhf", gam, Z, dden)
            dgamma[:, t] += np.einsum("bhnf,bhf,bh->bhn", Z, Q, dden)
        # update S = a S_prev + beta K V^T (Z = a Z_prev + beta K)
        dK[:, t] = beta[..., None] * np.einsum("bhnfp,bhp->bhf", dS, V)
        dv[:, t] = beta[..., None] * np.einsum("bhnfp,bhf->bhp", dS, K)
        dbeta = np.einsum("bhnfp,bhf,bhp->bh", dS, K, V)
        da = np.einsum("bhnfp,bhnfp->bhn", dS, S_prev)
        if opts.normalize:
            dK[:, t] += beta[..., None] * dZ.sum(2)
            dbeta += np.einsum("bhnf,bhf->bh", dZ, K)
            da += np.einsum("bhnf,bhnf->bhn", dZ, Z_prev)
        dS = a[..., None, None] * dS
        dZ = a[..., None] * dZ
        # a = exp(-delta lambda), beta = delta = softplus(dt + dt_bias)
        dloga = a * da
        ddelta = dbeta - np.einsum("hn,bhn->bh", tt["lam"], dloga)
        dlam -= np.einsum("bh,bhn->hn", delta, dloga)
        dx[:, t] = ddelta * sigmoid(tt["x"][:, t])

    W = inp.get("W")
    dq, dWq = feature_map_vjp(opts, inp["q"], W, dQ)
    dk, dWk = feature_map_vjp(opts, inp["k"], W, dK)
    grads = {
        "dq": dq, "dk": dk, "dv": dv, "ddt": dx, "ddt_bias": dx.sum((0, 1)),
        "dg": basis_weights_vjp(opts.basis_weights, tt["gamma"], dgamma),
        "dA_log": np.where(tt["lam"] == 0, 0.0, tt["lam"] * dlam),
    }
    if W is not None:
        grads["dW"] = dWq + dWk
    if inp.get("S0") is not None:
        grads["dS0"] = dS
    if inp.get("Z0") is not None:
        grads["dZ0"] = dZ
    return grads


# --- causal softmax attention ------------------------------------------------

def softmax_attention(q, k, v, window=0):
    T, D = q.shape[1], q.shape[3]
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    visible = (j <= i) & ((window == 0) | (i - j < window))
    scores = np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(D)
    scores = np.where(visible, scores, -np.inf)
    return np.einsum("bhts,bshp->bthp", _softmax(scores), v)


def relative_error(out, ref):
    """||out - ref|| / ||ref|| of spec §9."""
    out, ref = np.asarray(out, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))

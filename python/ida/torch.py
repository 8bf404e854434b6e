"""PyTorch integration: an autograd Function over a layer's forward and
forward_vjp entries, and the ``InterdomainAttention`` module.

Importable only when PyTorch is installed. CPU tensors run through the host
path (numpy views, no copy); CUDA tensors through the device path (device
pointers, ordered after the work pending on the tensors' stream). Parameters
are ordinary ``nn.Parameter`` objects, so ``torch.nn.parallel.
DistributedDataParallel`` and optimisers work unchanged.
"""
import math

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover - exercised without torch
    raise ImportError("ida.torch needs PyTorch (pip install torch)") from e

from . import _layer

_TORCH_DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def _host_ok(t):
    return t.detach().contiguous() if t is not None else None


class IDAFunction(torch.autograd.Function):
    """``y, S_T = IDAFunction.apply(layer, q, k, v, dt, g, A_log, dt_bias, W, S0)``.

    ``g``, ``W`` and ``S0`` may be None. The backward runs the layer's
    ``forward_vjp`` entry (recomputing what it needs from the inputs; no
    activations are stored besides them).
    """

    @staticmethod
    def forward(ctx, layer, q, k, v, dt, g, A_log, dt_bias, W, S0):
        args = [_host_ok(x) for x in (q, k, v, dt, g, A_log, dt_bias, W, S0)]
        q_, k_, v_, dt_, g_, A_, b_, W_, S0_ = args
        out = layer.run("forward", **_present(q=q_, k=k_, v=v_, dt=dt_, g=g_, A_log=A_, dt_bias=b_,
                                               W=W_, S0=S0_))
        ctx.layer = layer
        ctx.has = [x is not None for x in args]
        ctx.save_for_backward(*[x for x in args if x is not None])
        return out["y"], out["S_T"]

    @staticmethod
    def backward(ctx, dy, dS_T):
        saved = iter(ctx.saved_tensors)
        args = [next(saved) if h else None for h in ctx.has]
        q, k, v, dt, g, A_log, dt_bias, W, S0 = args
        layer = ctx.layer
        inputs = _present(q=q, k=k, v=v, dt=dt, g=g, A_log=A_log, dt_bias=dt_bias, W=W, S0=S0,
                          dy=dy.contiguous())
        takes_dS = layer.takes("forward_vjp", "dS_T")
        if dS_T is not None and takes_dS:
            inputs["dS_T"] = dS_T.contiguous()
        grads = layer.run("forward_vjp", **inputs)
        names = ["dq", "dk", "dv", "ddt", "dg", "dA_log", "ddt_bias", "dW", "dS0"]
        out = [None]  # the layer
        for name, need, given in zip(names, ctx.needs_input_grad[1:], args):
            out.append(grads.get(name) if (need and given is not None) else None)
        return tuple(out)


def _present(**kw):
    return {k: v for k, v in kw.items() if v is not None}


def interdomain_attention(layer, q, k, v, dt, g, A_log, dt_bias, W=None, S0=None,
                          return_state=False):
    """Differentiable ``layer(...)`` on torch tensors."""
    y, S_T = IDAFunction.apply(layer, q, k, v, dt, g, A_log, dt_bias, W, S0)
    return (y, S_T) if return_state else y


class InterdomainAttention(nn.Module):
    """A mixer layer: projections of ``x [B, T, d_model]`` to q, k, v, dt and g,
    the compiled IDA core, and an output projection.

    Parameters: ``q_proj``, ``k_proj`` (d_model -> H*D), ``v_proj`` (-> H*P),
    ``dt_proj`` (-> H), ``g_proj`` (-> H*N), ``out_proj`` (H*P -> d_model),
    ``A_log [H, N]`` (rates spread over [1, 16] on a log scale), ``dt_bias [H]``
    (softplus(dt_bias) in [1e-3, 1e-1]) and, for prf/hedgehog features,
    ``W [H, F', D]``. Keyword arguments other than ``d_model`` go to
    :func:`ida.layer` (``heads`` and ``head_dim`` are required).
    """

    def __init__(self, d_model, heads, head_dim, value_dim=None, basis=16, feature="elu1",
                 feature_dim=None, basis_weights="softmax", chunk=64, normalize=False,
                 dtype="float32", target="auto", bias=False, layer=None):
        super().__init__()
        value_dim = value_dim or head_dim
        if normalize:
            raise NotImplementedError("InterdomainAttention: normalize=True layers carry a second "
                                      "state (Z); use ida.layer(...) directly for them")
        self.layer = layer or _layer.layer(
            mixer="ida", feature=feature, feature_dim=feature_dim, basis=basis,
            basis_weights=basis_weights, chunk=chunk, heads=heads, head_dim=head_dim,
            value_dim=value_dim, normalize=normalize, dtype=dtype, target=target)
        self.d_model, self.H, self.D, self.P, self.N = d_model, heads, head_dim, value_dim, basis
        self.q_proj = nn.Linear(d_model, heads * head_dim, bias=bias)
        self.k_proj = nn.Linear(d_model, heads * head_dim, bias=bias)
        self.v_proj = nn.Linear(d_model, heads * value_dim, bias=bias)
        self.dt_proj = nn.Linear(d_model, heads, bias=False)
        self.g_proj = nn.Linear(d_model, heads * basis, bias=False)
        self.out_proj = nn.Linear(heads * value_dim, d_model, bias=bias)
        rates = torch.exp(torch.linspace(0.0, math.log(16.0), basis)).repeat(heads, 1)
        self.A_log = nn.Parameter(torch.log(rates))
        dt0 = torch.exp(torch.rand(heads) * (math.log(1e-1) - math.log(1e-3)) + math.log(1e-3))
        self.dt_bias = nn.Parameter(dt0 + torch.log(-torch.expm1(-dt0)))  # softplus^-1
        self.weighted = feature in ("prf", "hedgehog")
        if self.weighted:
            fp = feature_dim or head_dim
            self.W = nn.Parameter(torch.randn(heads, fp, head_dim) / math.sqrt(head_dim))
        else:
            self.register_parameter("W", None)

    def forward(self, x, state=None, return_state=False):
        B, T, _ = x.shape
        H, D, P, N = self.H, self.D, self.P, self.N
        q = self.q_proj(x).view(B, T, H, D)
        k = self.k_proj(x).view(B, T, H, D)
        v = self.v_proj(x).view(B, T, H, P)
        dt = self.dt_proj(x)
        g = self.g_proj(x).view(B, T, H, N)
        y, S_T = IDAFunction.apply(self.layer, q.contiguous(), k.contiguous(), v.contiguous(),
                                   dt.contiguous(), g.contiguous(), self.A_log, self.dt_bias,
                                   self.W, state)
        out = self.out_proj(y.reshape(B, T, H * P))
        return (out, S_T) if return_state else out

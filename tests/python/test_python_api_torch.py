"""ida.torch: the autograd Function and the InterdomainAttention module.

Skipped without PyTorch or without idac. On the CPU here; the GPU check
(tests/gpu/python_torch_check.py) runs the same gradcheck on CUDA tensors.
"""
import numpy as np
import pytest

import ida_numpy_ref as ref
from conftest import import_ida

torch = pytest.importorskip("torch")

B, T, H, D, P, N = 2, 7, 2, 3, 2, 2


@pytest.fixture(scope="module")
def ida():
    pkg = import_ida()
    if pkg.find_idac() is None:
        pytest.skip("idac is not built: the torch tests compile a layer just in time")
    return pkg


@pytest.fixture(scope="module")
def layer(ida):
    return ida.layer(mixer="ida", feature="elu1", basis=N, chunk=4, heads=H, head_dim=D,
                     value_dim=P, target="cpu")


def make_inputs(seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g, dtype=dtype)
    return [r(B, T, H, D), r(B, T, H, D), r(B, T, H, P), r(B, T, H), r(B, T, H, N),
            torch.rand(H, N, generator=g, dtype=dtype) * 2 - 1,
            torch.rand(H, generator=g, dtype=dtype) - 0.5,
            0.5 * r(B, H, N, D, P)]


def test_forward_and_backward_match_reference(layer):
    import ida.torch as it
    xs = [x.float().requires_grad_() for x in make_inputs(1)]
    q, k, v, dt, g, A_log, dt_bias, S0 = xs
    y, S_T = it.interdomain_attention(layer, q, k, v, dt, g, A_log, dt_bias, S0=S0,
                                      return_state=True)
    assert isinstance(y, torch.Tensor) and y.shape == (B, T, H, P)
    names = ["q", "k", "v", "dt", "g", "A_log", "dt_bias", "S0"]
    inp = {n: x.detach().double().numpy() for n, x in zip(names, xs)}
    opts = ref.Options(feature="elu1", basis_weights="softmax")
    want = ref.forward(opts, inp)
    assert ref.relative_error(y.detach().numpy(), want["y"]) < 1e-5
    dy = torch.randn(B, T, H, P)
    y.backward(dy)
    grads = ref.backward(opts, inp, dy.double().numpy())
    for n, x in zip(names, xs):
        assert x.grad is not None, n
        assert ref.relative_error(x.grad.numpy(), grads["d" + n]) < 2e-5, n


def test_gradcheck(layer):
    """torch.autograd.gradcheck through the float32 kernels: the function casts
    float64 inputs to float32, so tolerances are float32's."""
    import ida.torch as it

    def fn(q, k, v, dt, g, A_log, dt_bias, S0):
        y, S_T = it.IDAFunction.apply(layer, q.float(), k.float(), v.float(), dt.float(),
                                      g.float(), A_log.float(), dt_bias.float(), None,
                                      S0.float())
        return y.double(), S_T.double()

    xs = [x.requires_grad_() for x in make_inputs(2)]
    assert torch.autograd.gradcheck(fn, xs, eps=1e-3, atol=2e-3, rtol=2e-2, nondet_tol=1e-5)


def test_module_trains(ida):
    import ida.torch as it
    torch.manual_seed(0)
    model = it.InterdomainAttention(d_model=8, heads=2, head_dim=4, value_dim=4, basis=2,
                                    chunk=8, target="cpu")
    names = {n for n, _ in model.named_parameters()}
    assert {"A_log", "dt_bias", "q_proj.weight", "out_proj.weight"} <= names
    x = torch.randn(2, 12, 8)
    target = torch.roll(x, 1, dims=1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    assert model.A_log.grad is not None and model.dt_bias.grad is not None
    out, S = model(x, return_state=True)
    assert S.shape == (2, 2, 2, 4, 4)


def test_errors_name_the_argument(layer):
    import ida.torch as it
    xs = [x.float() for x in make_inputs(3)]
    xs[2] = xs[2].double()
    with pytest.raises(ValueError, match="input 'v'.*float32"):
        it.IDAFunction.apply(layer, *xs[:7], None, None)

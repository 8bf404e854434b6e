"""Random inputs for the reference tests: fresh, never zeros, well conditioned."""
import numpy as np

import ida_numpy_ref as ref


def make_inputs(rng, opts, B=2, T=7, H=2, D=3, P=2, N=3, with_state=True):
    """Inputs of spec §2 as a dict of float64 arrays.

    With normalize, identity/relu inputs get a positive mean and Z0 is a
    positive mix of feature vectors, so the denominator stays away from zero
    (near a vanishing denominator the normalized output is ill-conditioned
    for any implementation).
    """
    shift = opts.normalize and opts.feature in ("identity", "relu")
    mean, spread = (1.0, 0.4) if shift else (0.0, 1.0)
    inp = {
        "q": mean + spread * rng.standard_normal((B, T, H, D)),
        "k": mean + spread * rng.standard_normal((B, T, H, D)),
        "v": rng.standard_normal((B, T, H, P)),
        "dt": rng.standard_normal((B, T, H)),
        "g": rng.standard_normal((B, T, H, N)),
        "A_log": rng.uniform(-1.0, 1.0, (H, N)),
        "dt_bias": rng.uniform(-0.5, 0.5, (H,)),
    }
    if opts.feature in ref.WEIGHTED_FEATURES:
        inp["W"] = rng.standard_normal((H, opts.feature_param, D)) / np.sqrt(D)
    F = ref.feature_dim(opts, D)
    if with_state:
        inp["S0"] = rng.standard_normal((B, H, N, F, P))
        if opts.normalize:
            mix = mean + spread * rng.standard_normal((B, 3 * N, H, D))
            phi = ref.feature_map(opts, mix, inp.get("W"))          # [B,3N,H,F]
            phi = phi.reshape(B, 3, N, H, F) * rng.uniform(0.5, 1.0, (B, 3, N, H, 1))
            inp["Z0"] = phi.sum(1).transpose(0, 2, 1, 3).copy()     # [B,H,N,F]
    return inp


def all_options(feature_param=4):
    return [ref.Options(feature=f, feature_param=feature_param if f in ref.WEIGHTED_FEATURES else 0,
                        basis_weights=bw, normalize=norm)
            for f in ref.FEATURES for bw in ref.BASIS_WEIGHTS for norm in (False, True)]


def option_id(opts):
    return f"{opts.feature}-{opts.basis_weights}-{'normalize' if opts.normalize else 'plain'}"

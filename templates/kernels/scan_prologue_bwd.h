//===- templates/kernels/scan_prologue_bwd.h - prologue backward *- C++ -*-===//
//
// Chain rule through the fused prologue (scan_prologue.h): the feature maps
// phi (including their weights W), the basis weights and the step
// discretization. Works on one chunk; parameter gradients accumulate into
// per-program tiles that the backward program writes to its workspace.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_PROLOGUE_BWD_H
#define IDA_TEMPLATES_KERNELS_SCAN_PROLOGUE_BWD_H

namespace idak {
using namespace idat;

template <int C, int D, int FW> struct FeatureBwdScratch {
  Tile<C, FW> du; // gradient w.r.t. the pre-activation (prf, hedgehog)
  Tile<C, 1> r1, r2;
};

/// dx = (d phi / dx)^T dphi for one chunk, given the input rows x and the
/// features phi = phi(x) computed by feature_fwd. Adds dW for prf/hedgehog.
template <class P, int C, int FW>
IDA_DEVICE void feature_bwd(TileCtx &ctx, Tile<C, P::D> &dx, const Tile<C, P::F> &dphi,
                            const Tile<C, P::D> &x, const Tile<C, P::F> &phi,
                            const Tile<FW, P::D> &W, Tile<FW, P::D> &dW,
                            FeatureBwdScratch<C, P::D, FW> &s) {
  constexpr int D = P::D;
  if constexpr (P::feature == IDA_FEATURE_IDENTITY) {
    copy(ctx, dx, dphi);
  } else if constexpr (P::feature == IDA_FEATURE_ELU1) {
    // d/dx (elu(x) + 1) = 1 for x > 0, exp(x) = phi(x) otherwise.
    map_idx(ctx, dx, [&](int i, int j) {
      return x(i, j) > 0.0f ? dphi(i, j) : dphi(i, j) * phi(i, j);
    });
  } else if constexpr (P::feature == IDA_FEATURE_RELU) {
    map_idx(ctx, dx, [&](int i, int j) { return x(i, j) > 0.0f ? dphi(i, j) : 0.0f; });
  } else if constexpr (P::feature == IDA_FEATURE_TAYLOR2) {
    // phi = [1, sc x, sc^2 x x^T / sqrt 2].
    const float sc = quarter_root_inv<D>();
    const float c2 = sc * sc * 0.70710678118654752f;
    map_idx(ctx, dx, [&](int i, int d) {
      float acc = 0.0f;
      for (int e = 0; e < D; ++e)
        acc += (dphi(i, 1 + D + d * D + e) + dphi(i, 1 + D + e * D + d)) * x(i, e);
      return sc * dphi(i, 1 + d) + c2 * acc;
    });
  } else if constexpr (P::feature == IDA_FEATURE_PRF) {
    // phi_f = exp(sc w_f.x - sc^2 |x|^2 / 2) / sqrt(Fp). With du_f = sc dphi_f
    // phi_f: dx = W^T du - sc x sum_f du_f, dW += du x^T.
    const float sc = quarter_root_inv<D>();
    map_idx(ctx, s.du, [&](int i, int f) { return sc * dphi(i, f) * phi(i, f); });
    row_sum(ctx, s.r1, s.du);
    mm_nn(ctx, dx, s.du, W);
    map_idx(ctx, dx, [&](int i, int d) { return dx(i, d) - sc * x(i, d) * s.r1(i, 0); });
    mm_tn(ctx, dW, s.du, x, /*accumulate=*/true);
  } else if constexpr (P::feature == IDA_FEATURE_HEDGEHOG) {
    // phi = [p, m], p = softmax(u), m = softmax(-u), u = W x:
    // du = p (dp - <dp, p>) - m (dm - <dm, m>).
    constexpr int Fp = P::Fp;
    map_idx(ctx, s.r1, [&](int i, int) {
      float acc = 0.0f;
      for (int f = 0; f < Fp; ++f)
        acc += dphi(i, f) * phi(i, f);
      return acc;
    });
    map_idx(ctx, s.r2, [&](int i, int) {
      float acc = 0.0f;
      for (int f = 0; f < Fp; ++f)
        acc += dphi(i, Fp + f) * phi(i, Fp + f);
      return acc;
    });
    map_idx(ctx, s.du, [&](int i, int f) {
      return phi(i, f) * (dphi(i, f) - s.r1(i, 0)) -
             phi(i, Fp + f) * (dphi(i, Fp + f) - s.r2(i, 0));
    });
    mm_nn(ctx, dx, s.du, W);
    mm_tn(ctx, dW, s.du, x, /*accumulate=*/true);
  }
}

/// dg from dgamma (spec §3 basis weights).
template <class P, int C>
IDA_DEVICE void basis_weights_bwd(TileCtx &ctx, Tile<C, P::N> &dg, const Tile<C, P::N> &dgam,
                                  const Tile<C, P::N> &gam, Tile<C, 1> &r) {
  constexpr int N = P::N;
  if constexpr (P::basis == IDA_BASIS_SOFTMAX) {
    map_idx(ctx, r, [&](int i, int) {
      float acc = 0.0f;
      for (int n = 0; n < N; ++n)
        acc += gam(i, n) * dgam(i, n);
      return acc;
    });
    map_idx(ctx, dg, [&](int i, int n) { return gam(i, n) * (dgam(i, n) - r(i, 0)); });
  } else if constexpr (P::basis == IDA_BASIS_SIGMOID) {
    map_idx(ctx, dg, [&](int i, int n) { return dgam(i, n) * gam(i, n) * (1.0f - gam(i, n)); });
  } else {
    fill(ctx, dg, 0.0f);
  }
}

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_PROLOGUE_BWD_H

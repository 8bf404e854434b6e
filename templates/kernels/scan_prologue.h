//===- templates/kernels/scan_prologue.h - fused scan prologue --*- C++ -*-===//
//
// The elementwise front of the scan, fused into every scan kernel so raw
// inputs never make a round trip through memory: feature maps phi (spec §4),
// discretization (softplus step, exp(A_log) rates, cumulative log decay) and
// basis weights (softmax / sigmoid / uniform), all on one chunk of C steps.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_PROLOGUE_H
#define IDA_TEMPLATES_KERNELS_SCAN_PROLOGUE_H

namespace idak {
using namespace idat;

/// Scratch a feature map needs besides its input and output.
template <int C, int FW> struct FeatureScratch {
  Tile<C, FW> u;  // pre-activations W x (prf, hedgehog)
  Tile<C, FW> e;  // exponentials of one softmax half (hedgehog)
  Tile<C, 1> r1;  // row statistics
  Tile<C, 1> r2;
};

/// x^(-1/4) scaling shared by taylor2 and prf.
template <int D> IDA_DEVICE float quarter_root_inv() {
  return 1.0f / sqrtf(sqrtf((float)D));
}

/// out = phi(x) row by row (spec §4). Rows of x that are zero padding give
/// finite features; callers mask their effect through beta = 0 / not storing.
template <class P, int C, int FW>
IDA_DEVICE void feature_fwd(TileCtx &ctx, Tile<C, P::F> &out,
                            const Tile<C, P::D> &x, const Tile<FW, P::D> &W,
                            FeatureScratch<C, FW> &s) {
  constexpr int D = P::D;
  constexpr int F = P::F;
  if constexpr (P::feature == IDA_FEATURE_IDENTITY) {
    static_assert(F == D, "identity needs F == D");
    copy(ctx, out, x);
  } else if constexpr (P::feature == IDA_FEATURE_ELU1) {
    static_assert(F == D, "elu1 needs F == D");
    // fast_exp saturates for v > 88, whose value is discarded by the select.
    map_idx(ctx, out, [&](int i, int j) {
      const float v = x(i, j);
      return select_neg(v, fast_exp(v), v + 1.0f);
    });
  } else if constexpr (P::feature == IDA_FEATURE_RELU) {
    static_assert(F == D, "relu needs F == D");
    map_idx(ctx, out, [&](int i, int j) { return relu(x(i, j)); });
  } else if constexpr (P::feature == IDA_FEATURE_TAYLOR2) {
    static_assert(F == 1 + D + D * D, "taylor2 needs F == 1 + D + D*D");
    const float sc = quarter_root_inv<D>();
    const float r2 = 0.70710678118654752f;
    map_idx(ctx, out, [&](int i, int j) {
      if (j == 0)
        return 1.0f;
      if (j <= D)
        return x(i, j - 1) * sc;
      const int p = j - 1 - D;
      return x(i, p / D) * x(i, p % D) * (sc * sc * r2);
    });
  } else if constexpr (P::feature == IDA_FEATURE_PRF) {
    static_assert(F == P::Fp && FW == P::Fp, "prf needs F == Fp");
    const float sc = quarter_root_inv<D>();
    // u = W x' = sc * (W x); |x'|^2 = sc^2 |x|^2.
    mm_nt(ctx, s.u, x, W);
    row_dot(ctx, s.r1, x, x);
    const float inv_sqrt_fp = 1.0f / sqrtf((float)P::Fp);
    // libm expf: prf can overflow fp32 for large inputs (spec §4); that must
    // show up as inf, not be saturated silently by fast_exp.
    map_idx(ctx, out, [&](int i, int j) {
      return expf(sc * s.u(i, j) - 0.5f * sc * sc * s.r1(i, 0)) * inv_sqrt_fp;
    });
  } else if constexpr (P::feature == IDA_FEATURE_HEDGEHOG) {
    static_assert(F == 2 * P::Fp && FW == P::Fp, "hedgehog needs F == 2 Fp");
    constexpr int Fp = P::Fp;
    mm_nt(ctx, s.u, x, W);
    // softmax(u): subtract the row max; softmax(-u): subtract max(-u) = -min(u).
    row_max(ctx, s.r1, s.u);
    map_idx(ctx, s.e, [&](int i, int j) { return fast_exp(s.u(i, j) - s.r1(i, 0)); });
    row_sum(ctx, s.r2, s.e);
    map_idx(ctx, out, [&](int i, int j) {
      return j < Fp ? s.e(i, j < Fp ? j : 0) / s.r2(i, 0) : 0.0f;
    });
    map(ctx, s.u, [](float v) { return -v; });
    row_max(ctx, s.r1, s.u);
    map_idx(ctx, s.e, [&](int i, int j) { return fast_exp(s.u(i, j) - s.r1(i, 0)); });
    row_sum(ctx, s.r2, s.e);
    map_idx(ctx, out, [&](int i, int j) {
      return j < Fp ? out(i, j) : s.e(i, j < Fp ? 0 : j - Fp) / s.r2(i, 0);
    });
  } else {
    static_assert(P::feature >= 0 && P::feature <= 5, "unknown feature kind");
  }
}

/// Per-head parameters every scan program loads once.
template <int N, int FW, int D> struct HeadParams {
  Tile<1, N> lambda; // exp(A_log[h, n])
  Tile<FW, D> W;     // feature weights (prf, hedgehog)
  float dt_bias;
};

template <class P, int FW>
IDA_DEVICE void load_head_params(TileCtx &ctx, HeadParams<P::N, FW, P::D> &hp,
                                 const IdaKernelArgs &args, int idx_A_log,
                                 int idx_dt_bias, int idx_W, int64_t h) {
  const float *A_log = (const float *)args.buffers[idx_A_log];
  const float *dt_bias = (const float *)args.buffers[idx_dt_bias];
  load(ctx, hp.lambda, A_log + h * P::N, P::N, 1);
  map(ctx, hp.lambda, [](float a) { return expf(a); });
  hp.dt_bias = dt_bias[h];
  if constexpr (P::Fp > 0)
    load(ctx, hp.W, (const float *)args.buffers[idx_W] + h * P::Fp * P::D, P::D, P::Fp);
  else
    fill(ctx, hp.W, 0.0f);
}

/// beta = softplus(dt + dt_bias) on valid rows, 0 on padding; L = inclusive
/// cumsum of loga = -beta * lambda (so padding rows carry L forward), Lt = L^T.
template <int C, int N>
IDA_DEVICE void discretize(TileCtx &ctx, Tile<C, 1> &beta, Tile<C, N> &L,
                           Tile<N, C> &Lt, const Tile<1, N> &lambda,
                           float dt_bias, int nvalid) {
  map_idx(ctx, beta, [&](int i, int) {
    return i < nvalid ? softplus(beta(i, 0) + dt_bias) : 0.0f;
  });
  map_idx(ctx, L, [&](int i, int n) { return -beta(i, 0) * lambda(0, n); });
  cumsum_rows(ctx, L);
  transpose(ctx, Lt, L);
}

/// gamma (in place on the raw logits g) per spec §3's basis_weights.
template <class P, int C>
IDA_DEVICE void basis_weights(TileCtx &ctx, Tile<C, P::N> &gam, Tile<C, 1> &r1,
                              Tile<C, 1> &r2) {
  if constexpr (P::basis == IDA_BASIS_SOFTMAX) {
    row_max(ctx, r1, gam);
    map_idx(ctx, gam, [&](int i, int n) { return expf(gam(i, n) - r1(i, 0)); });
    row_sum(ctx, r2, gam);
    map_idx(ctx, gam, [&](int i, int n) { return gam(i, n) / r2(i, 0); });
  } else if constexpr (P::basis == IDA_BASIS_SIGMOID) {
    map(ctx, gam, [](float v) { return sigmoid(v); });
  } else {
    fill(ctx, gam, 1.0f / (float)P::N);
  }
}

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_PROLOGUE_H

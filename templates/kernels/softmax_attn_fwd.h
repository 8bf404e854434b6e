//===- templates/kernels/softmax_attn_fwd.h - causal attention --*- C++ -*-===//
//
// Causal softmax attention for hybrid graphs, flash-style: one program per
// (query block, head, batch) streams key blocks with an online softmax, so
// the T x T score matrix never exists. Optional sliding window: query i sees
// keys j with i - window < j <= i (window == 0: all j <= i).
//
// Static params (class P): D, P (value width), window, in_t.
// Config: BM (query block), BN (key block).
//   buffers: 0 q [B,T,H,D]  1 k [B,T,H,D]  2 v [B,T,H,P]  3 y [B,T,H,P]
//            4 lse [B,H,T] fp32 (log-sum-exp per query; null if not needed)
//   grid = (ceil(T / BM), H, B)
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SOFTMAX_ATTN_FWD_H
#define IDA_TEMPLATES_KERNELS_SOFTMAX_ATTN_FWD_H

namespace idak {

struct AttnBuf {
  enum : int { q = 0, k = 1, v = 2, y = 3, lse = 4, dy = 5, dq = 6, dk = 7, dv = 8 };
};

/// Masked-out score. Finite so max/subtract stay NaN-free; masked entries
/// are zeroed explicitly after the exponential.
#define IDA_ATTN_NEG (-1.0e30f)

/// Key range [lo, hi) that query rows [i0, i0 + rows) can see.
template <class P>
IDA_DEVICE void attn_key_range(int64_t i0, int64_t rows, int64_t T, int64_t &lo, int64_t &hi) {
  hi = i0 + rows < T ? i0 + rows : T;
  lo = P::window > 0 ? i0 - P::window + 1 : 0;
  lo = lo > 0 ? lo : 0;
}

/// Whether query i may attend key j.
template <class P> IDA_DEVICE bool attn_visible(int64_t i, int64_t j, int64_t T) {
  return j <= i && i < T && (P::window <= 0 || j > i - P::window);
}

template <class P, class Cfg = IdaMacroConfig> struct SoftmaxAttnFwdProgram {
  static constexpr int BM = Cfg::BM, BN = Cfg::BN, D = P::D, PV = P::P;

  static void grid(const IdaKernelArgs &a, int64_t g[3]) {
    g[0] = (a.T + BM - 1) / BM;
    g[1] = a.H;
    g[2] = a.B;
  }

  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t qb, int64_t h, int64_t b) {
    using T = typename P::in_t;
    TileCtx ctx = make_ctx();
    IDA_SHARED Tile<BM, D> Q;
    IDA_SHARED Tile<BN, D> K;
    IDA_SHARED Tile<BN, PV> V;
    IDA_SHARED Tile<BM, BN> S;
    IDA_SHARED Tile<BM, PV> acc;
    IDA_SHARED Tile<BM, 1> m, l, mnew, alpha, rs;
    const int64_t H = a.H, Tn = a.T;
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t i0 = qb * BM;
    const int qrows = (int)(Tn - i0 < BM ? Tn - i0 : BM);
    const T *q = (const T *)a.buffers[AttnBuf::q];
    const T *k = (const T *)a.buffers[AttnBuf::k];
    const T *v = (const T *)a.buffers[AttnBuf::v];

    load(ctx, Q, q + ((b * Tn + i0) * H + h) * D, H * D, qrows);
    fill(ctx, acc, 0.0f);
    fill(ctx, m, IDA_ATTN_NEG);
    fill(ctx, l, 0.0f);
    int64_t lo, hi;
    attn_key_range<P>(i0, BM, Tn, lo, hi);
    for (int64_t j0 = lo / BN * BN; j0 < hi; j0 += BN) {
      const int krows = (int)(Tn - j0 < BN ? Tn - j0 : BN);
      load(ctx, K, k + ((b * Tn + j0) * H + h) * D, H * D, krows);
      load(ctx, V, v + ((b * Tn + j0) * H + h) * PV, H * PV, krows);
      mm_nt(ctx, S, Q, K);
      map_idx(ctx, S, [&](int i, int j) {
        return attn_visible<P>(i0 + i, j0 + j, Tn) ? S(i, j) * scale : IDA_ATTN_NEG;
      });
      row_max(ctx, mnew, S);
      map_idx(ctx, mnew, [&](int i, int) { return mnew(i, 0) > m(i, 0) ? mnew(i, 0) : m(i, 0); });
      map_idx(ctx, alpha, [&](int i, int) { return fast_exp(m(i, 0) - mnew(i, 0)); });
      // The mask is re-derived from indices (an integer compare keeps the
      // loop vectorizable; a float compare on S would not be if-converted).
      map_idx(ctx, S, [&](int i, int j) {
        return attn_visible<P>(i0 + i, j0 + j, Tn) ? fast_exp(S(i, j) - mnew(i, 0)) : 0.0f;
      });
      row_sum(ctx, rs, S);
      map_idx(ctx, l, [&](int i, int) { return l(i, 0) * alpha(i, 0) + rs(i, 0); });
      copy(ctx, m, mnew);
      map_idx(ctx, acc, [&](int i, int j) { return acc(i, j) * alpha(i, 0); });
      mm_nn(ctx, acc, S, V, /*accumulate=*/true);
    }
    map_idx(ctx, acc, [&](int i, int j) { return acc(i, j) / l(i, 0); });
    store(ctx, acc, (T *)a.buffers[AttnBuf::y] + ((b * Tn + i0) * H + h) * PV, H * PV, qrows);
    if (float *lse = (float *)a.buffers[AttnBuf::lse]) {
      map_idx(ctx, l, [&](int i, int) { return m(i, 0) + logf(l(i, 0)); });
      store(ctx, l, lse + (b * H + h) * Tn + i0, 1, qrows);
    }
  }
};

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SOFTMAX_ATTN_FWD_H

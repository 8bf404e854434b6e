//===- templates/kernels/softmax_attn_bwd.h - attention backward *- C++ -*-===//
//
// Backward of softmax_attn_fwd.h without atomics: two programs over the same
// buffers, each owning its output rows.
//   SoftmaxAttnBwdDKDVProgram  grid (ceil(T / BN), H, B): one key block,
//       loops over the query blocks that see it; dV = P^T dO,
//       dK = scale dS^T Q with dS = P o (dP - Dl), dP = dO V^T, Dl = rowsum(dO o O).
//   SoftmaxAttnBwdDQProgram    grid (ceil(T / BM), H, B): one query block,
//       loops over its key blocks; dQ = scale dS K.
// P is recomputed from the saved log-sum-exp (exp(S - lse), no rescaling).
//   buffers: 0 q  1 k  2 v  3 y (forward output)  4 lse [B,H,T]  5 dy
//            6 dq  7 dk  8 dv   (q, k, dq, dk [B,T,H,D]; v, y, dy, dv [B,T,H,P])
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SOFTMAX_ATTN_BWD_H
#define IDA_TEMPLATES_KERNELS_SOFTMAX_ATTN_BWD_H

namespace idak {

/// Tiles shared by both backward programs.
template <class P, class Cfg> struct AttnBwdTiles {
  static constexpr int BM = Cfg::BM, BN = Cfg::BN, D = P::D, PV = P::P;
  Tile<BM, D> Q, dQ;
  Tile<BN, D> K, dK;
  Tile<BN, PV> V, dV;
  Tile<BM, PV> O, dO;
  Tile<BM, BN> S, dP;
  Tile<BM, 1> lse, Dl;
};

/// For query block i0 and key block j0: S <- P (probabilities), dP <- dS.
template <class P, class Cfg>
IDA_DEVICE void attn_bwd_block(TileCtx &ctx, AttnBwdTiles<P, Cfg> &t, int64_t i0, int64_t j0,
                               int64_t Tn, float scale) {
  mm_nt(ctx, t.S, t.Q, t.K);
  map_idx(ctx, t.S, [&](int i, int j) {
    return attn_visible<P>(i0 + i, j0 + j, Tn) ? fast_exp(t.S(i, j) * scale - t.lse(i, 0))
                                                : 0.0f;
  });
  mm_nt(ctx, t.dP, t.dO, t.V);
  map_idx(ctx, t.dP, [&](int i, int j) { return t.S(i, j) * (t.dP(i, j) - t.Dl(i, 0)); });
}

/// Loads q, O, dO, lse of query block i0 and computes Dl = rowsum(dO o O).
template <class P, class Cfg>
IDA_DEVICE void attn_bwd_load_queries(TileCtx &ctx, AttnBwdTiles<P, Cfg> &t,
                                      const IdaKernelArgs &a, int64_t b, int64_t h, int64_t i0,
                                      int rows) {
  using T = typename P::in_t;
  const int64_t H = a.H, Tn = a.T;
  constexpr int D = P::D, PV = P::P;
  load(ctx, t.Q, (const T *)a.buffers[AttnBuf::q] + ((b * Tn + i0) * H + h) * D, H * D, rows);
  load(ctx, t.O, (const T *)a.buffers[AttnBuf::y] + ((b * Tn + i0) * H + h) * PV, H * PV, rows);
  load(ctx, t.dO, (const T *)a.buffers[AttnBuf::dy] + ((b * Tn + i0) * H + h) * PV, H * PV, rows);
  load(ctx, t.lse, (const float *)a.buffers[AttnBuf::lse] + (b * H + h) * Tn + i0, 1, rows);
  row_dot(ctx, t.Dl, t.dO, t.O);
}

template <class P, class Cfg>
IDA_DEVICE void attn_bwd_load_keys(TileCtx &ctx, AttnBwdTiles<P, Cfg> &t,
                                   const IdaKernelArgs &a, int64_t b, int64_t h, int64_t j0,
                                   int rows) {
  using T = typename P::in_t;
  const int64_t H = a.H, Tn = a.T;
  constexpr int D = P::D, PV = P::P;
  load(ctx, t.K, (const T *)a.buffers[AttnBuf::k] + ((b * Tn + j0) * H + h) * D, H * D, rows);
  load(ctx, t.V, (const T *)a.buffers[AttnBuf::v] + ((b * Tn + j0) * H + h) * PV, H * PV, rows);
}

template <class P, class Cfg = IdaMacroConfig> struct SoftmaxAttnBwdDKDVProgram {
  static constexpr int BM = Cfg::BM, BN = Cfg::BN, D = P::D, PV = P::P;
  static void grid(const IdaKernelArgs &a, int64_t g[3]) {
    g[0] = (a.T + BN - 1) / BN;
    g[1] = a.H;
    g[2] = a.B;
  }
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t kb, int64_t h, int64_t b) {
    using T = typename P::in_t;
    TileCtx ctx = make_ctx();
    IDA_SHARED AttnBwdTiles<P, Cfg> t;
    const int64_t Tn = a.T, H = a.H;
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t j0 = kb * BN;
    const int krows = (int)(Tn - j0 < BN ? Tn - j0 : BN);
    attn_bwd_load_keys<P, Cfg>(ctx, t, a, b, h, j0, krows);
    fill(ctx, t.dK, 0.0f);
    fill(ctx, t.dV, 0.0f);
    // Queries that can see keys [j0, j0 + BN): i >= j0 and i < j_last + window.
    int64_t ihi = Tn;
    if (P::window > 0) {
      const int64_t lim = j0 + krows - 1 + P::window;
      ihi = lim < Tn ? lim : Tn;
    }
    for (int64_t i0 = j0 / BM * BM; i0 < ihi; i0 += BM) {
      const int qrows = (int)(Tn - i0 < BM ? Tn - i0 : BM);
      attn_bwd_load_queries<P, Cfg>(ctx, t, a, b, h, i0, qrows);
      attn_bwd_block<P, Cfg>(ctx, t, i0, j0, Tn, scale);
      mm_tn(ctx, t.dV, t.S, t.dO, /*accumulate=*/true);
      mm_tn(ctx, t.dK, t.dP, t.Q, /*accumulate=*/true);
    }
    map(ctx, t.dK, [&](float x) { return x * scale; });
    store(ctx, t.dK, (T *)a.buffers[AttnBuf::dk] + ((b * Tn + j0) * H + h) * D, H * D, krows);
    store(ctx, t.dV, (T *)a.buffers[AttnBuf::dv] + ((b * Tn + j0) * H + h) * PV, H * PV, krows);
  }
};

template <class P, class Cfg = IdaMacroConfig> struct SoftmaxAttnBwdDQProgram {
  static constexpr int BM = Cfg::BM, BN = Cfg::BN, D = P::D;
  static void grid(const IdaKernelArgs &a, int64_t g[3]) {
    g[0] = (a.T + BM - 1) / BM;
    g[1] = a.H;
    g[2] = a.B;
  }
  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t qb, int64_t h, int64_t b) {
    using T = typename P::in_t;
    TileCtx ctx = make_ctx();
    IDA_SHARED AttnBwdTiles<P, Cfg> t;
    const int64_t Tn = a.T, H = a.H;
    const float scale = 1.0f / sqrtf((float)D);
    const int64_t i0 = qb * BM;
    const int qrows = (int)(Tn - i0 < BM ? Tn - i0 : BM);
    attn_bwd_load_queries<P, Cfg>(ctx, t, a, b, h, i0, qrows);
    fill(ctx, t.dQ, 0.0f);
    int64_t lo, hi;
    attn_key_range<P>(i0, BM, Tn, lo, hi);
    for (int64_t j0 = lo / BN * BN; j0 < hi; j0 += BN) {
      const int krows = (int)(Tn - j0 < BN ? Tn - j0 : BN);
      attn_bwd_load_keys<P, Cfg>(ctx, t, a, b, h, j0, krows);
      attn_bwd_block<P, Cfg>(ctx, t, i0, j0, Tn, scale);
      mm_nn(ctx, t.dQ, t.dP, t.K, /*accumulate=*/true);
    }
    map(ctx, t.dQ, [&](float x) { return x * scale; });
    store(ctx, t.dQ, (T *)a.buffers[AttnBuf::dq] + ((b * Tn + i0) * H + h) * D, H * D, qrows);
  }
};

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SOFTMAX_ATTN_BWD_H

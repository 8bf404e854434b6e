//===- templates/kernels/scan_chunk.h - one chunk of the scan ---*- C++ -*-===//
//
// The chunked form of spec §5 for one (batch, head, chunk, value tile), as
// building blocks shared by the onepass and twopass forward programs, the
// decode step and the backward's recompute:
//   load_chunk      raw inputs + fused prologue -> Q, K, V(+ones), beta, L, gamma
//   chunk_output    Y = intra-chunk (C x C) + inter-chunk (from entry state)
//   chunk_advance   S <- exp(L_C) S + sum_j beta_j exp(L_C - L_j) K_j V_j^T
//
// Buffer order of every forward scan kernel (absent optional buffers null):
//   0 q [B,T,H,D]   1 k [B,T,H,D]   2 v [B,T,H,P]   3 dt [B,T,H]
//   4 g [B,T,H,N]   5 A_log [H,N]   6 dt_bias [H]   7 W [H,Fp,D]
//   8 S0 [B,H,N,F,P]  9 Z0 [B,H,N,F]
//   10 y [B,T,H,P]  11 S_T [B,H,N,F,P]  12 Z_T [B,H,N,F]
//   13 ws_state, 14 ws_decay (twopass only; docs/templates.md)
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_CHUNK_H
#define IDA_TEMPLATES_KERNELS_SCAN_CHUNK_H

namespace idak {
using namespace idat;

struct ScanFwdBuf {
  enum : int {
    q = 0, k = 1, v = 2, dt = 3, g = 4, A_log = 5, dt_bias = 6, W = 7,
    S0 = 8, Z0 = 9, y = 10, S_T = 11, Z_T = 12, ws_state = 13, ws_decay = 14
  };
};

/// Everything one chunk needs on chip. Declared IDA_SHARED by programs.
template <class P, class Cfg> struct ChunkTiles {
  using S = ScanShape<P, Cfg>;
  static constexpr int C = S::C, D = P::D, F = P::F, N = P::N;
  static constexpr int VW = S::VW, NF = S::NF, FW = S::FW;

  HeadParams<N, FW, D> hp;
  Tile<C, D> x;          // raw q or k rows
  Tile<C, F> Q, K;       // features
  Tile<C, VW> V;         // value tile (+ column of ones with normalize)
  Tile<C, VW> Y;         // output tile (+ normalizer column)
  Tile<C, 1> beta;       // step delta (0 on padding rows)
  Tile<C, N> L;          // inclusive cumsum of log decay
  Tile<N, C> Lt;         // L transposed (contiguous over time)
  Tile<C, N> gam;        // basis weights
  Tile<C, N> sc;         // per-row, per-basis scales
  Tile<1, N> dec;        // exp(L_C) per basis
  Tile<C, C> A;          // scores
  Tile<C, C> M;          // decay-weighted causal mixing matrix
  Tile<C, NF> cat;       // [Q scaled per basis], row_kron(sc, Q)
  Tile<F, C> KT;         // K transposed
  Tile<N, C> scT;        // per-basis weights of the state update, transposed
  Tile<NF, C> catT;      // [K scaled per basis]^T, col_kron(scT, KT)
  FeatureScratch<C, FW> fs;
};

/// Location of one chunk of one (b, h) inside the [B, T, H, X] layout.
struct ChunkPos {
  int64_t b, h, t0; // batch, head, first step of the chunk
  int nvalid;       // valid steps in this chunk (ragged last chunk)
  int64_t v0;       // first value column of the tile
  int vvalid;       // valid value columns in the tile
};

IDA_DEVICE int64_t row_offset(const IdaKernelArgs &a, const ChunkPos &c, int width) {
  return ((c.b * a.T + c.t0) * a.H + c.h) * (int64_t)width;
}

/// Loads the chunk and runs the fused prologue. `need_q` is false for
/// programs that only advance the state (twopass kernel 1).
template <class P, class Cfg>
IDA_DEVICE void load_chunk(TileCtx &ctx, ChunkTiles<P, Cfg> &s, const IdaKernelArgs &a,
                           const ChunkPos &c, bool need_q) {
  using T = typename P::in_t;
  using CT = ChunkTiles<P, Cfg>;
  constexpr int D = P::D, N = P::N;
  const int64_t H = a.H;
  const T *q = (const T *)a.buffers[ScanFwdBuf::q];
  const T *k = (const T *)a.buffers[ScanFwdBuf::k];
  const T *v = (const T *)a.buffers[ScanFwdBuf::v];
  const T *dt = (const T *)a.buffers[ScanFwdBuf::dt];
  const T *g = (const T *)a.buffers[ScanFwdBuf::g];

  load(ctx, s.x, k + row_offset(a, c, D), H * D, c.nvalid);
  feature_fwd<P>(ctx, s.K, s.x, s.hp.W, s.fs);
  if (need_q) {
    load(ctx, s.x, q + row_offset(a, c, D), H * D, c.nvalid);
    feature_fwd<P>(ctx, s.Q, s.x, s.hp.W, s.fs);
  }
  load(ctx, s.V, v + row_offset(a, c, P::P) + c.v0, H * P::P, c.nvalid, c.vvalid);
  if constexpr (P::normalize) {
    const int nv = c.nvalid;
    map_idx(ctx, s.V, [&](int i, int j) {
      return j == CT::S::ZCOL ? (i < nv ? 1.0f : 0.0f) : s.V(i, j);
    });
  }
  load_column(ctx, s.beta, 0, dt + row_offset(a, c, 1), H, c.nvalid);
  discretize(ctx, s.beta, s.L, s.Lt, s.hp.lambda, s.hp.dt_bias, c.nvalid);
  if (need_q) {
    if constexpr (P::basis != IDA_BASIS_UNIFORM) // g may be null for uniform
      load(ctx, s.gam, g + row_offset(a, c, N), H * N, c.nvalid);
    basis_weights<P>(ctx, s.gam, s.fs.r1, s.fs.r2);
  }
}

/// Y = intra-chunk part + inter-chunk part read from `state` (the state
/// entering the chunk, [N*F, VW]); then normalizes (with normalize).
template <class P, class Cfg>
IDA_DEVICE void chunk_output(TileCtx &ctx, ChunkTiles<P, Cfg> &s,
                             const Tile<ScanShape<P, Cfg>::NF, ScanShape<P, Cfg>::VW> &state) {
  using CT = ChunkTiles<P, Cfg>;
  // Intra: A(i, j) = (Q_i . K_j) * sum_n gamma_in beta_j exp(L_in - L_jn), j <= i.
  mm_nt(ctx, s.A, s.Q, s.K);
  causal_decay_mix(ctx, s.M, s.gam, s.L, s.Lt, s.beta);
  map_idx(ctx, s.A, [&](int i, int j) { return s.A(i, j) * s.M(i, j); });
  mm_nn(ctx, s.Y, s.A, s.V);
  // Inter: Y_i += sum_n gamma_in exp(L_in) Q_i^T S[n], one [C, N*F] x [N*F, VW].
  map_idx(ctx, s.sc, [&](int i, int n) { return s.gam(i, n) * fast_exp(s.L(i, n)); });
  row_kron(ctx, s.cat, s.sc, s.Q);
  mm_nn(ctx, s.Y, s.cat, state, /*accumulate=*/true);
  if constexpr (P::normalize) {
    const float eps = 1e-6f;
    map_idx(ctx, s.fs.r1, [&](int i, int) { return 1.0f / (s.Y(i, CT::S::ZCOL) + eps); });
    map_idx(ctx, s.Y, [&](int i, int j) {
      return j == CT::S::ZCOL ? s.Y(i, j) : s.Y(i, j) * s.fs.r1(i, 0);
    });
  }
}

/// Fills s.catT with (K_j scaled by beta_j exp(L_Cn - L_jn))^T, rows n*F + f,
/// and s.dec with exp(L_Cn): the two factors of the chunk's state transition.
template <class P, class Cfg>
IDA_DEVICE void chunk_transition(TileCtx &ctx, ChunkTiles<P, Cfg> &s) {
  constexpr int C = Cfg::C;
  map_idx(ctx, s.dec, [&](int, int n) { return fast_exp(s.L(C - 1, n)); });
  map_idx(ctx, s.scT, [&](int n, int j) {
    return s.beta(j, 0) * fast_exp(s.L(C - 1, n) - s.Lt(n, j));
  });
  transpose(ctx, s.KT, s.K);
  col_kron(ctx, s.catT, s.scT, s.KT);
}

/// state <- exp(L_C) state + catT V (after chunk_transition).
template <class P, class Cfg>
IDA_DEVICE void chunk_advance(TileCtx &ctx, ChunkTiles<P, Cfg> &s,
                              Tile<ScanShape<P, Cfg>::NF, ScanShape<P, Cfg>::VW> &state) {
  scale_row_blocks<P::F>(ctx, state, s.dec);
  mm_nn(ctx, state, s.catT, s.V, /*accumulate=*/true);
}

/// Loads the [N*F, VW] state tile of (b, h, value tile) from S [B,H,N,F,P]
/// (and Z [B,H,N,F] into the normalizer column); zero when S is null.
template <class P, class Cfg>
IDA_DEVICE void load_state(TileCtx &ctx, Tile<ScanShape<P, Cfg>::NF, ScanShape<P, Cfg>::VW> &st,
                           const float *S, const float *Z, const ChunkPos &c, int64_t H) {
  using Sh = ScanShape<P, Cfg>;
  if (!S) {
    fill(ctx, st, 0.0f);
  } else {
    const int64_t off = (c.b * H + c.h) * (int64_t)Sh::NF * P::P + c.v0;
    load(ctx, st, S + off, P::P, Sh::NF, c.vvalid);
  }
  if constexpr (P::normalize) {
    if (Z)
      load_column(ctx, st, Sh::ZCOL, Z + (c.b * H + c.h) * (int64_t)Sh::NF, 1, Sh::NF);
    else
      load_column(ctx, st, Sh::ZCOL, (const float *)nullptr, 1, 0);
  }
}

/// Stores the state tile to S (and, from value tile 0 only, Z).
template <class P, class Cfg>
IDA_DEVICE void store_state(TileCtx &ctx, const Tile<ScanShape<P, Cfg>::NF, ScanShape<P, Cfg>::VW> &st,
                            float *S, float *Z, const ChunkPos &c, int64_t H) {
  using Sh = ScanShape<P, Cfg>;
  if (S) {
    const int64_t off = (c.b * H + c.h) * (int64_t)Sh::NF * P::P + c.v0;
    store(ctx, st, S + off, P::P, Sh::NF, c.vvalid);
  }
  if constexpr (P::normalize) {
    if (Z && c.v0 == 0)
      store_column(ctx, st, Sh::ZCOL, Z + (c.b * H + c.h) * (int64_t)Sh::NF, 1, Sh::NF);
  }
}

/// Stores the valid rows and value columns of Y to y [B,T,H,P].
template <class P, class Cfg>
IDA_DEVICE void store_output(TileCtx &ctx, const ChunkTiles<P, Cfg> &s,
                             const IdaKernelArgs &a, const ChunkPos &c) {
  using T = typename P::in_t;
  T *y = (T *)a.buffers[ScanFwdBuf::y];
  store(ctx, s.Y, y + row_offset(a, c, P::P) + c.v0, a.H * P::P, c.nvalid, c.vvalid);
}

/// Position of chunk `ci` of (b, h) for value tile `vt`.
template <class P, class Cfg>
IDA_DEVICE ChunkPos chunk_pos(const IdaKernelArgs &a, int64_t b, int64_t h,
                              int64_t ci, int64_t vt) {
  using Sh = ScanShape<P, Cfg>;
  ChunkPos c;
  c.b = b;
  c.h = h;
  c.t0 = ci * Sh::C;
  const int64_t left = a.T - c.t0;
  c.nvalid = (int)(left < Sh::C ? left : Sh::C);
  c.v0 = vt * Sh::BV;
  const int64_t vl = P::P - c.v0;
  c.vvalid = (int)(vl < Sh::BV ? vl : Sh::BV);
  return c;
}

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_CHUNK_H

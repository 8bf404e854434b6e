//===- templates/kernels/scan_fwd_twopass.h - twopass forward ---*- C++ -*-===//
//
// Strategy "twopass": more parallelism than onepass (programs per chunk)
// at the price of a state round trip through memory. Three kernels, same
// buffer list (ScanFwdBuf 0..14, scan_chunk.h):
//
//   1 ScanChunkStatesProgram   grid (NC*NV, H, B), pid.x = ci*NV + vt
//       ws_state[b,h,ci,vt] = sum_j beta_j exp(L_C - L_j) K_j V_j^T  (zero start)
//       ws_decay[b,h,ci,n]  = L_C,n  (total log decay of the chunk; vt == 0 writes)
//   2 ScanStatePassingProgram  grid (NV, H, B)
//       walks chunks in order; replaces ws_state[ci] by the state ENTERING
//       chunk ci; writes S_T / Z_T
//   3 ScanChunkOutputProgram   grid (NC*NV, H, B)
//       y of chunk ci = intra-chunk + inter from ws_state[ci]
//
// Workspaces (fp32, NC = ceil(T/C), NV = ceil(P/BV), VW = BV + normalize):
//   ws_state [B, H, NC, NV, N*F, VW]    ws_decay [B, H, NC, N]
// Each value tile carries its own normalizer column, so tiles never share
// workspace rows.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_FWD_TWOPASS_H
#define IDA_TEMPLATES_KERNELS_SCAN_FWD_TWOPASS_H

namespace idak {

template <class P, class Cfg> struct TwoPassLayout {
  using Sh = ScanShape<P, Cfg>;
  static constexpr int64_t tile_elems = (int64_t)Sh::NF * Sh::VW;
  static int64_t ws_state_elems(int64_t B, int64_t T, int64_t H) {
    return B * H * Sh::num_chunks(T) * Sh::num_vtiles() * tile_elems;
  }
  static int64_t ws_decay_elems(int64_t B, int64_t T, int64_t H) {
    return B * H * Sh::num_chunks(T) * P::N;
  }
  static IDA_DEVICE float *state_tile(const IdaKernelArgs &a, int64_t b, int64_t h,
                                      int64_t ci, int64_t vt) {
    const int64_t nc = Sh::num_chunks(a.T);
    float *ws = (float *)a.buffers[ScanFwdBuf::ws_state];
    return ws + (((b * a.H + h) * nc + ci) * Sh::num_vtiles() + vt) * tile_elems;
  }
  static IDA_DEVICE float *decay_row(const IdaKernelArgs &a, int64_t b, int64_t h,
                                     int64_t ci) {
    const int64_t nc = Sh::num_chunks(a.T);
    return (float *)a.buffers[ScanFwdBuf::ws_decay] + ((b * a.H + h) * nc + ci) * P::N;
  }
  static void chunk_grid(const IdaKernelArgs &a, int64_t g[3]) {
    g[0] = Sh::num_chunks(a.T) * Sh::num_vtiles();
    g[1] = a.H;
    g[2] = a.B;
  }
};

/// Kernel 1: chunk-local states.
template <class P, class Cfg = IdaMacroConfig>
struct ScanChunkStatesProgram : TwoPassLayout<P, Cfg> {
  using L = TwoPassLayout<P, Cfg>;
  using Sh = ScanShape<P, Cfg>;
  static void grid(const IdaKernelArgs &a, int64_t g[3]) { L::chunk_grid(a, g); }

  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t x, int64_t h, int64_t b) {
    TileCtx ctx = make_ctx();
    IDA_SHARED ChunkTiles<P, Cfg> s;
    IDA_SHARED Tile<Sh::NF, Sh::VW> state;
    const int64_t ci = x / Sh::num_vtiles(), vt = x % Sh::num_vtiles();
    load_head_params<P, Sh::FW>(ctx, s.hp, a, ScanFwdBuf::A_log, ScanFwdBuf::dt_bias,
                                ScanFwdBuf::W, h);
    const ChunkPos c = chunk_pos<P, Cfg>(a, b, h, ci, vt);
    load_chunk<P, Cfg>(ctx, s, a, c, /*need_q=*/false);
    chunk_transition<P, Cfg>(ctx, s);
    mm_nn(ctx, state, s.catT, s.V);
    store(ctx, state, L::state_tile(a, b, h, ci, vt), Sh::VW, Sh::NF);
    if (vt == 0) {
      // L's last row is L_C (padding rows carry the cumsum forward).
      IDA_SHARED Tile<1, P::N> lastL;
      map_idx(ctx, lastL, [&](int, int n) { return s.L(Sh::C - 1, n); });
      store(ctx, lastL, L::decay_row(a, b, h, ci), P::N, 1);
    }
  }
};

/// Kernel 2: scan over chunks; ws_state[ci] becomes the entry state of ci.
template <class P, class Cfg = IdaMacroConfig>
struct ScanStatePassingProgram : TwoPassLayout<P, Cfg> {
  using L = TwoPassLayout<P, Cfg>;
  using Sh = ScanShape<P, Cfg>;
  static void grid(const IdaKernelArgs &a, int64_t g[3]) {
    g[0] = Sh::num_vtiles();
    g[1] = a.H;
    g[2] = a.B;
  }

  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t vt, int64_t h, int64_t b) {
    TileCtx ctx = make_ctx();
    IDA_SHARED Tile<Sh::NF, Sh::VW> state;
    IDA_SHARED Tile<Sh::NF, Sh::VW> local;
    IDA_SHARED Tile<1, P::N> dec;
    const ChunkPos c = chunk_pos<P, Cfg>(a, b, h, 0, vt);
    load_state<P, Cfg>(ctx, state, P::has_S0 ? (const float *)a.buffers[ScanFwdBuf::S0] : nullptr,
                       P::has_S0 ? (const float *)a.buffers[ScanFwdBuf::Z0] : nullptr, c, a.H);
    const int64_t nc = Sh::num_chunks(a.T);
    for (int64_t ci = 0; ci < nc; ++ci) {
      float *tile = L::state_tile(a, b, h, ci, vt);
      load(ctx, local, tile, Sh::VW, Sh::NF);
      store(ctx, state, tile, Sh::VW, Sh::NF);
      load(ctx, dec, L::decay_row(a, b, h, ci), P::N, 1);
      map(ctx, dec, [](float l) { return fast_exp(l); });
      map_idx(ctx, state, [&](int r, int j) {
        return state(r, j) * dec(0, r / P::F) + local(r, j);
      });
    }
    if constexpr (P::has_ST)
      store_state<P, Cfg>(ctx, state, (float *)a.buffers[ScanFwdBuf::S_T],
                          (float *)a.buffers[ScanFwdBuf::Z_T], c, a.H);
  }
};

/// Kernel 3: outputs of one chunk from its entry state.
template <class P, class Cfg = IdaMacroConfig>
struct ScanChunkOutputProgram : TwoPassLayout<P, Cfg> {
  using L = TwoPassLayout<P, Cfg>;
  using Sh = ScanShape<P, Cfg>;
  static void grid(const IdaKernelArgs &a, int64_t g[3]) { L::chunk_grid(a, g); }

  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t x, int64_t h, int64_t b) {
    TileCtx ctx = make_ctx();
    IDA_SHARED ChunkTiles<P, Cfg> s;
    IDA_SHARED Tile<Sh::NF, Sh::VW> state;
    const int64_t ci = x / Sh::num_vtiles(), vt = x % Sh::num_vtiles();
    load_head_params<P, Sh::FW>(ctx, s.hp, a, ScanFwdBuf::A_log, ScanFwdBuf::dt_bias,
                                ScanFwdBuf::W, h);
    const ChunkPos c = chunk_pos<P, Cfg>(a, b, h, ci, vt);
    load_chunk<P, Cfg>(ctx, s, a, c, /*need_q=*/true);
    load(ctx, state, L::state_tile(a, b, h, ci, vt), Sh::VW, Sh::NF);
    chunk_output<P, Cfg>(ctx, s, state);
    store_output<P, Cfg>(ctx, s, a, c);
  }
};

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_FWD_TWOPASS_H

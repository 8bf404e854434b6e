//===- templates/kernels/scan_fwd_onepass.h - onepass forward ---*- C++ -*-===//
//
// Strategy "onepass": one program per (value tile, head, batch) walks the
// chunks in order and keeps its [N*F, BV(+1)] state slice on chip; the state
// never goes to memory except S0 in and S_T out.
//
//   grid = (ceil(P / BV), H, B)          pid = (vt, h, b)
//   buffers: ScanFwdBuf 0..12 (scan_chunk.h); no workspace.
//
// With T == 1 and C == 1 this is also the decode step (scan_decode.h).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_FWD_ONEPASS_H
#define IDA_TEMPLATES_KERNELS_SCAN_FWD_ONEPASS_H

namespace idak {

template <class P, class Cfg = IdaMacroConfig> struct ScanFwdOnePassProgram {
  using Sh = ScanShape<P, Cfg>;

  static void grid(const IdaKernelArgs &a, int64_t g[3]) {
    g[0] = Sh::num_vtiles();
    g[1] = a.H;
    g[2] = a.B;
  }

  static IDA_DEVICE void run(const IdaKernelArgs &a, int64_t vt, int64_t h, int64_t b) {
    TileCtx ctx = make_ctx();
    IDA_SHARED ChunkTiles<P, Cfg> s;
    IDA_SHARED Tile<Sh::NF, Sh::VW> state;

    load_head_params<P, Sh::FW>(ctx, s.hp, a, ScanFwdBuf::A_log, ScanFwdBuf::dt_bias,
                                ScanFwdBuf::W, h);
    ChunkPos c = chunk_pos<P, Cfg>(a, b, h, 0, vt);
    load_state<P, Cfg>(ctx, state, P::has_S0 ? (const float *)a.buffers[ScanFwdBuf::S0] : nullptr,
                       P::has_S0 ? (const float *)a.buffers[ScanFwdBuf::Z0] : nullptr, c, a.H);
    const int64_t nc = Sh::num_chunks(a.T);
    for (int64_t ci = 0; ci < nc; ++ci) {
      c = chunk_pos<P, Cfg>(a, b, h, ci, vt);
      load_chunk<P, Cfg>(ctx, s, a, c, /*need_q=*/true);
      chunk_output<P, Cfg>(ctx, s, state);
      store_output<P, Cfg>(ctx, s, a, c);
      chunk_transition<P, Cfg>(ctx, s);
      chunk_advance<P, Cfg>(ctx, s, state);
    }
    if constexpr (P::has_ST)
      store_state<P, Cfg>(ctx, state, (float *)a.buffers[ScanFwdBuf::S_T],
                          (float *)a.buffers[ScanFwdBuf::Z_T], c, a.H);
  }
};

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_FWD_ONEPASS_H

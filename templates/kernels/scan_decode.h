//===- templates/kernels/scan_decode.h - decode step (spec §8) --*- C++ -*-===//
//
// One token from a carried state: S <- exp(loga) S + beta K V^T,
// y = sum_n gamma_n S[n]^T Q (and Z likewise with normalize). This is exactly
// the onepass forward with chunk length 1 over T == 1 steps, so it reuses it:
// the state tile is loaded once, advanced once and stored once.
//
//   buffers: ScanFwdBuf order with S0 := S_in, Z0 := Z_in, S_T := S_out,
//            Z_T := Z_out; S_out may alias S_in (each program reads its whole
//            state slice before writing it), likewise Z.
//   args.T must be 1 (q,k,v,dt,g,y are [B,1,H,*]).
//   grid = (ceil(P / BV), H, B)
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_KERNELS_SCAN_DECODE_H
#define IDA_TEMPLATES_KERNELS_SCAN_DECODE_H

namespace idak {

template <class P, class Cfg = IdaMacroConfig>
struct ScanDecodeProgram : ScanFwdOnePassProgram<P, Config<1, Cfg::BV>> {};

} // namespace idak

#endif // IDA_TEMPLATES_KERNELS_SCAN_DECODE_H

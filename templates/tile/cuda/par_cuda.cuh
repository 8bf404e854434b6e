//===- templates/tile/cuda/par_cuda.cuh - block-parallel loops, CUDA -*- C++ -*-===//
//
// CUDA twin of tile/cpu/par_cpu.h: par_for strides a loop over the block's
// threads (consecutive i in consecutive lanes, so row walks coalesce), and
// the reductions combine one value per thread with warp shuffles and a
// 32-entry static shared array. Every thread adds the warps' partials in
// the same order, so all threads get the same (deterministic) result.
//
// Each reduction starts with a barrier, so back-to-back reductions never
// overwrite partials another thread is still reading; callers must reach
// them with every thread of the block (they are collectives).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_TILE_CUDA_PAR_CUDA_CUH
#define IDA_TEMPLATES_TILE_CUDA_PAR_CUDA_CUH

namespace idat {

template <class Fn> IDA_DEVICE void par_for(const TileCtx &c, int64_t n, Fn f) {
  for (int64_t i = c.tid; i < n; i += detail::kThreads)
    f(i);
}

IDA_DEVICE bool par_leader(const TileCtx &c) { return c.tid == 0; }

/// Every thread of the block waits here.
IDA_DEVICE void par_barrier(const TileCtx &) { __syncthreads(); }

template <class T> IDA_DEVICE T block_sum_impl(const TileCtx &c, T v) {
  static __shared__ T partial[32]; // static: one per block (explicit for the host emulation)
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  __syncthreads();
  if (c.lane == 0)
    partial[c.warp] = v;
  __syncthreads();
  T s = 0;
  for (int w = 0; w < detail::kThreads / 32; ++w)
    s += partial[w];
  return s;
}

IDA_DEVICE float block_sum(const TileCtx &c, float v) { return block_sum_impl(c, v); }
IDA_DEVICE double block_sum(const TileCtx &c, double v) { return block_sum_impl(c, v); }

IDA_DEVICE void block_argmax(const TileCtx &c, float &v, int64_t &idx) {
  static __shared__ float best[32];
  static __shared__ int64_t where[32];
  // The first maximum wins, as in a sequential scan with `>`.
  auto better = [](float a, int64_t ia, float b, int64_t ib) {
    return a > b || (a == b && ia < ib);
  };
  for (int o = 16; o > 0; o >>= 1) {
    float ov = __shfl_xor_sync(0xffffffffu, v, o);
    int64_t oi = __shfl_xor_sync(0xffffffffu, idx, o);
    if (better(ov, oi, v, idx)) {
      v = ov;
      idx = oi;
    }
  }
  __syncthreads();
  if (c.lane == 0) {
    best[c.warp] = v;
    where[c.warp] = idx;
  }
  __syncthreads();
  v = best[0];
  idx = where[0];
  for (int w = 1; w < detail::kThreads / 32; ++w)
    if (better(best[w], where[w], v, idx)) {
      v = best[w];
      idx = where[w];
    }
}

} // namespace idat

#endif // IDA_TEMPLATES_TILE_CUDA_PAR_CUDA_CUH

//===- templates/tile/cpu/par_cpu.h - block-parallel loops, CPU -*- C++ -*-===//
//
// The second, smaller programming model next to tiles: a program instance
// splits a loop over n elements among the threads of its block and combines
// per-thread values with block reductions. Programs that stream rows of
// run-time width (the nn layers of ida-train, kernels/nn_layers.h) use it
// where tiles would need compile-time shapes.
//
// On the CPU a block is one thread: par_for runs the whole loop, and a
// reduction of the single partial value is that value. The CUDA twin is
// tile/cuda/par_cuda.cuh; both must give every thread the same result.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_TILE_CPU_PAR_CPU_H
#define IDA_TEMPLATES_TILE_CPU_PAR_CPU_H

namespace idat {

/// Calls f(i) for i in [0, n); on the CPU in order.
template <class Fn> IDA_DEVICE void par_for(const TileCtx &, int64_t n, Fn f) {
  for (int64_t i = 0; i < n; ++i)
    f(i);
}

/// Whether this thread is the block's first (writes per-block results once).
IDA_DEVICE bool par_leader(const TileCtx &) { return true; }

/// Every thread of the block waits here (a no-op for one thread).
IDA_DEVICE void par_barrier(const TileCtx &) {}

/// Sum of every thread's v, in every thread.
IDA_DEVICE float block_sum(const TileCtx &, float v) { return v; }
IDA_DEVICE double block_sum(const TileCtx &, double v) { return v; }

/// Maximum of every thread's v and the smallest index holding it (ties go
/// to the lower index, like std::max_element), in every thread.
IDA_DEVICE void block_argmax(const TileCtx &, float &v, int64_t &idx) {
  (void)v;
  (void)idx;
}

} // namespace idat

#endif // IDA_TEMPLATES_TILE_CPU_PAR_CPU_H

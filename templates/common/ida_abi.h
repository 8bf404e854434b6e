//===- templates/common/ida_abi.h - kernel launch ABI -----------*- C++ -*-===//
//
// The one calling convention shared by generated kernels (both targets) and
// the runtime's launcher. This header is embedded into every generated source
// and also included by the runtime, so it must stay plain C-compatible C++
// with no includes beyond <stdint.h>.
//
//   CPU:  extern "C" void SYMBOL(const IdaKernelArgs *args, int num_threads);
//         runs every program of args->grid (OpenMP over programs).
//   CUDA: extern "C" __global__ void SYMBOL(IdaKernelArgs args);
//         launched with gridDim = (grid[0], grid[1], grid[2]).
//
// Tuning parameters are compile-time macros, IDA_CFG_<KEY> (for example
// IDA_CFG_C for the chunk length), passed as -D options by the runtime when it
// compiles one configuration; the generated source gives each a default.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TEMPLATES_COMMON_IDA_ABI_H
#define IDA_TEMPLATES_COMMON_IDA_ABI_H

#include <stdint.h>

#define IDA_MAX_KERNEL_BUFFERS 24

struct IdaKernelArgs {
  /// Buffer base addresses in the kernel's declared argument order; absent
  /// optional buffers are null.
  void *buffers[IDA_MAX_KERNEL_BUFFERS];
  /// Dynamic sizes: batch, sequence length, heads.
  int64_t B, T, H;
  /// Number of programs along x, y, z (x varies fastest).
  int64_t grid[3];
};

/// CUDA only: the status of the tile arena (tile/cuda/tile_cuda.cuh), one per
/// loaded module, at the unmangled device symbol IDA_ARENA_STATUS_SYMBOL, so
/// the runtime finds it with cuModuleGetGlobal. Zero when the module loads;
/// kernels only raise its fields (atomicMax).
struct IdaArenaStatus {
  /// (bytes the block needed << 32) | bytes the launch gave, of the worst
  /// block whose tiles did not fit (it left without computing); 0: none since
  /// the host last cleared it. "Needed" is the arena top at the allocation
  /// that failed, a lower bound of what the whole program needs.
  unsigned long long overflow;
  /// The largest arena peak (bytes of dynamic shared memory, header
  /// included) of any block that completed.
  unsigned int peak;
  unsigned int reserved;
};
#define IDA_ARENA_STATUS_SYMBOL "ida_arena_status"

#endif // IDA_TEMPLATES_COMMON_IDA_ABI_H

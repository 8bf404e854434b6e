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

#endif // IDA_TEMPLATES_COMMON_IDA_ABI_H

//===- runtime/bench/GpuCeilings.h - a CUDA device's limits ---*- C++ -*-===//
//
// On a CUDA device: device-to-device copy bandwidth (cuMemcpyDtoDAsync, no
// cuBLAS) and, when libcublas can be loaded, fp32 SGEMM throughput (default
// math mode, so no TF32: the kernels' fp32 matmuls are the comparison).
// Both are timed with CUDA events on the device's stream, best of a few.
// cuBLAS is dlopen'ed, like the driver, so ida-bench starts on machines
// without it. Without a CUDA build or a CUDA device nothing is measured and
// `note` says why.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BENCH_GPUCEILINGS_H
#define IDA_RUNTIME_BENCH_GPUCEILINGS_H

#include "runtime/backend/Device.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ida::bench {

struct GpuCeilings {
  bool copyMeasured = false;
  double copyGbPerS = 0; // (bytes read + bytes written) / s, 1e9 bytes
  size_t copyBytes = 0;
  bool sgemmMeasured = false;
  double sgemmGflops = 0;
  int64_t sgemmSize = 0; // M = N = K
  std::string device;    // device name, when there is one
  std::string note;      // why something was not measured
};

/// Measures `device` when it is a CUDA device; otherwise returns a result
/// whose note says the GPU ceiling is not measured and why. Never throws for
/// a missing cuBLAS (noted); driver failures propagate as ida::Error.
GpuCeilings measureGpuCeilings(Device &device);

/// True when this build has the CUDA backend (IDA_ENABLE_CUDA).
bool gpuCeilingsBuilt();

} // namespace ida::bench

#endif // IDA_RUNTIME_BENCH_GPUCEILINGS_H

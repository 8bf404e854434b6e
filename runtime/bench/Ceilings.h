//===- runtime/bench/Ceilings.h - the machine's measured limits -*- C++ -*-===//
//
// What "percent of peak" is measured against, taken in the same run as the
// kernels so that a loaded or throttled machine lowers both:
//   - fp32 FMA throughput: every thread runs independent chains of vector
//     FMAs (enough accumulators to cover the FMA latency on every pipe), with
//     the widest FMA ISA this file was compiled for (-march=native);
//   - memory copy bandwidth: a parallel memcpy of a buffer far larger than
//     the caches, counting bytes read plus bytes written;
//   - on a CUDA device (GpuCeilings.h): a device-to-device copy and, when
//     cuBLAS can be loaded, an fp32 SGEMM.
// Each figure is the best of a few timed trials (ceilings are maxima).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BENCH_CEILINGS_H
#define IDA_RUNTIME_BENCH_CEILINGS_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ida::bench {

struct CpuInfo {
  std::string model;     // /proc/cpuinfo "model name"
  int logicalCpus = 0;   // hardware threads
  int physicalCores = 0; // distinct (physical id, core id); 0 when unknown
};
CpuInfo cpuInfo();

/// /proc/loadavg's 1, 5 and 15 minute averages (-1 when unreadable).
std::array<double, 3> loadAverage();

struct FmaPeak {
  double gflops = 0; // 2 flops per FMA lane, per second of wall time
  /// Per second of the process's CPU time (all threads): one core's rate,
  /// which a loaded machine does not lower.
  double gflopsPerCpuSecond = 0;
  int threads = 0;
  int lanes = 0;        // fp32 lanes per vector
  int accumulators = 0; // independent chains per thread
  std::string isa;      // "avx512f", "avx2+fma", or "generic (no FMA ISA)"
};
/// Calibrates the loop to about `seconds` per trial; best of `trials`.
FmaPeak measureFmaPeak(int threads, double seconds = 0.2, int trials = 4);

struct CopyBandwidth {
  double gbPerS = 0; // (bytes read + bytes written) / s, 1e9 bytes
  size_t bytes = 0;  // size of the copied buffer
  int threads = 0;
};
CopyBandwidth measureCopyBandwidth(int threads,
                                   size_t bytes = size_t(256) << 20,
                                   int trials = 5);

} // namespace ida::bench

#endif // IDA_RUNTIME_BENCH_CEILINGS_H

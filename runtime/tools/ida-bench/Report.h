//===- runtime/tools/ida-bench/Report.h - records, table, JSON --*- C++ -*-===//
//
// One record per (preset, shape, entry, implementation). Rates use the
// useful flops and minimum bytes of Workload.h; "percent of peak" is against
// the ceiling measured in the same run on the device the implementation ran
// on (CPU: the FMA loop, the better of all threads and one thread; CUDA:
// cuBLAS SGEMM when measured).
// Missing numbers (not measured, not applicable) are NaN here and null in
// the JSON.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TOOLS_IDA_BENCH_REPORT_H
#define IDA_RUNTIME_TOOLS_IDA_BENCH_REPORT_H

#include "runtime/bench/Ceilings.h"
#include "runtime/bench/GpuCeilings.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace ida::benchtool {

struct Record {
  std::string preset, bundle, shape, entry, implementation, device;
  int64_t B = 0, T = 0, H = 0;
  std::string status = "ok"; // ok, error
  std::string note;          // the error, or what was special
  std::vector<double> samplesMs, cpuMs;
  double ms = NAN, cpuMsMedian = NAN;
  double usefulFlops = NAN, minBytes = NAN;
  double gflops = NAN, gbPerS = NAN, percentOfPeak = NAN,
         percentOfBandwidth = NAN, peakGflops = NAN, speedupVsNaive = NAN;
  /// Useful flops per second of the process's CPU time, and that against
  /// one core's FMA peak per CPU second: the kernel's own efficiency, which
  /// neighbours on a shared machine do not lower (CPU records only).
  double gflopsPerCpuSecond = NAN, percentOfCorePeakCpuTime = NAN;
  double relErr = NAN;
  std::map<std::string, double> relErrByOutput;
  std::vector<std::string> unchecked;
  bool agrees = false;
  nlohmann::ordered_json config; // generated: the configuration per kernel
};

struct Ceilings {
  bench::FmaPeak fma, fmaOneThread;
  bench::CopyBandwidth copy;
  bench::GpuCeilings gpu;
};

struct MachineInfo {
  bench::CpuInfo cpu;
  int threads = 0;
  std::string date; // UTC, ISO 8601
  std::array<double, 3> loadStart{}, loadEnd{};
};

/// Fills the rates from ms, the counts and the ceiling of the record's
/// device.
void computeRates(Record &r, const Ceilings &c);

void printCeilings(std::ostream &os, const MachineInfo &m, const Ceilings &c);
void printTable(std::ostream &os, const std::vector<Record> &records);

nlohmann::ordered_json toJson(const MachineInfo &m, const Ceilings &c,
                              const std::vector<Record> &records,
                              const nlohmann::ordered_json &settings);

} // namespace ida::benchtool

#endif // IDA_RUNTIME_TOOLS_IDA_BENCH_REPORT_H

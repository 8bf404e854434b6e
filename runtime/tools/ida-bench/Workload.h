//===- runtime/tools/ida-bench/Workload.h - inputs and counts --*- C++ -*-===//
//
// One workload per (preset, shape): random inputs drawn once (the scales of
// the reference tests: q, k, v, dt, g ~ N(0, 1), A_log ~ U(-1, 1), dt_bias ~
// U(-0.5, 0.5)) and rounded to the dtype of the bundle buffer they feed, so
// the generated kernels, the unfused fp32 baseline and the float64 reference
// all see the same numbers. The float64 reference's outputs on them are the
// yardstick of every implementation's error (spec §9,
// ||out - ref|| / ||ref||).
//
// Useful flops (spec §5, docs/performance.md): per token and head
// 2C(F + N + P) + 4NFP for the forward, at the preset's chunk C (capped at
// T) whatever chunk a tuned kernel uses, so GFLOP/s compare like times; the
// backward counts twice the forward (each product of the forward has two
// operand gradients); a decode step 4NFP per head. Minimum bytes: every
// input read once plus every output written once, in the bundle's dtypes.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TOOLS_IDA_BENCH_WORKLOAD_H
#define IDA_RUNTIME_TOOLS_IDA_BENCH_WORKLOAD_H

#include "runtime/launcher/Launcher.h"
#include "runtime/reference/Reference.h"
#include "runtime/tools/ida-bench/BenchBundle.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ida::benchtool {

struct ShapeArg {
  int64_t B = 2, T = 2048, H = 4;
  std::string text() const; // "2,2048,4"
};
/// "B,T,H"; throws ida::Error naming the option otherwise.
ShapeArg parseShape(const std::string &text);

struct Workload {
  ShapeArg shape;
  ref::Config cfg;
  /// Sequence inputs; S0 (and Z0) are zero, present so that the reference
  /// backward reports the gradients of the initial state.
  ref::Inputs in;
  ref::Array dy;
  /// Decode: one token (T = 1) sharing in's parameters, and the state it
  /// starts from (the reference forward's final state, set by the caller).
  ref::Inputs token;
  ref::Array S, Z;
};

/// Throws ida::Error when the shape does not fit the bundle (static H).
Workload makeWorkload(const BenchBundle &b, const ShapeArg &shape,
                      uint64_t seed);

/// B, T, H of the shape plus the bundle's statics.
Bindings shapeBindings(const BenchBundle &b, const ShapeArg &shape);

/// The compiler names buffers per entry (decode's q may be q_1 or decode_q);
/// this strips that back to the spec's name.
std::string logicalName(const std::string &entry, const std::string &name);

/// The entry's inputs as host tensors of the manifest's dtypes and shapes.
/// Optional inputs without a workload value (S0, dS_T, ...) are left out.
TensorMap entryInputs(const BenchBundle &b, const Workload &w,
                      const std::string &entry);

/// Bytes of the given inputs plus every output of the entry.
double minBytes(const BenchBundle &b, const std::string &entry,
                const TensorMap &inputs, const Bindings &dims);
double usefulFlops(const PresetInfo &p, const ShapeArg &s,
                   const std::string &entry);

/// Named outputs in logical names, as doubles.
using NamedValues = std::map<std::string, std::vector<double>>;

struct Agreement {
  double maxRelErr = 0;
  std::map<std::string, double> perOutput;
  std::vector<std::string> unchecked; // outputs without a reference
};
/// ||out - ref|| / ||ref|| per output; an all-zero reference (dg with
/// uniform weights) is measured against the largest reference norm.
Agreement compare(const NamedValues &outputs,
                  const std::map<std::string, ref::Array> &reference);

std::vector<double> toDoubles(const std::vector<float> &v);

} // namespace ida::benchtool

#endif // IDA_RUNTIME_TOOLS_IDA_BENCH_WORKLOAD_H

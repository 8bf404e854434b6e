//===- runtime/nn/PresetBundle.h - a mixer's bundle from idac --*- C++ -*-===//
//
// Where ida-train's bundle core gets its kernels when the user gives no
// --bundle: the mixer configuration is written as `idac --preset` flags,
// which runtime/bundle/IdacBundle.h compiles into a cached bundle.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_PRESETBUNDLE_H
#define IDA_RUNTIME_NN_PRESETBUNDLE_H

#include "runtime/bundle/IdacBundle.h"
#include "runtime/nn/MixerConfig.h"

#include <string>
#include <vector>

namespace ida::nn {

/// The `idac --preset` flags of the mixer `cfg` (mixer, feature, feature-dim,
/// basis, basis-weights, chunk, heads, head-dim, value-dim, normalize), f32,
/// no decode entry, sources for `sourceTargets` (idac's --target: cpu or all).
/// Without -o and -q.
std::vector<std::string> presetArgs(const MixerConfig &cfg,
                                    const std::string &sourceTargets);

/// idac's --target for a run on `target` (auto, cpu, cuda): CUDA sources too
/// when this runtime has the CUDA backend and the user did not ask for the CPU.
std::string presetSourceTargets(const std::string &target);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_PRESETBUNDLE_H

//===- runtime/nn/MixerConfig.h - mixer kinds and state sizes ---*- C++ -*-===//
//
// The five mixers of ida-train are settings of one op (spec §7) plus causal
// attention. resolveMixer() maps a kind and the user's flags to the op's
// attributes and to which inputs are projected or frozen:
//
//   ida      softmax basis weights over g (projected), feature KIND, N basis
//   ssm      uniform basis weights (g unused), the same feature KIND, N, F:
//            the matched-state ablation with no query-conditioned read
//   mamba2   N = 1, identity features, uniform weights (Mamba-2 / SSD)
//   linear   N = 1, elu1 features, normalize, no decay (A_log = -inf, frozen)
//            and a constant unit step (dt not projected, dt_bias frozen at
//            softplus^-1(1)), i.e. Katharopoulos et al.'s linear attention
//   softmax  causal softmax attention, scale 1/sqrt(D): the reference mixer
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_MIXERCONFIG_H
#define IDA_RUNTIME_NN_MIXERCONFIG_H

#include "runtime/nn/MixerCore.h"

#include <cstdint>
#include <string>

namespace ida::nn {

enum class MixerKind { Ida, Ssm, Mamba2, Linear, Softmax };

/// "ida", "ssm", "mamba2", "linear", "softmax"; throws std::invalid_argument
/// listing the accepted names otherwise.
MixerKind parseMixerKind(const std::string &name);
const char *mixerKindName(MixerKind kind);

/// What the user asked for (before resolution).
struct MixerOptions {
  MixerKind kind = MixerKind::Ida;
  int64_t heads = 4;
  int64_t headDim = 0;  // D; 0 = d_model / heads
  int64_t valueDim = 0; // P; 0 = d_model / heads
  int64_t basis = 4;    // N (ida, ssm)
  ref::FeatureKind feature = ref::FeatureKind::Elu1; // (ida, ssm)
  int64_t featureParam = 16; // F' for prf / hedgehog
  int64_t chunk = 64;
  int64_t convKernel = 4; // short causal depthwise conv before the projections; 0 = off
  bool normalize = false; // ida/ssm/mamba2 only; linear always normalizes
};

/// The mixer after resolution: everything the layer and the core need.
struct MixerConfig {
  MixerKind kind = MixerKind::Ida;
  int64_t dModel = 0, H = 0, D = 0, P = 0, N = 1, F = 0;
  int64_t convKernel = 0;
  CoreSpec core;
  bool projectDt = true;     // dt is a projection of x (else zeros)
  bool projectG = true;      // g is a projection of x (softmax/sigmoid weights)
  bool trainDecay = true;    // A_log and dt_bias are trained (else frozen)
  bool hasFeatureWeights = false; // W [H, F', D]
};

/// Validates and resolves; throws std::invalid_argument with a one-line
/// message (unknown sizes, a state that cannot be allocated, ...).
MixerConfig resolveMixer(const MixerOptions &opt, int64_t dModel);

/// Numbers a mixer keeps per head while decoding: N*F*P for the IDA family,
/// the key/value cache T*(D+P) for attention at sequence length seqLen.
int64_t stateSizePerHead(const MixerConfig &cfg, int64_t seqLen);
inline int64_t stateSizePerLayer(const MixerConfig &cfg, int64_t seqLen) {
  return cfg.H * stateSizePerHead(cfg, seqLen);
}

/// Width of the fused input projection x -> [q | k | v | dt | g].
int64_t projectionWidth(const MixerConfig &cfg);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_MIXERCONFIG_H

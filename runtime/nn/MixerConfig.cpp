//===- runtime/nn/MixerConfig.cpp - mixer kinds and state sizes -----------===//
#include "runtime/nn/MixerConfig.h"

#include <stdexcept>

namespace ida::nn {

MixerKind parseMixerKind(const std::string &name) {
  if (name == "ida")
    return MixerKind::Ida;
  if (name == "ssm")
    return MixerKind::Ssm;
  if (name == "mamba2")
    return MixerKind::Mamba2;
  if (name == "linear")
    return MixerKind::Linear;
  if (name == "softmax")
    return MixerKind::Softmax;
  throw std::invalid_argument("unknown mixer '" + name +
                              "' (expected ida, ssm, mamba2, linear or softmax)");
}

const char *mixerKindName(MixerKind kind) {
  switch (kind) {
  case MixerKind::Ida: return "ida";
  case MixerKind::Ssm: return "ssm";
  case MixerKind::Mamba2: return "mamba2";
  case MixerKind::Linear: return "linear";
  case MixerKind::Softmax: return "softmax";
  }
  return "?";
}

namespace {
void requireAtLeast(const char *what, int64_t v, int64_t lo) {
  if (v < lo)
    throw std::invalid_argument(std::string(what) + " must be >= " +
                                std::to_string(lo) + ", got " +
                                std::to_string(v));
}
} // namespace

MixerConfig resolveMixer(const MixerOptions &opt, int64_t dModel) {
  requireAtLeast("d-model", dModel, 1);
  requireAtLeast("heads", opt.heads, 1);
  MixerConfig c;
  c.kind = opt.kind;
  c.dModel = dModel;
  c.H = opt.heads;
  if ((opt.headDim == 0 || opt.valueDim == 0) && dModel % opt.heads != 0)
    throw std::invalid_argument("d-model " + std::to_string(dModel) +
                                " is not divisible by heads " +
                                std::to_string(opt.heads) +
                                " (or give --head-dim and --value-dim)");
  c.D = opt.headDim ? opt.headDim : dModel / opt.heads;
  c.P = opt.valueDim ? opt.valueDim : dModel / opt.heads;
  requireAtLeast("head-dim", c.D, 1);
  requireAtLeast("value-dim", c.P, 1);
  requireAtLeast("chunk", opt.chunk, 1);
  requireAtLeast("conv", opt.convKernel, 0);
  c.convKernel = opt.convKernel;
  c.core.chunk = opt.chunk;

  ref::Config &ic = c.core.ida;
  switch (opt.kind) {
  case MixerKind::Softmax:
    c.core.attention = true;
    c.N = 0;
    c.F = c.D;
    c.projectDt = c.projectG = c.trainDecay = false;
    return c;
  case MixerKind::Ida:
  case MixerKind::Ssm:
    requireAtLeast("basis", opt.basis, 1);
    c.N = opt.basis;
    ic.feature = opt.feature;
    ic.featureParam = opt.featureParam;
    ic.basisWeights = opt.kind == MixerKind::Ida ? ref::BasisWeights::Softmax
                                                 : ref::BasisWeights::Uniform;
    ic.normalize = opt.normalize;
    c.projectG = opt.kind == MixerKind::Ida;
    break;
  case MixerKind::Mamba2:
    c.N = 1;
    ic.feature = ref::FeatureKind::Identity;
    ic.basisWeights = ref::BasisWeights::Uniform;
    ic.normalize = opt.normalize;
    c.projectG = false;
    break;
  case MixerKind::Linear:
    c.N = 1;
    ic.feature = ref::FeatureKind::Elu1;
    ic.basisWeights = ref::BasisWeights::Uniform;
    ic.normalize = true;
    c.projectG = false;
    c.projectDt = false;
    c.trainDecay = false;
    break;
  }
  if (ref::featureHasWeights(ic.feature))
    requireAtLeast("feature-dim", ic.featureParam, 1);
  c.hasFeatureWeights = ref::featureHasWeights(ic.feature);
  c.F = ref::featureDim(ic.feature, c.D, ic.featureParam);
  // The state is materialised per (batch, head) by every core; refuse sizes
  // that cannot be held (taylor2 grows as D^2) before allocating anything.
  const double perHead = double(c.N) * double(c.F) * double(c.P);
  if (perHead > double(1LL << 26))
    throw std::invalid_argument(
        "state cannot fit: N*F*P = " + std::to_string(c.N) + "*" +
        std::to_string(c.F) + "*" + std::to_string(c.P) +
        " numbers per head exceeds 2^26 (reduce --basis, --feature-dim or the head size)");
  return c;
}

int64_t stateSizePerHead(const MixerConfig &cfg, int64_t seqLen) {
  if (cfg.core.attention)
    return seqLen * (cfg.D + cfg.P);
  return cfg.N * cfg.F * cfg.P;
}

int64_t projectionWidth(const MixerConfig &cfg) {
  int64_t w = cfg.H * (2 * cfg.D + cfg.P);
  if (cfg.projectDt)
    w += cfg.H;
  if (cfg.projectG)
    w += cfg.H * cfg.N;
  return w;
}

} // namespace ida::nn

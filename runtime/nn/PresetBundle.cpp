//===- runtime/nn/PresetBundle.cpp - a mixer's bundle from idac -----------===//
#include "runtime/nn/PresetBundle.h"

#include "runtime/support/Error.h"

namespace ida::nn {

std::vector<std::string> presetArgs(const MixerConfig &cfg,
                                    const std::string &sourceTargets) {
  // "--preset --mixer NAME", not "--preset NAME": idac reads the latter's
  // NAME as a positional argument and takes it for a graph file when a file
  // of that name exists in the working directory.
  std::vector<std::string> a = {"--preset", "--mixer", mixerKindName(cfg.kind)};
  auto add = [&](const char *flag, const std::string &value) {
    a.push_back(flag);
    a.push_back(value);
  };
  if (!cfg.core.attention) {
    // Every op attribute is spelled out rather than left to the preset's
    // defaults, so the bundle depends on the model's flags alone.
    const ref::Config &ic = cfg.core.ida;
    add("--feature", ref::featureKindName(ic.feature));
    if (ref::featureHasWeights(ic.feature))
      add("--feature-dim", std::to_string(ic.featureParam));
    add("--basis", std::to_string(cfg.N));
    add("--basis-weights", ref::basisWeightsName(ic.basisWeights));
    add("--chunk", std::to_string(cfg.core.chunk));
  }
  add("--heads", std::to_string(cfg.H));
  add("--head-dim", std::to_string(cfg.D));
  add("--value-dim", std::to_string(cfg.P));
  if (!cfg.core.attention && cfg.core.ida.normalize)
    a.push_back("--normalize");
  add("--dtype", "f32");
  if (!cfg.core.attention)
    a.push_back("--no-decode"); // training runs forward and forward_vjp only
  add("--target", sourceTargets);
  return a;
}

std::string presetSourceTargets(const std::string &target) {
#ifdef IDA_WITH_CUDA
  return target == "cpu" ? "cpu" : "all";
#else
  (void)target;
  return "cpu";
#endif
}

} // namespace ida::nn

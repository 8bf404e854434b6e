//===- runtime/reference/Options.cpp - option names and feature sizes -----===//
#include "runtime/reference/Reference.h"

#include <stdexcept>

namespace ida::ref {

namespace {
struct FeatureName {
  FeatureKind kind;
  const char *name;
};
constexpr FeatureName kFeatureNames[] = {
    {FeatureKind::Identity, "identity"}, {FeatureKind::Elu1, "elu1"},
    {FeatureKind::Relu, "relu"},         {FeatureKind::Taylor2, "taylor2"},
    {FeatureKind::Prf, "prf"},           {FeatureKind::Hedgehog, "hedgehog"}};

struct BasisName {
  BasisWeights kind;
  const char *name;
};
constexpr BasisName kBasisNames[] = {{BasisWeights::Softmax, "softmax"},
                                     {BasisWeights::Sigmoid, "sigmoid"},
                                     {BasisWeights::Uniform, "uniform"}};
} // namespace

FeatureKind parseFeatureKind(const std::string &name) {
  std::string accepted;
  for (const auto &entry : kFeatureNames) {
    if (name == entry.name)
      return entry.kind;
    accepted += accepted.empty() ? "" : ", ";
    accepted += entry.name;
  }
  throw std::invalid_argument("feature: unknown feature map '" + name +
                              "'; accepted: " + accepted);
}

const char *featureKindName(FeatureKind kind) {
  for (const auto &entry : kFeatureNames)
    if (entry.kind == kind)
      return entry.name;
  return "?";
}

BasisWeights parseBasisWeights(const std::string &name) {
  std::string accepted;
  for (const auto &entry : kBasisNames) {
    if (name == entry.name)
      return entry.kind;
    accepted += accepted.empty() ? "" : ", ";
    accepted += entry.name;
  }
  throw std::invalid_argument("basis_weights: unknown kind '" + name +
                              "'; accepted: " + accepted);
}

const char *basisWeightsName(BasisWeights kind) {
  for (const auto &entry : kBasisNames)
    if (entry.kind == kind)
      return entry.name;
  return "?";
}

bool featureHasWeights(FeatureKind kind) {
  return kind == FeatureKind::Prf || kind == FeatureKind::Hedgehog;
}

int64_t featureDim(FeatureKind kind, int64_t D, int64_t featureParam) {
  if (featureHasWeights(kind) && featureParam < 1)
    throw std::invalid_argument(
        std::string("featureParam: ") + featureKindName(kind) +
        " needs F' >= 1 (W is [H, F', D]), got " + std::to_string(featureParam));
  switch (kind) {
  case FeatureKind::Identity:
  case FeatureKind::Elu1:
  case FeatureKind::Relu:
    return D;
  case FeatureKind::Taylor2:
    return 1 + D + D * D;
  case FeatureKind::Prf:
    return featureParam;
  case FeatureKind::Hedgehog:
    return 2 * featureParam;
  }
  return 0;
}

} // namespace ida::ref

//===- tests/unit/reference/TestSupport.h - random inputs and norms -------===//
//
// Fresh random inputs for the reference tests (seeded std::mt19937_64, never
// zeros) and the error measure of spec §9, ||out - ref|| / ||ref||.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_REFERENCE_TESTSUPPORT_H
#define IDA_TESTS_UNIT_REFERENCE_TESTSUPPORT_H

#include "runtime/reference/Reference.h"

#include <cmath>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace ida::ref {
/// Readable test names in gtest output ("prf/sigmoid/normalize").
inline void PrintTo(const Config &cfg, std::ostream *os) {
  *os << featureKindName(cfg.feature) << "/" << basisWeightsName(cfg.basisWeights)
      << (cfg.normalize ? "/normalize" : "");
}
} // namespace ida::ref

namespace ida::ref::test {

struct Shape {
  int64_t B = 2, T = 7, H = 2, D = 3, P = 2, N = 3, featureParam = 4;
};

struct Fill {
  bool withS0 = true;
  bool withZ0 = true; // only used with normalize
};

class Random {
public:
  explicit Random(uint64_t seed) : gen_(seed) {}
  double normal() { return normal_(gen_); }
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(gen_);
  }
  Array normalArray(std::vector<int64_t> shape, double mean = 0.0,
                    double stddev = 1.0) {
    Array a(std::move(shape));
    for (double &x : a.data)
      x = mean + stddev * normal();
    return a;
  }
  Array uniformArray(std::vector<int64_t> shape, double lo, double hi) {
    Array a(std::move(shape));
    for (double &x : a.data)
      x = uniform(lo, hi);
    return a;
  }

private:
  std::mt19937_64 gen_;
  std::normal_distribution<double> normal_{0.0, 1.0};
};

/// Inputs for spec §2 shapes. With normalize, identity/relu inputs get a
/// positive mean and Z0 is a positive mix of feature vectors, so the
/// denominator sum_n gamma Z.Q stays well away from zero (the normalized
/// output is ill-conditioned near a vanishing denominator, for any code).
inline Inputs randomInputs(const Config &cfg, const Shape &s, uint64_t seed,
                           Fill fill = {}) {
  Random r(seed);
  const int64_t F = featureDim(cfg.feature, s.D, s.featureParam);
  const bool shiftPositive =
      cfg.normalize && (cfg.feature == FeatureKind::Identity ||
                        cfg.feature == FeatureKind::Relu);
  const double mean = shiftPositive ? 1.0 : 0.0;
  const double spread = shiftPositive ? 0.4 : 1.0;
  Inputs in;
  in.q = r.normalArray({s.B, s.T, s.H, s.D}, mean, spread);
  in.k = r.normalArray({s.B, s.T, s.H, s.D}, mean, spread);
  in.v = r.normalArray({s.B, s.T, s.H, s.P});
  in.dt = r.normalArray({s.B, s.T, s.H});
  in.g = r.normalArray({s.B, s.T, s.H, s.N});
  in.A_log = r.uniformArray({s.H, s.N}, -1.0, 1.0);
  in.dt_bias = r.uniformArray({s.H}, -0.5, 0.5);
  if (featureHasWeights(cfg.feature))
    in.W = r.normalArray({s.H, s.featureParam, s.D}, 0.0,
                         1.0 / std::sqrt(static_cast<double>(s.D)));
  if (fill.withS0)
    in.S0 = r.normalArray({s.B, s.H, s.N, F, s.P});
  if (cfg.normalize && fill.withZ0) {
    Array Z0({s.B, s.H, s.N, F});
    for (int64_t bhn = 0; bhn < s.B * s.H * s.N; ++bhn) {
      const int64_t h = (bhn / s.N) % s.H;
      const double *Wh =
          in.W ? in.W->data.data() + h * s.featureParam * s.D : nullptr;
      for (int mix = 0; mix < 3; ++mix) {
        std::vector<double> x(s.D);
        for (double &xi : x)
          xi = mean + spread * r.normal();
        const double c = r.uniform(0.5, 1.0);
        std::vector<double> phi =
            featureMap(cfg.feature, x.data(), s.D, Wh, s.featureParam);
        for (int64_t f = 0; f < F; ++f)
          Z0.data[bhn * F + f] += c * phi[f];
      }
    }
    in.Z0 = Z0;
  }
  return in;
}

inline double norm(const std::vector<double> &a) {
  double s = 0;
  for (double x : a)
    s += x * x;
  return std::sqrt(s);
}

/// ||out - ref|| / ||ref|| (spec §9); requires equal sizes.
inline double relError(const Array &out, const Array &ref) {
  if (out.data.size() != ref.data.size())
    return INFINITY;
  double diff = 0, base = 0;
  for (size_t i = 0; i < ref.data.size(); ++i) {
    diff += (out.data[i] - ref.data[i]) * (out.data[i] - ref.data[i]);
    base += ref.data[i] * ref.data[i];
  }
  return base == 0 ? std::sqrt(diff) : std::sqrt(diff / base);
}

inline std::string describe(const Config &cfg) {
  return std::string(featureKindName(cfg.feature)) + "/" +
         basisWeightsName(cfg.basisWeights) +
         (cfg.normalize ? "/normalize" : "");
}

inline const FeatureKind kAllFeatures[] = {
    FeatureKind::Identity, FeatureKind::Elu1, FeatureKind::Relu,
    FeatureKind::Taylor2,  FeatureKind::Prf,  FeatureKind::Hedgehog};
inline const BasisWeights kAllBasis[] = {
    BasisWeights::Softmax, BasisWeights::Sigmoid, BasisWeights::Uniform};

inline Config makeConfig(FeatureKind f, BasisWeights bw, bool normalize,
                         int64_t featureParam = 4) {
  Config cfg;
  cfg.feature = f;
  cfg.featureParam = featureHasWeights(f) ? featureParam : 0;
  cfg.basisWeights = bw;
  cfg.normalize = normalize;
  return cfg;
}

/// Every (feature, basis weights, normalize) combination, for parametrized
/// suites.
inline std::vector<Config> allConfigs(int64_t featureParam = 4) {
  std::vector<Config> out;
  for (FeatureKind f : kAllFeatures)
    for (BasisWeights bw : kAllBasis)
      for (bool normalize : {false, true})
        out.push_back(makeConfig(f, bw, normalize, featureParam));
  return out;
}

inline std::string configTestName(const Config &cfg) {
  return std::string(featureKindName(cfg.feature)) + "_" +
         basisWeightsName(cfg.basisWeights) +
         (cfg.normalize ? "_normalize" : "_plain");
}

} // namespace ida::ref::test

#endif // IDA_TESTS_UNIT_REFERENCE_TESTSUPPORT_H

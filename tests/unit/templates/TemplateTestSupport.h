//===- tests/unit/templates/TemplateTestSupport.h - kernel test harness ---===//
//
// Runs kernel programs compiled straight from templates/ (CPU tile API) over
// their grid with a plain loop, and compares them with the float64 reference
// (runtime/reference) on fresh random inputs using spec §9's measure
// ||out - ref|| / ||ref||.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_TEMPLATES_TEMPLATETESTSUPPORT_H
#define IDA_TESTS_UNIT_TEMPLATES_TEMPLATETESTSUPPORT_H

#include "tests/unit/templates/TemplateIncludes.h"
#include "runtime/reference/RandomArrays.h"
#include "runtime/reference/Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <random>
#include <vector>

namespace ida::tmpl::test {

namespace ref = ida::ref;

/// Static parameters in the shape the codegen generates (scan_params.h).
template <int D_, int F_, int Fp_, int N_, int P_, int feature_, int basis_,
          bool normalize_, bool has_S0_ = true, bool has_ST_ = true>
struct Params {
  static constexpr int D = D_, F = F_, Fp = Fp_, N = N_, P = P_;
  static constexpr int feature = feature_, basis = basis_;
  static constexpr bool normalize = normalize_, has_S0 = has_S0_, has_ST = has_ST_;
  using in_t = float;
};

template <class P> ref::Config refConfig() {
  ref::Config c;
  static const ref::FeatureKind kinds[] = {
      ref::FeatureKind::Identity, ref::FeatureKind::Elu1, ref::FeatureKind::Relu,
      ref::FeatureKind::Taylor2,  ref::FeatureKind::Prf,  ref::FeatureKind::Hedgehog};
  static const ref::BasisWeights bases[] = {ref::BasisWeights::Softmax,
                                            ref::BasisWeights::Sigmoid,
                                            ref::BasisWeights::Uniform};
  c.feature = kinds[P::feature];
  c.featureParam = P::Fp;
  c.basisWeights = bases[P::basis];
  c.normalize = P::normalize;
  return c;
}

using Random = ref::RandomArrays;

/// Fresh random inputs. With normalize, features are kept positive-ish so the
/// denominator is well conditioned (positive Z0 and shifted q, k for the
/// kinds that are not positive by construction).
template <class P>
ref::Inputs randomInputs(int64_t B, int64_t T, int64_t H, bool withS0, uint64_t seed) {
  Random r(seed);
  const bool shift = P::normalize && (P::feature == IDA_FEATURE_IDENTITY ||
                                      P::feature == IDA_FEATURE_RELU ||
                                      P::feature == IDA_FEATURE_TAYLOR2);
  const double mean = shift ? 1.0 : 0.0, sd = shift ? 0.4 : 0.8;
  ref::Inputs in;
  in.q = r.normal({B, T, H, P::D}, mean, sd);
  in.k = r.normal({B, T, H, P::D}, mean, sd);
  in.v = r.normal({B, T, H, P::P});
  in.dt = r.normal({B, T, H});
  in.g = r.normal({B, T, H, P::N});
  in.A_log = r.uniform({H, P::N}, -1.5, 0.5);
  in.dt_bias = r.uniform({H}, -0.5, 0.5);
  if (P::Fp > 0)
    in.W = r.normal({H, P::Fp, P::D}, 0.0, 1.0 / std::sqrt((double)P::D));
  if (withS0) {
    in.S0 = r.normal({B, H, P::N, P::F, P::P}, 0.0, 0.5);
    if (P::normalize)
      in.Z0 = r.uniform({B, H, P::N, P::F}, 0.5, 1.5);
  }
  return in;
}

inline std::vector<float> toFloat(const ref::Array &a) {
  return std::vector<float>(a.data.begin(), a.data.end());
}

/// ||out - ref|| / ||ref||.
inline double relErr(const std::vector<float> &out, const ref::Array &r) {
  EXPECT_EQ(out.size(), r.data.size());
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < out.size() && i < r.data.size(); ++i) {
    const double d = (double)out[i] - r.data[i];
    num += d * d;
    den += r.data[i] * r.data[i];
  }
  return std::sqrt(num) / (den > 0.0 ? std::sqrt(den) : 1.0);
}

/// Float copies of the inputs that stay alive while a kernel runs.
struct DeviceInputs {
  std::vector<float> q, k, v, dt, g, A_log, dt_bias, W, S0, Z0;
  explicit DeviceInputs(const ref::Inputs &in)
      : q(toFloat(in.q)), k(toFloat(in.k)), v(toFloat(in.v)), dt(toFloat(in.dt)),
        g(toFloat(in.g)), A_log(toFloat(in.A_log)), dt_bias(toFloat(in.dt_bias)) {
    if (in.W) W = toFloat(*in.W);
    if (in.S0) S0 = toFloat(*in.S0);
    if (in.Z0) Z0 = toFloat(*in.Z0);
  }
};

inline void *ptrOrNull(std::vector<float> &v) { return v.empty() ? nullptr : v.data(); }

/// Runs every program of a grid, x fastest (what the generated wrapper does).
template <class Prog> void runGrid(const IdaKernelArgs &a) {
  for (int64_t z = 0; z < a.grid[2]; ++z)
    for (int64_t y = 0; y < a.grid[1]; ++y)
      for (int64_t x = 0; x < a.grid[0]; ++x)
        Prog::run(a, x, y, z);
}

/// Reports and checks one relative error.
inline void expectClose(const char *what, double err, double tol = 1e-5) {
  EXPECT_LE(err, tol) << what;
  std::printf("    %-10s rel err %.3e\n", what, err);
}

} // namespace ida::tmpl::test

#endif // IDA_TESTS_UNIT_TEMPLATES_TEMPLATETESTSUPPORT_H

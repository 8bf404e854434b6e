//===- tests/unit/reference/GradientTest.cpp - backward vs finite diffs ---===//
//
// Every gradient of ida::ref::backward against central finite differences of
// ida::ref::forward, entry by entry over the full Jacobian-vector product
// (each input entry perturbed on its own), for every feature kind x basis
// weights x normalize, with and without incoming dS_T / dZ_T.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>

namespace ida::ref::test {
namespace {

constexpr double kStep = 1e-5;      // central difference: O(h^2) ~ 1e-10 error
constexpr double kTolerance = 1e-6; // ||fd - analytic|| / ||fd||

double worstRelError = 0; // reported once at the end of the suite

double dot(const Array &a, const Array &b) {
  double s = 0;
  for (size_t i = 0; i < a.data.size(); ++i)
    s += a.data[i] * b.data[i];
  return s;
}

/// The scalar whose gradient backward() computes for cotangents `ct`.
double lossOf(const Config &cfg, const Inputs &in, const Cotangents &ct) {
  const Outputs out = forward(cfg, in);
  double l = dot(ct.dy, out.y);
  if (ct.dS_T)
    l += dot(*ct.dS_T, out.S_T);
  if (ct.dZ_T)
    l += dot(*ct.dZ_T, out.Z_T);
  return l;
}

/// Compares `analytic` with central differences over every entry of the
/// input selected by `pick`.
void expectGradientMatches(const std::string &name, const Config &cfg,
                           const Inputs &in, const Cotangents &ct,
                           const std::function<Array &(Inputs &)> &pick,
                           const Array &analytic) {
  Inputs probe = in;
  Array &x = pick(probe);
  ASSERT_EQ(analytic.shape, x.shape) << name;
  Array fd(x.shape);
  for (size_t i = 0; i < x.data.size(); ++i) {
    const double keep = x.data[i];
    x.data[i] = keep + kStep;
    const double up = lossOf(cfg, probe, ct);
    x.data[i] = keep - kStep;
    const double down = lossOf(cfg, probe, ct);
    x.data[i] = keep;
    fd.data[i] = (up - down) / (2 * kStep);
  }
  double fdMax = 0, entryMax = 0;
  for (size_t i = 0; i < fd.data.size(); ++i) {
    fdMax = std::max(fdMax, std::abs(fd.data[i]));
    entryMax = std::max(entryMax, std::abs(fd.data[i] - analytic.data[i]));
  }
  if (fdMax == 0) { // e.g. dg with uniform weights: must be exactly zero
    EXPECT_EQ(norm(analytic.data), 0.0) << name << " should vanish";
    return;
  }
  const double rel = relError(analytic, fd);
  worstRelError = std::max(worstRelError, rel);
  EXPECT_LE(rel, kTolerance) << name << " (" << describe(cfg) << ")";
  EXPECT_LE(entryMax, kTolerance * fdMax) << name << " worst entry";
}

class GradientTest : public ::testing::TestWithParam<Config> {
public:
  static void TearDownTestSuite() {
    std::printf("[ reference ] worst FD relative gradient error: %.3e\n",
                worstRelError);
  }
};

void checkAllGradients(const Config &cfg, uint64_t seed, bool withStateCotangent) {
  const Shape s; // B=2, T=7, H=2, D=3, P=2, N=3, F'=4
  const Inputs in = randomInputs(cfg, s, seed);
  const Dims d = checkInputs(cfg, in);
  Random r(seed ^ 0x5eedULL);
  Cotangents ct;
  ct.dy = r.normalArray({d.B, d.T, d.H, d.P});
  if (withStateCotangent) {
    ct.dS_T = r.normalArray({d.B, d.H, d.N, d.F, d.P});
    if (cfg.normalize)
      ct.dZ_T = r.normalArray({d.B, d.H, d.N, d.F});
  }
  const Gradients gr = backward(cfg, in, ct);

  expectGradientMatches("dq", cfg, in, ct, [](Inputs &i) -> Array & { return i.q; }, gr.dq);
  expectGradientMatches("dk", cfg, in, ct, [](Inputs &i) -> Array & { return i.k; }, gr.dk);
  expectGradientMatches("dv", cfg, in, ct, [](Inputs &i) -> Array & { return i.v; }, gr.dv);
  expectGradientMatches("ddt", cfg, in, ct, [](Inputs &i) -> Array & { return i.dt; }, gr.ddt);
  expectGradientMatches("dg", cfg, in, ct, [](Inputs &i) -> Array & { return i.g; }, gr.dg);
  expectGradientMatches("dA_log", cfg, in, ct, [](Inputs &i) -> Array & { return i.A_log; }, gr.dA_log);
  expectGradientMatches("ddt_bias", cfg, in, ct, [](Inputs &i) -> Array & { return i.dt_bias; }, gr.ddt_bias);
  expectGradientMatches("dS0", cfg, in, ct, [](Inputs &i) -> Array & { return *i.S0; }, gr.dS0);
  if (in.W)
    expectGradientMatches("dW", cfg, in, ct, [](Inputs &i) -> Array & { return *i.W; }, gr.dW);
  else
    EXPECT_TRUE(gr.dW.data.empty());
  if (in.Z0)
    expectGradientMatches("dZ0", cfg, in, ct, [](Inputs &i) -> Array & { return *i.Z0; }, gr.dZ0);
  else
    EXPECT_TRUE(gr.dZ0.data.empty());
}

TEST_P(GradientTest, MatchesFiniteDifferencesWithStateCotangent) {
  checkAllGradients(GetParam(), 11, /*withStateCotangent=*/true);
}

TEST_P(GradientTest, MatchesFiniteDifferencesWithoutStateCotangent) {
  checkAllGradients(GetParam(), 29, /*withStateCotangent=*/false);
}

INSTANTIATE_TEST_SUITE_P(AllOptions, GradientTest,
                         ::testing::ValuesIn(allConfigs()),
                         [](const auto &p) { return configTestName(p.param); });

TEST(GradientShapes, AbsentOptionalInputsGiveEmptyGradients) {
  const Config cfg = makeConfig(FeatureKind::Elu1, BasisWeights::Softmax, true);
  const Inputs in = randomInputs(cfg, Shape{}, 3, Fill{false, false});
  Cotangents ct;
  ct.dy = Random(4).normalArray(in.v.shape);
  const Gradients gr = backward(cfg, in, ct);
  EXPECT_TRUE(gr.dS0.data.empty());
  EXPECT_TRUE(gr.dZ0.data.empty());
  EXPECT_TRUE(gr.dW.data.empty());
  EXPECT_EQ(gr.dq.shape, in.q.shape);
}

TEST(GradientShapes, NoDecayHasFiniteGradientsAndZeroDALog) {
  // A_log = -inf (lambda = 0): the other gradients are still exact and the
  // A_log gradient is 0 rather than 0 * inf = NaN.
  const Config cfg = makeConfig(FeatureKind::Elu1, BasisWeights::Sigmoid, true);
  Inputs in = randomInputs(cfg, Shape{}, 57);
  for (double &a : in.A_log.data)
    a = -INFINITY;
  Cotangents ct;
  ct.dy = Random(58).normalArray(in.v.shape);
  const Gradients gr = backward(cfg, in, ct);
  for (double x : gr.dA_log.data)
    EXPECT_EQ(x, 0.0);
  expectGradientMatches("ddt", cfg, in, ct, [](Inputs &i) -> Array & { return i.dt; }, gr.ddt);
  expectGradientMatches("dk", cfg, in, ct, [](Inputs &i) -> Array & { return i.k; }, gr.dk);
  expectGradientMatches("dZ0", cfg, in, ct, [](Inputs &i) -> Array & { return *i.Z0; }, gr.dZ0);
}

TEST(GradientShapes, OtherShapesAndSeeds) {
  // Larger N and F', odd sizes, a different seed: the FD check again on a
  // few representative options.
  Shape s;
  s.B = 1, s.T = 5, s.H = 3, s.D = 2, s.P = 3, s.N = 4, s.featureParam = 3;
  for (const Config &cfg :
       {makeConfig(FeatureKind::Prf, BasisWeights::Sigmoid, true, 3),
        makeConfig(FeatureKind::Hedgehog, BasisWeights::Softmax, false, 3),
        makeConfig(FeatureKind::Taylor2, BasisWeights::Uniform, true, 3)}) {
    for (uint64_t seed : {101u, 202u}) {
      const Inputs in = randomInputs(cfg, s, seed);
      const Dims d = checkInputs(cfg, in);
      Random r(seed + 1);
      Cotangents ct;
      ct.dy = r.normalArray({d.B, d.T, d.H, d.P});
      ct.dS_T = r.normalArray({d.B, d.H, d.N, d.F, d.P});
      const Gradients gr = backward(cfg, in, ct);
      expectGradientMatches("dq", cfg, in, ct, [](Inputs &i) -> Array & { return i.q; }, gr.dq);
      expectGradientMatches("dA_log", cfg, in, ct, [](Inputs &i) -> Array & { return i.A_log; }, gr.dA_log);
      expectGradientMatches("dS0", cfg, in, ct, [](Inputs &i) -> Array & { return *i.S0; }, gr.dS0);
      if (in.W)
        expectGradientMatches("dW", cfg, in, ct, [](Inputs &i) -> Array & { return *i.W; }, gr.dW);
    }
  }
}

} // namespace
} // namespace ida::ref::test

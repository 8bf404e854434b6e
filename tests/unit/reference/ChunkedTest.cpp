//===- tests/unit/reference/ChunkedTest.cpp - chunked == recurrent --------===//
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

namespace ida::ref::test {
namespace {

constexpr double kTolerance = 1e-12; // float64 rounding only
double worstRelError = 0;

class ChunkedTest : public ::testing::TestWithParam<Config> {
public:
  static void TearDownTestSuite() {
    std::printf("[ reference ] worst chunked vs recurrent relative error: %.3e\n",
                worstRelError);
  }
};

TEST_P(ChunkedTest, MatchesRecurrentForEveryChunkLength) {
  const Config cfg = GetParam();
  Shape s;
  s.B = 2, s.T = 70, s.H = 2, s.D = 3, s.P = 3, s.N = 3, s.featureParam = 5;
  for (uint64_t seed : {7u, 8u}) {
    const Inputs in = randomInputs(cfg, s, seed, Fill{seed == 7, seed == 7});
    const Outputs ref = forward(cfg, in);
    for (int64_t C : {1, 3, 16, 64}) { // 70 is no multiple of 3, 16 or 64
      const Outputs got = forwardChunked(cfg, in, C);
      const double ey = relError(got.y, ref.y), es = relError(got.S_T, ref.S_T);
      worstRelError = std::max({worstRelError, ey, es});
      EXPECT_LE(ey, kTolerance) << "y, C=" << C << " " << describe(cfg);
      EXPECT_LE(es, kTolerance) << "S_T, C=" << C << " " << describe(cfg);
      if (cfg.normalize) {
        const double ez = relError(got.Z_T, ref.Z_T);
        worstRelError = std::max(worstRelError, ez);
        EXPECT_LE(ez, kTolerance) << "Z_T, C=" << C;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOptions, ChunkedTest, ::testing::ValuesIn(allConfigs(5)),
                         [](const auto &p) { return configTestName(p.param); });

TEST(ChunkedStrongDecay, StaysFiniteWhereRatiosWouldOverflow) {
  // loga ~ -40 per step: over a 64-step chunk exp(L) underflows to 0 and
  // exp(-L) overflows, so only the difference form gives the right answer.
  const Config cfg = makeConfig(FeatureKind::Elu1, BasisWeights::Softmax, true);
  Shape s;
  s.T = 150;
  Inputs in = randomInputs(cfg, s, 5);
  for (double &a : in.A_log.data)
    a = 3.0; // lambda ~ 20
  for (double &b : in.dt_bias.data)
    b = 2.0;
  const Outputs ref = forward(cfg, in);
  const Outputs got = forwardChunked(cfg, in, 64);
  for (double y : got.y.data)
    ASSERT_TRUE(std::isfinite(y));
  EXPECT_LE(relError(got.y, ref.y), kTolerance);
  EXPECT_LE(relError(got.S_T, ref.S_T), kTolerance);
}

TEST(ChunkedNoDecay, LambdaZeroMatchesRecurrent) {
  const Config cfg = makeConfig(FeatureKind::Elu1, BasisWeights::Uniform, false);
  Inputs in = randomInputs(cfg, Shape{}, 9);
  for (double &a : in.A_log.data)
    a = -INFINITY; // lambda = 0: no decay
  const Outputs ref = forward(cfg, in);
  EXPECT_LE(relError(forwardChunked(cfg, in, 3).y, ref.y), kTolerance);
}

TEST(ChunkedArguments, RejectsNonPositiveChunk) {
  const Config cfg = makeConfig(FeatureKind::Elu1, BasisWeights::Softmax, false);
  const Inputs in = randomInputs(cfg, Shape{}, 1);
  EXPECT_THROW(forwardChunked(cfg, in, 0), std::invalid_argument);
}

} // namespace
} // namespace ida::ref::test

//===- tests/unit/reference/DecodeTest.cpp - decode steps == forward ------===//
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

namespace ida::ref::test {
namespace {

constexpr double kTolerance = 1e-13;

/// Token t of a [B, T, ...] array as a [B, 1, ...] array.
Array tokenSlice(const Array &a, int64_t t) {
  std::vector<int64_t> shape = a.shape;
  const int64_t B = shape[0], T = shape[1];
  shape[1] = 1;
  Array out(shape);
  const int64_t inner = a.numel() / (B * T);
  for (int64_t b = 0; b < B; ++b)
    std::copy_n(a.data.begin() + (b * T + t) * inner, inner,
                out.data.begin() + b * inner);
  return out;
}

class DecodeTest : public ::testing::TestWithParam<Config> {};

TEST_P(DecodeTest, StepsReproduceForward) {
  const Config cfg = GetParam();
  Shape s;
  s.T = 9;
  const Inputs in = randomInputs(cfg, s, 41);
  const Outputs ref = forward(cfg, in);

  Array S = *in.S0;
  Array Z = cfg.normalize ? *in.Z0 : Array();
  Array y(ref.y.shape);
  for (int64_t t = 0; t < s.T; ++t) {
    Inputs step = in;
    step.S0.reset();
    step.Z0.reset();
    step.q = tokenSlice(in.q, t);
    step.k = tokenSlice(in.k, t);
    step.v = tokenSlice(in.v, t);
    step.dt = tokenSlice(in.dt, t);
    step.g = tokenSlice(in.g, t);
    const Array yt = decodeStep(cfg, step, S, cfg.normalize ? &Z : nullptr);
    ASSERT_EQ(yt.shape, (std::vector<int64_t>{s.B, 1, s.H, s.P}));
    const int64_t inner = s.H * s.P;
    for (int64_t b = 0; b < s.B; ++b)
      std::copy_n(yt.data.begin() + b * inner, inner,
                  y.data.begin() + (b * s.T + t) * inner);
  }
  EXPECT_LE(relError(y, ref.y), kTolerance) << describe(cfg);
  EXPECT_LE(relError(S, ref.S_T), kTolerance);
  if (cfg.normalize) {
    EXPECT_LE(relError(Z, ref.Z_T), kTolerance);
  }
}

INSTANTIATE_TEST_SUITE_P(AllOptions, DecodeTest, ::testing::ValuesIn(allConfigs()),
                         [](const auto &p) { return configTestName(p.param); });

TEST(DecodeArguments, RejectsSequencesAndMissingNormalizerState) {
  const Config cfg = makeConfig(FeatureKind::Elu1, BasisWeights::Softmax, true);
  const Inputs in = randomInputs(cfg, Shape{}, 2, Fill{false, false});
  Array S({2, 2, 3, 3, 2});
  try {
    decodeStep(cfg, in, S, nullptr);
    FAIL() << "T = 7 must be rejected";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("one token"), std::string::npos) << e.what();
  }
  Inputs step = in;
  step.q = tokenSlice(in.q, 0), step.k = tokenSlice(in.k, 0);
  step.v = tokenSlice(in.v, 0), step.dt = tokenSlice(in.dt, 0);
  step.g = tokenSlice(in.g, 0);
  try {
    decodeStep(cfg, step, S, nullptr);
    FAIL() << "normalize without Z must be rejected";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("Z: required with normalize, expected "
                                         "shape [B, H, N, F] = [2, 2, 3, 3]"),
              std::string::npos)
        << e.what();
  }
}

} // namespace
} // namespace ida::ref::test

//===- tests/unit/bench/UnfusedTest.cpp - fp32 unfused vs float64 ---------===//
//
// ida-bench's unfused fp32 chunked baseline must compute what the float64
// recurrence computes, to fp32 rounding (spec §9: well under 1e-5 relative),
// for every feature map, basis weighting and normalize setting, with initial
// states and final-state cotangents, for chunk lengths that do and do not
// divide T, including C = 1 and C > T.
//
//===----------------------------------------------------------------------===//
#include "runtime/bench/Unfused.h"
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace {

using namespace ida;
using ref::test::relError;

constexpr double kTol = 1e-5;

std::vector<float> f32(const ref::Array &a) {
  return std::vector<float>(a.data.begin(), a.data.end());
}

/// An Array of `like`'s shape holding fp32 results.
ref::Array asArray(const std::vector<float> &v, const ref::Array &like) {
  ref::Array a(like.shape);
  a.data.assign(v.begin(), v.end());
  return a;
}

/// The reference on exactly the fp32-rounded inputs the baseline sees.
void roundToF32(ref::Array &a) {
  for (double &x : a.data)
    x = static_cast<float>(x);
}

struct Case {
  ref::Config cfg;
  ref::test::Shape shape;
  int64_t C;
  int threads = 1;
};

void checkCase(const Case &c) {
  const ref::test::Shape &s = c.shape;
  ref::Inputs in = ref::test::randomInputs(c.cfg, s, 1234);
  for (ref::Array *a :
       {&in.q, &in.k, &in.v, &in.dt, &in.g, &in.A_log, &in.dt_bias})
    roundToF32(*a);
  for (auto *opt : {&in.W, &in.S0, &in.Z0})
    if (*opt)
      roundToF32(**opt);
  ref::test::Random r(99);
  const int64_t F = ref::featureDim(c.cfg.feature, s.D, c.cfg.featureParam);
  ref::Cotangents ct;
  ct.dy = r.normalArray({s.B, s.T, s.H, s.P});
  ct.dS_T = r.normalArray({s.B, s.H, s.N, F, s.P});
  if (c.cfg.normalize)
    ct.dZ_T = r.normalArray({s.B, s.H, s.N, F});
  roundToF32(ct.dy);
  roundToF32(*ct.dS_T);
  if (ct.dZ_T)
    roundToF32(*ct.dZ_T);

  std::map<std::string, std::vector<float>> x;
  x["q"] = f32(in.q), x["k"] = f32(in.k), x["v"] = f32(in.v);
  x["dt"] = f32(in.dt), x["g"] = f32(in.g), x["A_log"] = f32(in.A_log);
  x["dt_bias"] = f32(in.dt_bias), x["dy"] = f32(ct.dy),
  x["dS_T"] = f32(*ct.dS_T);
  if (in.W)
    x["W"] = f32(*in.W);
  if (in.S0)
    x["S0"] = f32(*in.S0);
  if (in.Z0)
    x["Z0"] = f32(*in.Z0);
  if (ct.dZ_T)
    x["dZ_T"] = f32(*ct.dZ_T);
  auto ptr = [&](const char *name) -> const float * {
    auto it = x.find(name);
    return it == x.end() ? nullptr : it->second.data();
  };
  bench::UnfusedInputs ui;
  ui.q = ptr("q"), ui.k = ptr("k"), ui.v = ptr("v"), ui.dt = ptr("dt");
  ui.g = ptr("g"), ui.A_log = ptr("A_log"), ui.dt_bias = ptr("dt_bias");
  ui.W = ptr("W"), ui.S0 = ptr("S0"), ui.Z0 = ptr("Z0");

  bench::UnfusedProblem p;
  p.cfg = c.cfg;
  p.B = s.B, p.T = s.T, p.H = s.H, p.D = s.D, p.P = s.P, p.N = s.N, p.C = c.C;
  bench::UnfusedChunked impl(p, c.threads);
  ASSERT_EQ(impl.featureDim(), F);

  // Forward.
  const ref::Outputs want = ref::forward(c.cfg, in);
  std::vector<float> y(want.y.data.size()), S(want.S_T.data.size()),
      Z(want.Z_T.data.size());
  impl.forward(ui, {y.data(), S.data(), c.cfg.normalize ? Z.data() : nullptr});
  EXPECT_LT(relError(asArray(y, want.y), want.y), kTol) << "y";
  EXPECT_LT(relError(asArray(S, want.S_T), want.S_T), kTol) << "S_T";
  if (c.cfg.normalize)
    EXPECT_LT(relError(asArray(Z, want.Z_T), want.Z_T), kTol) << "Z_T";

  // Backward.
  const ref::Gradients g = ref::backward(c.cfg, in, ct);
  std::map<std::string, std::vector<float>> got;
  auto out = [&](const char *name, const ref::Array &like) {
    return (got[name] = std::vector<float>(like.data.size())).data();
  };
  bench::UnfusedGradients ug;
  ug.dq = out("dq", g.dq), ug.dk = out("dk", g.dk), ug.dv = out("dv", g.dv);
  ug.ddt = out("ddt", g.ddt), ug.dA_log = out("dA_log", g.dA_log);
  ug.ddt_bias = out("ddt_bias", g.ddt_bias), ug.dS0 = out("dS0", g.dS0);
  ug.dg = out("dg", g.dg);
  if (in.W)
    ug.dW = out("dW", g.dW);
  if (in.Z0)
    ug.dZ0 = out("dZ0", g.dZ0);
  impl.backward(ui, ptr("dy"), ptr("dS_T"), ptr("dZ_T"), ug);
  const std::map<std::string, const ref::Array *> expect = {
      {"dq", &g.dq},
      {"dk", &g.dk},
      {"dv", &g.dv},
      {"ddt", &g.ddt},
      {"dg", &g.dg},
      {"dA_log", &g.dA_log},
      {"ddt_bias", &g.ddt_bias},
      {"dS0", &g.dS0},
      {"dW", &g.dW},
      {"dZ0", &g.dZ0}};
  for (const auto &[name, v] : got) {
    const ref::Array &want = *expect.at(name);
    const double err = relError(asArray(v, want), want);
    if (c.cfg.basisWeights == ref::BasisWeights::Uniform && name == "dg")
      EXPECT_LT(ref::test::norm(want.data) +
                    ref::test::norm(asArray(v, want).data),
                1e-12);
    else
      EXPECT_LT(err, kTol) << name;
  }
}

class UnfusedAllOptions : public ::testing::TestWithParam<ref::Config> {};

TEST_P(UnfusedAllOptions, MatchesReferenceForwardAndBackward) {
  ref::test::Shape s; // B=2, T=7, H=2, D=3, P=2, N=3, F'=4
  s.T = 11;
  for (int64_t C : {1, 4, 16}) { // C = 1, C not dividing T, C > T
    SCOPED_TRACE("C=" + std::to_string(C));
    checkCase({GetParam(), s, C});
  }
}

INSTANTIATE_TEST_SUITE_P(Bench, UnfusedAllOptions,
                         ::testing::ValuesIn(ref::test::allConfigs()),
                         [](const auto &info) {
                           return ref::test::configTestName(info.param);
                         });

// The benchmark's shape family at a size where chunks are full and many,
// with the passes split over two OpenMP threads.
TEST(Unfused, LongerSequenceElu1SoftmaxTwoThreads) {
  ref::test::Shape s;
  s.B = 1, s.T = 200, s.H = 2, s.D = 16, s.P = 16, s.N = 4;
  checkCase({ref::test::makeConfig(ref::FeatureKind::Elu1,
                                   ref::BasisWeights::Softmax, false),
             s, 64, 2});
}

TEST(Unfused, RejectsBadSizes) {
  bench::UnfusedProblem p;
  p.C = 0;
  EXPECT_THROW(bench::UnfusedChunked impl(p), std::invalid_argument);
}

} // namespace

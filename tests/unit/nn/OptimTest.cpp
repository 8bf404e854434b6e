//===- tests/unit/nn/OptimTest.cpp - AdamW, schedule, clipping ------------===//
#include "runtime/nn/Optim.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ida::nn {
namespace {

TEST(Optim, AdamWFirstStepsMatchHandComputation) {
  ParamStore<double> ps;
  auto *w = ps.add("w", {2}, true);
  auto *b = ps.add("b", {1}, false);
  w->value.data = {1.0, -2.0};
  b->value.data = {0.5};
  AdamWConfig cfg;
  cfg.beta1 = 0.9, cfg.beta2 = 0.99, cfg.eps = 1e-8, cfg.weightDecay = 0.1;
  AdamW<double> opt(ps, cfg);
  const double lr = 0.01;
  double m[3] = {0, 0, 0}, v[3] = {0, 0, 0}, p[3] = {1.0, -2.0, 0.5};
  const double g[2][3] = {{0.3, -0.1, 2.0}, {-0.2, 0.4, 1.0}};
  for (int s = 0; s < 2; ++s) {
    w->grad.data = {g[s][0], g[s][1]};
    b->grad.data = {g[s][2]};
    opt.update(lr);
    for (int i = 0; i < 3; ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[s][i];
      v[i] = 0.99 * v[i] + 0.01 * g[s][i] * g[s][i];
      const double mh = m[i] / (1 - std::pow(0.9, s + 1)),
                   vh = v[i] / (1 - std::pow(0.99, s + 1));
      const double wd = i < 2 ? 0.1 : 0.0; // b is not decayed
      p[i] -= lr * (mh / (std::sqrt(vh) + 1e-8) + wd * p[i]);
    }
  }
  EXPECT_NEAR(w->value[0], p[0], 1e-14);
  EXPECT_NEAR(w->value[1], p[1], 1e-14);
  EXPECT_NEAR(b->value[0], p[2], 1e-14);
  EXPECT_EQ(opt.step(), 2);
}

TEST(Optim, FrozenParamsAreNotUpdated) {
  ParamStore<float> ps;
  auto *a = ps.add("A_log", {1}, false, /*trainable=*/false);
  a->value.data = {-INFINITY};
  a->grad.data = {1.0f};
  AdamW<float> opt(ps, AdamWConfig{});
  opt.update(0.1);
  EXPECT_EQ(a->value[0], -INFINITY);
}

TEST(Optim, WarmupThenCosine) {
  EXPECT_DOUBLE_EQ(learningRate(0, 100, 10, 1.0, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(learningRate(9, 100, 10, 1.0, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(learningRate(10, 100, 10, 1.0, 0.1), 1.0);
  EXPECT_NEAR(learningRate(55, 100, 10, 1.0, 0.1), 0.55, 1e-12); // halfway
  EXPECT_NEAR(learningRate(100, 100, 10, 1.0, 0.1), 0.1, 1e-12);
  for (int s = 11; s < 100; ++s)
    EXPECT_LE(learningRate(s, 100, 10, 1.0, 0.1), learningRate(s - 1, 100, 10, 1.0, 0.1));
}

TEST(Optim, ClipScalesToMaxNorm) {
  ParamStore<double> ps;
  auto *a = ps.add("a", {2}, true);
  auto *f = ps.add("frozen", {1}, false, false);
  a->grad.data = {3.0, 4.0};
  f->grad.data = {100.0}; // ignored: not trainable
  EXPECT_DOUBLE_EQ(clipGradNorm(ps, 1.0), 5.0);
  EXPECT_NEAR(a->grad[0], 0.6, 1e-15);
  EXPECT_NEAR(a->grad[1], 0.8, 1e-15);
  EXPECT_DOUBLE_EQ(clipGradNorm(ps, 10.0), 1.0); // below the max: unchanged
  EXPECT_NEAR(a->grad[0], 0.6, 1e-15);
}

} // namespace
} // namespace ida::nn

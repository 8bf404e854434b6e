//===- tests/unit/nn/GradCheck.h - finite-difference helpers ----*- C++ -*-===//
//
// Central differences in float64: for a scalar loss L(theta), compares the
// analytic gradient with (L(theta + h) - L(theta - h)) / 2h entry by entry.
// With h = 1e-6 and smooth layers the truncation error is ~h^2 and rounding
// ~1e-16/h, so agreement to ~1e-7 relative is expected.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_NN_GRADCHECK_H
#define IDA_TESTS_UNIT_NN_GRADCHECK_H

#include "runtime/nn/Param.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

namespace ida::nn::test {

inline Tensor<double> randomTensor(std::vector<int64_t> shape, uint64_t seed,
                                   double std = 1.0) {
  Tensor<double> t(std::move(shape));
  InitRng rng(seed);
  rng.fillNormal(t, std);
  return t;
}

inline double dot(const Tensor<double> &a, const Tensor<double> &b) {
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    s += a[i] * b[i];
  return s;
}

/// Checks `analytic` against central differences of `loss` with respect to
/// the entries of `x` (perturbed in place and restored). `maxEntries` > 0
/// checks an evenly spaced subset.
inline void expectGradMatches(const std::string &what, Tensor<double> &x,
                              const Tensor<double> &analytic,
                              const std::function<double()> &loss,
                              double tol = 1e-6, int64_t maxEntries = 0,
                              double h = 1e-6) {
  ASSERT_EQ(x.shape, analytic.shape) << what;
  const int64_t n = x.numel();
  const int64_t stride =
      (maxEntries > 0 && n > maxEntries) ? (n + maxEntries - 1) / maxEntries : 1;
  double scale = 0;
  for (double g : analytic.data)
    scale = std::max(scale, std::fabs(g));
  for (int64_t i = 0; i < n; i += stride) {
    const double saved = x[i];
    x[i] = saved + h;
    const double lp = loss();
    x[i] = saved - h;
    const double lm = loss();
    x[i] = saved;
    const double fd = (lp - lm) / (2 * h);
    EXPECT_NEAR(analytic[i], fd, tol * std::max(1.0, scale))
        << what << " entry " << i;
  }
}

} // namespace ida::nn::test

#endif // IDA_TESTS_UNIT_NN_GRADCHECK_H

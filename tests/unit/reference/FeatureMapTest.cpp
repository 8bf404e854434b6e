//===- tests/unit/reference/FeatureMapTest.cpp - phi of spec §4 -----------===//
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

namespace ida::ref::test {
namespace {

double dotOf(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

TEST(FeatureMap, Dimensions) {
  EXPECT_EQ(featureDim(FeatureKind::Identity, 5, 0), 5);
  EXPECT_EQ(featureDim(FeatureKind::Elu1, 5, 0), 5);
  EXPECT_EQ(featureDim(FeatureKind::Relu, 5, 0), 5);
  EXPECT_EQ(featureDim(FeatureKind::Taylor2, 5, 0), 31);
  EXPECT_EQ(featureDim(FeatureKind::Prf, 5, 7), 7);
  EXPECT_EQ(featureDim(FeatureKind::Hedgehog, 5, 7), 14);
  EXPECT_THROW(featureDim(FeatureKind::Prf, 5, 0), std::invalid_argument);
}

TEST(FeatureMap, Taylor2KernelIsSecondOrderExp) {
  Random r(3);
  for (int64_t D : {1, 4, 8}) {
    std::vector<double> q(D), k(D);
    for (auto &x : q) x = r.normal();
    for (auto &x : k) x = r.normal();
    const double s = dotOf(q, k) / std::sqrt(double(D));
    const double kernel = dotOf(featureMap(FeatureKind::Taylor2, q.data(), D, nullptr, 0),
                                featureMap(FeatureKind::Taylor2, k.data(), D, nullptr, 0));
    EXPECT_NEAR(kernel, 1 + s + s * s / 2, 1e-13 * (1 + std::abs(kernel)));
  }
}

TEST(FeatureMap, PrfAndHedgehogMatchTheirDefinitions) {
  Random r(4);
  const int64_t D = 3, Fp = 5;
  std::vector<double> x(D), W(Fp * D);
  for (auto &v : x) v = r.normal();
  for (auto &v : W) v = r.normal();
  const double c = std::pow(double(D), -0.25);
  const std::vector<double> prf = featureMap(FeatureKind::Prf, x.data(), D, W.data(), Fp);
  const std::vector<double> hh = featureMap(FeatureKind::Hedgehog, x.data(), D, W.data(), Fp);
  ASSERT_EQ(prf.size(), size_t(Fp));
  ASSERT_EQ(hh.size(), size_t(2 * Fp));
  double norm2 = 0, zPos = 0, zNeg = 0;
  for (double v : x) norm2 += c * c * v * v;
  std::vector<double> wx(Fp);
  for (int64_t f = 0; f < Fp; ++f) {
    for (int64_t d = 0; d < D; ++d) wx[f] += W[f * D + d] * x[d];
    zPos += std::exp(wx[f]);
    zNeg += std::exp(-wx[f]);
  }
  for (int64_t f = 0; f < Fp; ++f) {
    EXPECT_NEAR(prf[f], std::exp(c * wx[f] - norm2 / 2) / std::sqrt(double(Fp)), 1e-14);
    EXPECT_NEAR(hh[f], std::exp(wx[f]) / zPos, 1e-14);
    EXPECT_NEAR(hh[Fp + f], std::exp(-wx[f]) / zNeg, 1e-14);
  }
}

TEST(FeatureMap, ElementwiseKinds) {
  const double x[3] = {-0.5, 0.0, 2.0};
  EXPECT_EQ(featureMap(FeatureKind::Identity, x, 3, nullptr, 0),
            (std::vector<double>{-0.5, 0.0, 2.0}));
  EXPECT_EQ(featureMap(FeatureKind::Relu, x, 3, nullptr, 0),
            (std::vector<double>{0.0, 0.0, 2.0}));
  const auto elu = featureMap(FeatureKind::Elu1, x, 3, nullptr, 0);
  EXPECT_DOUBLE_EQ(elu[0], std::exp(-0.5));
  EXPECT_DOUBLE_EQ(elu[1], 1.0);
  EXPECT_DOUBLE_EQ(elu[2], 3.0);
}

TEST(FeatureMap, WeightedKindsNeedWeights) {
  const double x[2] = {1, 2};
  EXPECT_THROW(featureMap(FeatureKind::Prf, x, 2, nullptr, 4), std::invalid_argument);
}

} // namespace
} // namespace ida::ref::test

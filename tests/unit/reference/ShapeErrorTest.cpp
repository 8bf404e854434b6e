//===- tests/unit/reference/ShapeErrorTest.cpp - messages on bad input ----===//
//
// A bad argument must be named in the message together with its symbolic
// and numeric expected shape; unknown option names list the accepted ones.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

#include <functional>

namespace ida::ref::test {
namespace {

std::string messageOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "<no exception>";
}

class ShapeErrorTest : public ::testing::Test {
protected:
  Config cfg = makeConfig(FeatureKind::Prf, BasisWeights::Softmax, true, 4);
  Inputs in = randomInputs(cfg, Shape{}, 1); // B=2 T=7 H=2 D=3 P=2 N=3 F'=4
};

TEST_F(ShapeErrorTest, NamesArgumentAndExpectedShape) {
  in.g = Random(2).normalArray({2, 7, 2, 2});
  EXPECT_EQ(messageOf([&] { forward(cfg, in); }),
            "g: expected shape [B, T, H, N] = [2, 7, 2, 3], got [2, 7, 2, 2]");
}

TEST_F(ShapeErrorTest, EveryArgumentIsChecked) {
  struct Case {
    std::function<void(Inputs &)> breakIt;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](Inputs &i) { i.k = Array({2, 7, 2, 4}); },
       "k: expected shape [B, T, H, D] = [2, 7, 2, 3], got [2, 7, 2, 4]"},
      {[](Inputs &i) { i.dt = Array({2, 7}); },
       "dt: expected shape [B, T, H] = [2, 7, 2], got [2, 7]"},
      {[](Inputs &i) { i.v = Array({2, 6, 2, 2}); },
       "v: expected shape [B, T, H, P] = [2, 7, 2, 2], got [2, 6, 2, 2]"},
      {[](Inputs &i) { i.dt_bias = Array({3}); },
       "dt_bias: expected shape [H] = [2], got [3]"},
      {[](Inputs &i) { i.W = Array({2, 5, 3}); },
       "W: expected shape [H, F', D] = [2, 4, 3], got [2, 5, 3]"},
      {[](Inputs &i) { i.W.reset(); },
       "W: required by feature map prf, expected shape [H, F', D] = [2, 4, 3]"},
      {[](Inputs &i) { i.S0 = Array({2, 2, 3, 4, 3}); },
       "S0: expected shape [B, H, N, F, P] = [2, 2, 3, 4, 2], got [2, 2, 3, 4, 3]"},
      {[](Inputs &i) { i.Z0 = Array({2, 2, 3}); },
       "Z0: expected shape [B, H, N, F] = [2, 2, 3, 4], got [2, 2, 3]"},
  };
  for (const Case &c : cases) {
    Inputs broken = in;
    c.breakIt(broken);
    EXPECT_EQ(messageOf([&] { forward(cfg, broken); }), c.message);
    EXPECT_EQ(messageOf([&] { forwardChunked(cfg, broken, 4); }), c.message);
    Cotangents ct;
    ct.dy = Array({2, 7, 2, 2}, 1.0);
    EXPECT_EQ(messageOf([&] { backward(cfg, broken, ct); }), c.message);
  }
}

TEST_F(ShapeErrorTest, CotangentsAreChecked) {
  Cotangents ct;
  ct.dy = Array({2, 7, 2, 3}, 1.0);
  EXPECT_EQ(messageOf([&] { backward(cfg, in, ct); }),
            "dy: expected shape [B, T, H, P] = [2, 7, 2, 2], got [2, 7, 2, 3]");
  ct.dy = Array({2, 7, 2, 2}, 1.0);
  ct.dS_T = Array({2, 2, 3, 4});
  EXPECT_EQ(messageOf([&] { backward(cfg, in, ct); }),
            "dS_T: expected shape [B, H, N, F, P] = [2, 2, 3, 4, 2], got [2, 2, 3, 4]");
}

TEST_F(ShapeErrorTest, DataSizeMustMatchShape) {
  in.q.data.pop_back();
  EXPECT_EQ(messageOf([&] { forward(cfg, in); }),
            "q: expected shape [B, T, H, D] = [2, 7, 2, 3], got [2, 7, 2, 3] with 83 values");
}

TEST_F(ShapeErrorTest, NormalizerStateNeedsNormalize) {
  cfg.normalize = false;
  EXPECT_EQ(messageOf([&] { forward(cfg, in); }),
            "Z0: the normalizer state is only valid with normalize");
}

TEST(OptionNames, UnknownNamesListAcceptedOnes) {
  EXPECT_EQ(messageOf([] { parseFeatureKind("cosine"); }),
            "feature: unknown feature map 'cosine'; accepted: identity, elu1, "
            "relu, taylor2, prf, hedgehog");
  EXPECT_EQ(messageOf([] { parseBasisWeights("tanh"); }),
            "basis_weights: unknown kind 'tanh'; accepted: softmax, sigmoid, uniform");
  for (FeatureKind f : kAllFeatures)
    EXPECT_EQ(parseFeatureKind(featureKindName(f)), f);
  for (BasisWeights b : kAllBasis)
    EXPECT_EQ(parseBasisWeights(basisWeightsName(b)), b);
}

} // namespace
} // namespace ida::ref::test

//===- tests/unit/nn/LayersTest.cpp - every layer vs finite differences ---===//
//
// Each layer's backward is checked in float64 on L = sum(out * R) for a fixed
// random R, and the float instantiation against the double one.
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/Layers.h"
#include "tests/unit/nn/GradCheck.h"

#include <cmath>

namespace ida::nn::test {
namespace {

TEST(Layers, LinearBackwardMatchesFiniteDifferences) {
  const int64_t M = 5, K = 4, N = 3;
  auto x = randomTensor({M, K}, 1), W = randomTensor({N, K}, 2),
       R = randomTensor({M, N}, 3);
  auto loss = [&] {
    Tensor<double> y({M, N});
    linearForward(x.ptr(), W.ptr(), M, K, N, y.ptr());
    return dot(y, R);
  };
  Tensor<double> dx({M, K}), dW({N, K});
  linearBackward(R.ptr(), x.ptr(), W.ptr(), M, K, N, dx.ptr(), dW.ptr());
  expectGradMatches("dx", x, dx, loss);
  expectGradMatches("dW", W, dW, loss);
}

TEST(Layers, RmsNormBackwardMatchesFiniteDifferences) {
  const int64_t M = 4, d = 6;
  auto x = randomTensor({M, d}, 4), w = randomTensor({d}, 5),
       R = randomTensor({M, d}, 6);
  auto loss = [&] {
    Tensor<double> y({M, d}), r({M});
    rmsnormForward(x.ptr(), w.ptr(), M, d, 1e-5, y.ptr(), r.ptr());
    return dot(y, R);
  };
  Tensor<double> y({M, d}), r({M}), dx({M, d}), dw({d});
  rmsnormForward(x.ptr(), w.ptr(), M, d, 1e-5, y.ptr(), r.ptr());
  rmsnormBackward(R.ptr(), x.ptr(), w.ptr(), r.ptr(), M, d, dx.ptr(), dw.ptr());
  expectGradMatches("dx", x, dx, loss);
  expectGradMatches("dw", w, dw, loss);
}

TEST(Layers, SwigluBackwardMatchesFiniteDifferences) {
  const int64_t M = 3, H = 5;
  auto gu = randomTensor({M, 2 * H}, 7, 2.0), R = randomTensor({M, H}, 8);
  auto loss = [&] {
    Tensor<double> a({M, H});
    swigluForward(gu.ptr(), M, H, a.ptr());
    return dot(a, R);
  };
  Tensor<double> dgu({M, 2 * H});
  swigluBackward(R.ptr(), gu.ptr(), M, H, dgu.ptr());
  expectGradMatches("dgu", gu, dgu, loss);
}

TEST(Layers, CausalConvBackwardMatchesFiniteDifferences) {
  const int64_t B = 2, T = 7, C = 3, Kc = 4;
  auto x = randomTensor({B, T, C}, 9), w = randomTensor({C, Kc}, 10),
       R = randomTensor({B, T, C}, 11);
  auto loss = [&] {
    Tensor<double> y({B, T, C});
    causalConvForward(x.ptr(), w.ptr(), B, T, C, Kc, y.ptr());
    return dot(y, R);
  };
  Tensor<double> dx({B, T, C}), dw({C, Kc});
  causalConvBackward(R.ptr(), x.ptr(), w.ptr(), B, T, C, Kc, dx.ptr(), dw.ptr());
  expectGradMatches("dx", x, dx, loss);
  expectGradMatches("dw", w, dw, loss);
}

TEST(Layers, CausalConvIsCausal) {
  const int64_t B = 1, T = 6, C = 2, Kc = 4;
  auto x = randomTensor({B, T, C}, 12), w = randomTensor({C, Kc}, 13);
  Tensor<double> y1({B, T, C}), y2({B, T, C});
  causalConvForward(x.ptr(), w.ptr(), B, T, C, Kc, y1.ptr());
  x[(T - 1) * C] += 1.0; // change the last token only
  causalConvForward(x.ptr(), w.ptr(), B, T, C, Kc, y2.ptr());
  for (int64_t i = 0; i < (T - 1) * C; ++i)
    EXPECT_EQ(y1[i], y2[i]) << i;
}

TEST(Layers, EmbeddingBackwardScattersRows) {
  const int64_t V = 5, d = 3, M = 4;
  const int32_t tokens[M] = {1, 3, 1, 0};
  auto E = randomTensor({V, d}, 14), R = randomTensor({M, d}, 15);
  auto loss = [&] {
    Tensor<double> y({M, d});
    embeddingForward(tokens, M, E.ptr(), d, y.ptr());
    return dot(y, R);
  };
  Tensor<double> dE({V, d});
  embeddingBackward(tokens, M, R.ptr(), d, dE.ptr());
  expectGradMatches("dE", E, dE, loss);
}

TEST(Layers, CrossEntropyIgnoresMaskedRowsAndMatchesFiniteDifferences) {
  const int64_t M = 4, V = 6;
  const int32_t labels[M] = {2, kIgnoreLabel, 5, 0};
  auto logits = randomTensor({M, V}, 16, 2.0);
  auto loss = [&] {
    Tensor<double> p = logits;
    return crossEntropyForward(p.ptr(), labels, M, V).loss;
  };
  Tensor<double> p = logits;
  CrossEntropyStats st = crossEntropyForward(p.ptr(), labels, M, V);
  EXPECT_EQ(st.scored, 3);
  // Mean of -log softmax at the scored rows only.
  double expect = 0;
  for (int64_t m : {0, 2, 3}) {
    double mx = -1e300, s = 0;
    for (int64_t i = 0; i < V; ++i)
      mx = std::max(mx, logits[m * V + i]);
    for (int64_t i = 0; i < V; ++i)
      s += std::exp(logits[m * V + i] - mx);
    expect += -(logits[m * V + labels[m]] - mx - std::log(s));
  }
  EXPECT_NEAR(st.loss, expect / 3, 1e-12);
  Tensor<double> dl({M, V});
  crossEntropyBackward(p.ptr(), labels, M, V, 1.0 / 3, dl.ptr());
  for (int64_t i = 0; i < V; ++i)
    EXPECT_EQ(dl[V + i], 0.0); // the ignored row gets no gradient
  expectGradMatches("dlogits", logits, dl, loss);
}

TEST(Layers, FloatMatchesDouble) {
  const int64_t M = 8, K = 16, N = 12;
  auto x = randomTensor({M, K}, 17), W = randomTensor({N, K}, 18);
  Tensor<double> y({M, N});
  linearForward(x.ptr(), W.ptr(), M, K, N, y.ptr());
  auto xf = castTensor<float>(x), Wf = castTensor<float>(W);
  Tensor<float> yf({M, N});
  linearForward(xf.ptr(), Wf.ptr(), M, K, N, yf.ptr());
  for (int64_t i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(yf[i], y[i], 1e-5 * (1 + std::fabs(y[i])));
}

} // namespace
} // namespace ida::nn::test

//===- tests/unit/reference/SoftmaxAttentionTest.cpp ----------------------===//
//
// Causal (optionally windowed) softmax attention against a direct masked
// score-matrix implementation, and its backward against finite differences.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/reference/TestSupport.h"

#include <gtest/gtest.h>

namespace ida::ref::test {
namespace {

/// softmax(mask(Q K^T / sqrt(D))) V per (b, h), the mask built explicitly.
Array maskedSoftmaxAttention(const Array &q, const Array &k, const Array &v,
                             int64_t window) {
  const int64_t B = q.shape[0], T = q.shape[1], H = q.shape[2], D = q.shape[3],
                P = v.shape[3];
  Array y({B, T, H, P});
  auto idx = [&](int64_t b, int64_t t, int64_t h, int64_t width) {
    return ((b * T + t) * H + h) * width;
  };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<std::vector<double>> score(T, std::vector<double>(T));
      for (int64_t i = 0; i < T; ++i)
        for (int64_t j = 0; j < T; ++j) {
          const bool visible = j <= i && (window == 0 || i - j < window);
          double s = 0;
          for (int64_t d = 0; d < D; ++d)
            s += q.data[idx(b, i, h, D) + d] * k.data[idx(b, j, h, D) + d];
          score[i][j] = visible ? s / std::sqrt(double(D)) : -INFINITY;
        }
      for (int64_t i = 0; i < T; ++i) {
        double z = 0;
        for (int64_t j = 0; j < T; ++j)
          z += std::exp(score[i][j]);
        for (int64_t j = 0; j < T; ++j)
          for (int64_t p = 0; p < P; ++p)
            y.data[idx(b, i, h, P) + p] +=
                std::exp(score[i][j]) / z * v.data[idx(b, j, h, P) + p];
      }
    }
  return y;
}

TEST(SoftmaxAttention, MatchesMaskedDirectForm) {
  for (uint64_t seed : {1u, 2u})
    for (int64_t window : {0, 1, 3, 20}) {
      Random r(seed);
      const Array q = r.normalArray({2, 9, 3, 4}), k = r.normalArray({2, 9, 3, 4}),
                  v = r.normalArray({2, 9, 3, 5});
      EXPECT_LE(relError(softmaxAttention(q, k, v, window),
                         maskedSoftmaxAttention(q, k, v, window)),
                1e-13)
          << "window " << window;
    }
}

TEST(SoftmaxAttention, BackwardMatchesFiniteDifferences) {
  constexpr double h = 1e-5;
  for (int64_t window : {0, 3}) {
    Random r(77 + window);
    Array q = r.normalArray({2, 6, 2, 3}), k = r.normalArray({2, 6, 2, 3}),
          v = r.normalArray({2, 6, 2, 2});
    const Array dy = r.normalArray({2, 6, 2, 2});
    const SoftmaxAttentionGrads gr = softmaxAttentionBackward(q, k, v, dy, window);
    auto loss = [&]() {
      const Array y = softmaxAttention(q, k, v, window);
      double l = 0;
      for (size_t i = 0; i < y.data.size(); ++i)
        l += dy.data[i] * y.data[i];
      return l;
    };
    for (auto [x, analytic, name] :
         {std::tuple<Array *, const Array *, const char *>{&q, &gr.dq, "dq"},
          {&k, &gr.dk, "dk"},
          {&v, &gr.dv, "dv"}}) {
      Array fd(x->shape);
      for (size_t i = 0; i < x->data.size(); ++i) {
        const double keep = x->data[i];
        x->data[i] = keep + h;
        const double up = loss();
        x->data[i] = keep - h;
        const double down = loss();
        x->data[i] = keep;
        fd.data[i] = (up - down) / (2 * h);
      }
      EXPECT_LE(relError(*analytic, fd), 1e-6) << name << " window " << window;
    }
  }
}

TEST(SoftmaxAttention, RejectsBadShapesAndWindow) {
  Random r(5);
  const Array q = r.normalArray({1, 4, 2, 3}), v = r.normalArray({1, 4, 2, 2});
  const Array kBad = r.normalArray({1, 4, 2, 2});
  try {
    softmaxAttention(q, kBad, v);
    FAIL();
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "k: expected shape [B, T, H, D] = [1, 4, 2, 3], got [1, 4, 2, 2]");
  }
  EXPECT_THROW(softmaxAttention(q, q, v, -1), std::invalid_argument);
}

} // namespace
} // namespace ida::ref::test

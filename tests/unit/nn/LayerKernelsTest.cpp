//===- tests/unit/nn/LayerKernelsTest.cpp - layer programs vs host layers -===//
//
// The programs of templates/kernels/nn_layers.h (what ida-train runs on a
// GPU) compiled for the CPU device and compared with runtime/nn/Layers.cpp
// (which the finite-difference tests of LayersTest.cpp check) on fresh
// random inputs, at shapes whose rows and columns are not multiples of any
// block or chunk size. The CPU device's GEMM runs the column-major mapping
// cuBLAS gets, so the GEMM test checks that mapping too.
//
//===----------------------------------------------------------------------===//
#include "runtime/backend/Device.h"
#include "runtime/nn/DeviceGemm.h"
#include "runtime/nn/LayerKernels.h"
#include "runtime/nn/Layers.h"
#include "runtime/nn/Optim.h"
#include "runtime/nn/Param.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

namespace ida::nn {
namespace {

std::shared_ptr<LayerKernels> kernels() {
  static std::shared_ptr<LayerKernels> k = std::make_shared<LayerKernels>(
      std::shared_ptr<Device>(makeDevice("cpu")));
  return k;
}

Tensor<float> randn(std::vector<int64_t> shape, uint64_t seed, double std = 1) {
  Tensor<float> t(std::move(shape));
  InitRng rng(seed);
  rng.fillNormal(t, std);
  return t;
}

std::vector<int32_t> tokens(int64_t M, int64_t V, uint64_t seed) {
  InitRng rng(seed);
  std::vector<int32_t> t(static_cast<size_t>(M));
  for (auto &x : t)
    x = int32_t(rng.uniform() * double(V));
  return t;
}

/// max |a - b| / max(1, max |b|).
double relErr(const Tensor<float> &a, const Tensor<float> &b) {
  EXPECT_EQ(a.shape, b.shape);
  double num = 0, den = 1;
  for (int64_t i = 0; i < b.numel(); ++i) {
    num = std::max(num, double(std::fabs(a[i] - b[i])));
    den = std::max(den, double(std::fabs(b[i])));
  }
  return num / den;
}

struct Shape {
  int64_t B, T, d;
};
const Shape kShapes[] = {{1, 1, 3}, {2, 37, 20}, {3, 70, 130}};

TEST(LayerKernels, RmsNormMatchesHost) {
  for (const Shape &s : kShapes) {
    const int64_t M = s.B * s.T, d = s.d;
    auto x = randn({M, d}, 1), w = randn({d}, 2), dy = randn({M, d}, 3);
    Tensor<float> y({M, d}), r({M}), y2({M, d}), r2({M});
    rmsnormForward(x.ptr(), w.ptr(), M, d, 1e-5f, y.ptr(), r.ptr());
    kernels()->rmsnormForward(x.ptr(), w.ptr(), M, d, 1e-5, y2.ptr(), r2.ptr());
    EXPECT_LT(relErr(y2, y), 1e-6) << "M=" << M << " d=" << d;
    EXPECT_LT(relErr(r2, r), 1e-6);
    Tensor<float> dx = randn({M, d}, 4), dw = randn({d}, 5);
    Tensor<float> dx2 = dx, dw2 = dw;
    rmsnormBackward(dy.ptr(), x.ptr(), w.ptr(), r.ptr(), M, d, dx.ptr(), dw.ptr());
    kernels()->rmsnormBackward(dy.ptr(), x.ptr(), w.ptr(), r.ptr(), M, d,
                               dx2.ptr(), dw2.ptr());
    EXPECT_LT(relErr(dx2, dx), 1e-6);
    EXPECT_LT(relErr(dw2, dw), 1e-5); // grouped column sums: another order
  }
}

TEST(LayerKernels, EmbeddingMatchesHost) {
  for (const Shape &s : kShapes) {
    const int64_t M = s.B * s.T, d = s.d, V = 11;
    auto E = randn({V, d}, 6), dout = randn({M, d}, 7);
    auto tok = tokens(M, V, 8);
    Tensor<float> out({M, d}), out2({M, d});
    embeddingForward(tok.data(), M, E.ptr(), d, out.ptr());
    kernels()->embeddingForward(tok.data(), M, E.ptr(), d, out2.ptr());
    EXPECT_EQ(relErr(out2, out), 0.0);
    Tensor<float> dE = randn({V, d}, 9), dE2 = dE;
    embeddingBackward(tok.data(), M, dout.ptr(), d, dE.ptr());
    kernels()->embeddingBackward(tok.data(), M, dout.ptr(), d, V, dE2.ptr());
    EXPECT_EQ(relErr(dE2, dE), 0.0); // same order of additions per row
  }
}

TEST(LayerKernels, SwigluAndLinearMatchHost) {
  for (const Shape &s : kShapes) {
    const int64_t M = s.B * s.T, H = s.d + 3, K = s.d;
    auto gu = randn({M, 2 * H}, 10, 2.0), da = randn({M, H}, 11);
    Tensor<float> a({M, H}), a2({M, H});
    swigluForward(gu.ptr(), M, H, a.ptr());
    kernels()->swigluForward(gu.ptr(), M, H, a2.ptr());
    EXPECT_LT(relErr(a2, a), 1e-6);
    Tensor<float> dgu = randn({M, 2 * H}, 12), dgu2 = dgu;
    swigluBackward(da.ptr(), gu.ptr(), M, H, dgu.ptr());
    kernels()->swigluBackward(da.ptr(), gu.ptr(), M, H, dgu2.ptr());
    EXPECT_LT(relErr(dgu2, dgu), 1e-6);

    auto W = randn({H, K}, 13), x = randn({M, K}, 14), dy = randn({M, H}, 15);
    Tensor<float> y({M, H}), y2({M, H});
    linearForward(x.ptr(), W.ptr(), M, K, H, y.ptr());
    kernels()->linearForward(x.ptr(), W.ptr(), M, K, H, y2.ptr());
    EXPECT_LT(relErr(y2, y), 1e-6);
    Tensor<float> dx = randn({M, K}, 31), dW = randn({H, K}, 32);
    Tensor<float> dx2 = dx, dW2 = dW;
    linearBackward(dy.ptr(), x.ptr(), W.ptr(), M, K, H, dx.ptr(), dW.ptr());
    kernels()->linearBackward(dy.ptr(), x.ptr(), W.ptr(), M, K, H, dx2.ptr(),
                              dW2.ptr());
    EXPECT_LT(relErr(dx2, dx), 1e-5);
    EXPECT_LT(relErr(dW2, dW), 1e-5);
  }
}

TEST(LayerKernels, CausalConvMatchesHost) {
  for (const Shape &s : kShapes)
    for (int64_t Kc : {1, 4}) {
      const int64_t C = s.d, M = s.B * s.T;
      auto x = randn({M, C}, 16), w = randn({C, Kc}, 17), dy = randn({M, C}, 18);
      Tensor<float> y({M, C}), y2({M, C});
      causalConvForward(x.ptr(), w.ptr(), s.B, s.T, C, Kc, y.ptr());
      kernels()->causalConvForward(x.ptr(), w.ptr(), s.B, s.T, C, Kc, y2.ptr());
      EXPECT_LT(relErr(y2, y), 1e-6) << "Kc=" << Kc;
      Tensor<float> dx = randn({M, C}, 19), dw = randn({C, Kc}, 20);
      Tensor<float> dx2 = dx, dw2 = dw;
      causalConvBackward(dy.ptr(), x.ptr(), w.ptr(), s.B, s.T, C, Kc, dx.ptr(),
                         dw.ptr());
      kernels()->causalConvBackward(dy.ptr(), x.ptr(), w.ptr(), s.B, s.T, C, Kc,
                                    dx2.ptr(), dw2.ptr());
      EXPECT_LT(relErr(dx2, dx), 1e-6);
      EXPECT_LT(relErr(dw2, dw), 1e-5);
    }
}

TEST(LayerKernels, CrossEntropyMatchesHost) {
  for (const Shape &s : kShapes)
    for (int64_t V : {2, 67, 300}) {
      const int64_t M = s.B * s.T;
      auto logits = randn({M, V}, 21, 3.0);
      auto labels = tokens(M, V, 22);
      for (int64_t m = 0; m < M; m += 3)
        labels[size_t(m)] = kIgnoreLabel;
      Tensor<float> p = logits, p2 = logits;
      CrossEntropyStats a = crossEntropyForward(p.ptr(), labels.data(), M, V);
      CrossEntropyStats b = kernels()->crossEntropyForward(
          p2.ptr(), labels.data(), labels.data(), M, V);
      EXPECT_LT(relErr(p2, p), 1e-6);
      EXPECT_EQ(b.scored, a.scored);
      EXPECT_EQ(b.correct, a.correct) << "V=" << V;
      EXPECT_NEAR(b.loss, a.loss, 1e-6 * std::max(1.0, a.loss));
      Tensor<float> d({M, V}), d2({M, V});
      const float scale = a.scored ? 1.0f / float(a.scored) : 1.0f;
      crossEntropyBackward(p.ptr(), labels.data(), M, V, scale, d.ptr());
      kernels()->crossEntropyBackward(p.ptr(), labels.data(), M, V, scale,
                                      d2.ptr());
      EXPECT_LT(relErr(d2, d), 1e-7);
    }
}

TEST(LayerKernels, GlueMatchesDefinitions) {
  const int64_t M = 23, W = 41, cols = 9;
  auto src = randn({M, W}, 23), dst = randn({M, 15}, 24);
  for (bool acc : {false, true}) {
    Tensor<float> want = dst, got = dst;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t j = 0; j < cols; ++j) {
        float &o = want[m * 15 + 4 + j];
        o = acc ? o + src[m * W + 7 + j] : src[m * W + 7 + j];
      }
    kernels()->copyColumns(src.ptr(), W, 7, got.ptr(), 15, 4, M, cols, acc);
    EXPECT_EQ(relErr(got, want), 0.0);
  }
  const int64_t n = 3 * 4096 + 17; // more than one program, a ragged tail
  auto x = randn({n}, 25), y = randn({n}, 26);
  Tensor<float> want = y, got = y;
  for (int64_t i = 0; i < n; ++i)
    want[i] = 0.5f * want[i] + x[i];
  kernels()->axpby(x.ptr(), 0.5f, got.ptr(), n);
  EXPECT_EQ(relErr(got, want), 0.0);
  double ss = 0;
  for (int64_t i = 0; i < n; ++i)
    ss += double(x[i]) * double(x[i]);
  EXPECT_NEAR(kernels()->sumSquares(x.ptr(), n), ss, 1e-12 * ss);
  x[n - 1] = NAN;
  EXPECT_FALSE(std::isfinite(kernels()->sumSquares(x.ptr(), n)));
}

TEST(LayerKernels, AdamWMatchesHostOptimizer) {
  ParamStore<float> store;
  Param<float> *p = store.add("w", {4099}, true);
  InitRng rng(27);
  rng.fillNormal(p->value, 1.0);
  AdamWConfig cfg;
  AdamW<float> host(store, cfg);
  Tensor<float> w = p->value, m(p->value.shape), v(p->value.shape);
  for (int step = 1; step <= 3; ++step) {
    rng.fillNormal(p->grad, 1.0);
    const double lr = 1e-2 * step;
    host.update(lr);
    LayerKernels::AdamHyper h{cfg.beta1, cfg.beta2,
                              1 - std::pow(cfg.beta1, step),
                              1 - std::pow(cfg.beta2, step), lr,
                              cfg.weightDecay, cfg.eps};
    kernels()->adamw(w.ptr(), p->grad.ptr(), m.ptr(), v.ptr(), w.numel(), h);
    EXPECT_LT(relErr(w, p->value), 1e-7) << "step " << step;
    EXPECT_LT(relErr(m, host.m()[0]), 1e-7);
  }
}

TEST(DeviceGemm, EveryTranspositionMatchesTheDefinition) {
  // Every transposition, non-square, with row strides wider than the rows.
  const int64_t M = 7, N = 5, K = 6, pad = 3;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad,
                    ldc = N + pad;
      auto A = randn({(ta ? K : M) * lda}, 28), B = randn({(tb ? N : K) * ldb}, 29),
           C = randn({M * ldc}, 30);
      Tensor<float> want = C, got = C;
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          double s = 0;
          for (int64_t k = 0; k < K; ++k)
            s += double(ta ? A[k * lda + i] : A[i * lda + k]) *
                 double(tb ? B[j * ldb + k] : B[k * ldb + j]);
          want[i * ldc + j] = float(0.5 * s + 2.0 * C[i * ldc + j]);
        }
      makeDeviceGemm(kernels()->device())
          ->run(ta, tb, M, N, K, 0.5f, A.ptr(), lda, B.ptr(), ldb, 2.0f,
                got.ptr(), ldc);
      EXPECT_LT(relErr(got, want), 1e-5) << "transA=" << ta << " transB=" << tb;
    }
}

} // namespace
} // namespace ida::nn

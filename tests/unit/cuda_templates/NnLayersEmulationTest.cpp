//===- tests/unit/cuda_templates/NnLayersEmulationTest.cpp - layer programs, CUDA API ===//
//
// ida-train's layer programs (templates/kernels/nn_layers.h) over the CUDA
// block-parallel loops (tile/cuda/par_cuda.cuh) on the host emulation
// (CudaEmu.h: 64 OS threads in two warps, real shuffles and barriers),
// against the host layers (runtime/nn/Layers.cpp). This is what checks the
// CUDA side of par_for, block_sum and block_argmax without a GPU: strided
// loops with rows shorter and longer than the block, ties for the maximum
// in different warps, double and int64 shuffles.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/cuda_templates/CudaEmu.h"

#define IDA_CFG_NUM_WARPS 2
#define IDA_CUDA_NO_HALF 1

#include "templates/common/ida_abi.h"
#include "templates/tile/cuda/tile_cuda.cuh"
#include "templates/tile/cuda/par_cuda.cuh"
#include "templates/kernels/nn_layers.h"
#include "tests/unit/cuda_templates/CudaEmuRun.h"

#include "runtime/nn/Layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

constexpr int kThreads = 32 * IDA_CFG_NUM_WARPS;

std::vector<float> randn(size_t n, unsigned seed, float scale = 1) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(g);
  return v;
}

struct Args {
  IdaKernelArgs a{};
  int p = 0, i = 0;
  Args &ptr(const void *q) {
    a.buffers[p++] = const_cast<void *>(q);
    return *this;
  }
  Args &imm(int64_t v) {
    a.buffers[16 + i++] = reinterpret_cast<void *>(static_cast<intptr_t>(v));
    return *this;
  }
  Args &immf(double v) {
    int64_t b;
    std::memcpy(&b, &v, 8);
    return imm(b);
  }
};

template <class Prog> void run(const Args &args, int64_t grid) {
  const int64_t g[3] = {grid, 1, 1};
  idaemu::runGrid<Prog>(args.a, g, kThreads, 8 * kThreads);
  ASSERT_EQ(idaemu::gLastExits.exitedBlocks, 0);
}

double maxRel(const std::vector<float> &a, const std::vector<float> &b) {
  double num = 0, den = 1e-30;
  for (size_t i = 0; i < b.size(); ++i) {
    num = std::max(num, double(std::fabs(a[i] - b[i])));
    den = std::max(den, double(std::fabs(b[i])));
  }
  return num / den;
}

TEST(NnLayersEmulation, RmsNormForwardAndBackward) {
  for (int64_t d : {5, 64, 150}) { // shorter, equal to, longer than the block
    const int64_t M = 3;
    auto x = randn(M * d, 1), w = randn(d, 2), dy = randn(M * d, 3);
    std::vector<float> y(M * d), r(M), y2(M * d), r2(M);
    ida::nn::rmsnormForward(x.data(), w.data(), M, d, 1e-5f, y.data(), r.data());
    run<idak::nn::RmsNormFwd>(
        Args().ptr(x.data()).ptr(w.data()).ptr(y2.data()).ptr(r2.data()).imm(d).immf(1e-5),
        M);
    EXPECT_LT(maxRel(y2, y), 1e-6) << "d=" << d;
    EXPECT_LT(maxRel(r2, r), 1e-6) << "d=" << d;
    std::vector<float> dx(M * d, 0.f), dw(d, 0.f), dx2(M * d, 0.f);
    ida::nn::rmsnormBackward(dy.data(), x.data(), w.data(), r.data(), M, d,
                             dx.data(), dw.data());
    run<idak::nn::RmsNormBwdDx>(Args()
                                    .ptr(dy.data())
                                    .ptr(x.data())
                                    .ptr(w.data())
                                    .ptr(r.data())
                                    .ptr(dx2.data())
                                    .imm(d),
                                M);
    EXPECT_LT(maxRel(dx2, dx), 1e-6) << "d=" << d;
  }
}

TEST(NnLayersEmulation, CrossEntropyArgmaxAcrossWarps) {
  for (int64_t V : {3, 64, 200}) {
    const int64_t M = 4;
    auto logits = randn(M * V, 4, 2.f);
    // Row 1: the maximum twice, in lanes of different warps when V > 32;
    // the first must win (as the host's strict scan). Row 2: all equal.
    const int64_t a = V > 40 ? 40 : V - 1, b = V > 40 ? 7 : 0;
    logits[1 * V + a] = logits[1 * V + b] = 9.f;
    for (int64_t i = 0; i < V; ++i)
      logits[2 * V + i] = 0.5f;
    std::vector<int32_t> labels = {int32_t(V - 1), int32_t(b), 0, -100};
    std::vector<float> p = logits, p2 = logits;
    ida::nn::CrossEntropyStats st =
        ida::nn::crossEntropyForward(p.data(), labels.data(), M, V);
    std::vector<double> stats(2 * M, -1.0);
    run<idak::nn::CrossEntropyFwd>(
        Args().ptr(p2.data()).ptr(labels.data()).ptr(stats.data()).imm(V), M);
    EXPECT_LT(maxRel(p2, p), 1e-6) << "V=" << V;
    double loss = 0;
    int64_t correct = 0;
    for (int64_t m = 0; m < M; ++m) {
      loss += stats[2 * m];
      correct += stats[2 * m + 1] != 0;
    }
    EXPECT_EQ(correct, st.correct) << "V=" << V;
    EXPECT_NEAR(loss / double(st.scored), st.loss, 1e-6 * st.loss) << "V=" << V;
    EXPECT_EQ(stats[2 * 3], 0.0); // ignored row
    EXPECT_EQ(stats[2 * 1 + 1], 1.0) << "first maximum wins, V=" << V;
    EXPECT_EQ(stats[2 * 2 + 1], 1.0) << "all equal: index 0, V=" << V;
  }
}

TEST(NnLayersEmulation, SumSquaresAndAdamW) {
  const int64_t n = 4096 + 300;
  auto x = randn(n, 5);
  std::vector<double> part(2, 0.0);
  run<idak::nn::SumSquares>(Args().ptr(x.data()).ptr(part.data()).imm(n), 2);
  double want = 0;
  for (float v : x)
    want += double(v) * double(v);
  EXPECT_NEAR(part[0] + part[1], want, 1e-12 * want);
  // AdamW, one step from zero moments: w - lr (g/|g| (1 +- eps) + wd w).
  auto w = randn(n, 6), g = randn(n, 7);
  std::vector<float> m(n, 0.f), v(n, 0.f), w0 = w;
  run<idak::nn::AdamWStep>(Args()
                               .ptr(w.data())
                               .ptr(g.data())
                               .ptr(m.data())
                               .ptr(v.data())
                               .imm(n)
                               .immf(0.9)
                               .immf(0.95)
                               .immf(0.1)
                               .immf(0.05)
                               .immf(1e-2)
                               .immf(0.1)
                               .immf(1e-8),
                           2);
  for (int64_t i = 0; i < n; i += 97) {
    const double mh = 0.1 * g[i] / 0.1, vh = 0.05 * double(g[i]) * g[i] / 0.05;
    const double want1 = w0[i] - 1e-2 * (mh / (std::sqrt(vh) + 1e-8) + 0.1 * w0[i]);
    EXPECT_NEAR(w[i], want1, 1e-6) << i;
  }
}

} // namespace

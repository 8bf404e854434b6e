//===- tests/unit/nn/DeviceModelTest.cpp - device model vs host model -----===//
//
// The device-resident model (what ida-train runs on a GPU) on the CPU
// device, against the host Model whose gradient ModelTest.cpp checks with
// finite differences: same loss, every parameter's gradient, and the
// parameters after a few clipped AdamW steps, for each mixer kind (the
// float64 reference core on both sides), with and without MLP and conv, at
// ragged shapes.
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/DeviceModel.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ida::nn {
namespace {

std::shared_ptr<LayerKernels> kernels() {
  static auto k = std::make_shared<LayerKernels>(
      std::shared_ptr<Device>(makeDevice("cpu")));
  return k;
}

double relErr(const Tensor<float> &a, const Tensor<float> &b) {
  double num = 0, den = 1e-30;
  for (int64_t i = 0; i < b.numel(); ++i) {
    num = std::max(num, double(std::fabs(a[i] - b[i])));
    den = std::max(den, double(std::fabs(b[i])));
  }
  return num / den;
}

struct Case {
  MixerKind kind;
  bool mlp;
  int64_t conv, B, T;
};

class DeviceModelVsHost : public ::testing::TestWithParam<Case> {};

TEST_P(DeviceModelVsHost, LossGradientsAndStepsMatch) {
  const Case c = GetParam();
  ModelConfig cfg;
  cfg.vocab = 29;
  cfg.dModel = 16;
  cfg.layers = 2;
  cfg.mlp = c.mlp;
  cfg.seed = 7;
  cfg.mixer.kind = c.kind;
  cfg.mixer.heads = 2;
  cfg.mixer.basis = 2;
  cfg.mixer.convKernel = c.conv;
  Model<float> host(cfg, referenceCoreFactory<float>());
  Model<float> mirror(cfg, referenceCoreFactory<float>()); // same seed
  DeviceModel dev(mirror, kernels(),
                  hostCoreOnDevice(kernels(), mirror.mixerConfig(),
                                   referenceCoreFactory<float>()),
                  AdamWConfig{});
  AdamW<float> opt(host.params(), AdamWConfig{});

  InitRng rng(11);
  const int64_t M = c.B * c.T;
  std::vector<int32_t> tokens(static_cast<size_t>(M)),
      labels(static_cast<size_t>(M));
  for (int step = 0; step < 3; ++step) {
    for (int64_t m = 0; m < M; ++m) {
      tokens[size_t(m)] = int32_t(rng.uniform() * double(cfg.vocab));
      labels[size_t(m)] = m % 4 == 1 ? kIgnoreLabel
                                     : int32_t(rng.uniform() * double(cfg.vocab));
    }
    LossStats a = host.forward(tokens.data(), labels.data(), c.B, c.T);
    LossStats b = dev.forward(tokens.data(), labels.data(), c.B, c.T);
    EXPECT_EQ(b.scored, a.scored);
    EXPECT_NEAR(b.loss, a.loss, 1e-5 * a.loss) << "step " << step;
    host.params().zeroGrad();
    host.backward();
    dev.zeroGrad();
    dev.backward();
    for (size_t i = 0; i < host.params().size(); ++i) {
      const Param<float> &p = host.params()[i];
      if (p.trainable)
        EXPECT_LT(relErr(dev.gradient(i), p.grad), 2e-5)
            << p.name << " at step " << step;
    }
    const double n1 = clipGradNorm(host.params(), 0.5);
    const double n2 = dev.clipGradNorm(0.5);
    EXPECT_NEAR(n2, n1, 1e-5 * n1);
    opt.update(3e-3);
    dev.adamUpdate(3e-3);
  }
  AdamW<float> devOpt(mirror.params(), AdamWConfig{});
  dev.download(devOpt);
  EXPECT_EQ(devOpt.step(), opt.step());
  for (size_t i = 0; i < host.params().size(); ++i)
    EXPECT_LT(relErr(mirror.params()[i].value, host.params()[i].value), 1e-4)
        << host.params()[i].name;
}

INSTANTIATE_TEST_SUITE_P(
    Mixers, DeviceModelVsHost,
    ::testing::Values(Case{MixerKind::Ida, true, 4, 2, 13},
                      Case{MixerKind::Ssm, false, 0, 1, 20},
                      Case{MixerKind::Mamba2, true, 3, 3, 7},
                      Case{MixerKind::Linear, true, 4, 2, 9},
                      Case{MixerKind::Softmax, false, 4, 2, 11}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(mixerKindName(info.param.kind));
    });

TEST(DeviceModel, NonFiniteParameterIsNamed) {
  ModelConfig cfg;
  cfg.vocab = 11;
  cfg.dModel = 8;
  cfg.layers = 1;
  cfg.mixer.heads = 2;
  Model<float> mirror(cfg, referenceCoreFactory<float>());
  // Corrupt one weight before the upload: its gradient and the loss turn NaN.
  mirror.params()[0].value[3] = NAN;
  DeviceModel dev(mirror, kernels(),
                  hostCoreOnDevice(kernels(), mirror.mixerConfig(),
                                   referenceCoreFactory<float>()),
                  AdamWConfig{});
  EXPECT_EQ(dev.firstNonFiniteParameter(), mirror.params()[0].name);
  std::vector<int32_t> tok = {1, 3, 3, 0}, lab = {3, 3, 0, 1};
  EXPECT_FALSE(std::isfinite(dev.forward(tok.data(), lab.data(), 1, 4).loss));
}

} // namespace
} // namespace ida::nn

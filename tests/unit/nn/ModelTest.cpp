//===- tests/unit/nn/ModelTest.cpp - whole-model gradient -----------------===//
//
// The full model (embedding, L blocks with conv + mixer + SwiGLU MLP, final
// norm, tied head, masked cross-entropy) in float64 with the reference core,
// against central differences on every parameter tensor.
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/Model.h"
#include "tests/unit/nn/GradCheck.h"

namespace ida::nn::test {
namespace {

void checkModelGradient(MixerKind kind, bool mlp) {
  ModelConfig cfg;
  cfg.vocab = 11;
  cfg.dModel = 8;
  cfg.layers = 2;
  cfg.mlp = mlp;
  cfg.mlpHidden = 6;
  cfg.seed = 3;
  cfg.embedStd = 0.5; // larger than training's default so logits are not flat
  cfg.mixer.kind = kind;
  cfg.mixer.heads = 2;
  cfg.mixer.basis = 2;
  cfg.mixer.convKernel = 3;
  Model<double> model(cfg, referenceCoreFactory<double>());
  const int64_t B = 2, T = 6;
  std::vector<int32_t> tokens(B * T), labels(B * T);
  for (int64_t i = 0; i < B * T; ++i) {
    tokens[i] = int32_t((i * 7 + 3) % cfg.vocab);
    labels[i] = (i % 3 == 1) ? kIgnoreLabel : int32_t((i * 5 + 1) % cfg.vocab);
  }
  auto loss = [&] { return model.forward(tokens.data(), labels.data(), B, T).loss; };
  loss();
  auto &params = model.params();
  params.zeroGrad();
  model.backward();
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].trainable)
      continue;
    Tensor<double> g = params[i].grad;
    expectGradMatches(params[i].name, params[i].value, g, loss, 1e-6, 24);
  }
}

TEST(Model, GradientMatchesFiniteDifferencesIda) { checkModelGradient(MixerKind::Ida, true); }
TEST(Model, GradientMatchesFiniteDifferencesSoftmaxNoMlp) {
  checkModelGradient(MixerKind::Softmax, false);
}
TEST(Model, GradientMatchesFiniteDifferencesLinear) { checkModelGradient(MixerKind::Linear, true); }

TEST(Model, SameSeedSameParameters) {
  ModelConfig cfg;
  cfg.vocab = 16;
  cfg.dModel = 8;
  cfg.mixer.heads = 2;
  Model<float> a(cfg, referenceCoreFactory<float>()), b(cfg, referenceCoreFactory<float>());
  cfg.seed = 1;
  Model<float> c(cfg, referenceCoreFactory<float>());
  ASSERT_EQ(a.params().size(), b.params().size());
  for (size_t i = 0; i < a.params().size(); ++i)
    EXPECT_EQ(a.params()[i].value.data, b.params()[i].value.data);
  EXPECT_NE(a.params()[0].value.data, c.params()[0].value.data);
}

} // namespace
} // namespace ida::nn::test

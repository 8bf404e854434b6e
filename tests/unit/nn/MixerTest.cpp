//===- tests/unit/nn/MixerTest.cpp - the mixer layer and its cores --------===//
#include "runtime/nn/Mixer.h"
#include "tests/unit/nn/CoreCheck.h"
#include "tests/unit/nn/GradCheck.h"

namespace ida::nn::test {
namespace {

struct MixerCase {
  const char *name;
  MixerKind kind;
  ref::FeatureKind feature;
  int64_t basis;
  bool normalize;
};

void PrintTo(const MixerCase &c, std::ostream *os) { *os << c.name; }

MixerOptions optionsOf(const MixerCase &c) {
  MixerOptions o;
  o.kind = c.kind;
  o.heads = 2;
  o.headDim = 3;
  o.valueDim = 2;
  o.basis = c.basis;
  o.feature = c.feature;
  o.featureParam = 4;
  o.convKernel = 3;
  o.normalize = c.normalize;
  return o;
}

class MixerGrad : public ::testing::TestWithParam<MixerCase> {};

// The whole layer (conv, projections, core, output projection) in float64
// against central differences, for the input and every trainable parameter.
TEST_P(MixerGrad, BackwardMatchesFiniteDifferences) {
  const MixerCase &c = GetParam();
  const int64_t d = 6, B = 2, T = 5;
  MixerConfig cfg = resolveMixer(optionsOf(c), d);
  ParamStore<double> store;
  InitRng rng(42);
  MixerLayer<double> layer(cfg, makeReferenceCore<double>(cfg.core), store,
                           "m.", rng, 0.3);
  auto x = randomTensor({B, T, d}, 7), R = randomTensor({B, T, d}, 8);
  auto loss = [&] {
    Tensor<double> out;
    layer.forward(x, B, T, out);
    return dot(out, R);
  };
  Tensor<double> out, dx({B, T, d});
  layer.forward(x, B, T, out);
  store.zeroGrad();
  layer.backward(R, dx);
  expectGradMatches("dx", x, dx, loss, 1e-6);
  for (size_t i = 0; i < store.size(); ++i) {
    if (!store[i].trainable)
      continue;
    Tensor<double> g = store[i].grad; // the loss lambda does not touch grads
    expectGradMatches(store[i].name, store[i].value, g, loss, 1e-6, 40);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, MixerGrad,
    ::testing::Values(
        MixerCase{"ida_elu1", MixerKind::Ida, ref::FeatureKind::Elu1, 3, false},
        MixerCase{"ida_prf", MixerKind::Ida, ref::FeatureKind::Prf, 2, false},
        MixerCase{"ida_hedgehog_norm", MixerKind::Ida, ref::FeatureKind::Hedgehog, 2, true},
        MixerCase{"ida_taylor2", MixerKind::Ida, ref::FeatureKind::Taylor2, 2, false},
        MixerCase{"ssm", MixerKind::Ssm, ref::FeatureKind::Elu1, 3, false},
        MixerCase{"mamba2", MixerKind::Mamba2, ref::FeatureKind::Elu1, 1, false},
        MixerCase{"linear", MixerKind::Linear, ref::FeatureKind::Elu1, 1, false},
        MixerCase{"softmax", MixerKind::Softmax, ref::FeatureKind::Elu1, 1, false}),
    [](const auto &info) { return std::string(info.param.name); });

// The core's vjp (float in, float out) against the float64 reference: the
// check a bundle-backed core must also pass.
TEST(MixerCore, ReferenceCoreBackwardMatchesReference) {
  for (MixerKind kind : {MixerKind::Ida, MixerKind::Ssm, MixerKind::Mamba2,
                         MixerKind::Linear, MixerKind::Softmax}) {
    MixerOptions o;
    o.kind = kind;
    o.heads = 2;
    o.headDim = 4;
    o.valueDim = 3;
    o.basis = 3;
    MixerConfig cfg = resolveMixer(o, 8);
    auto core = makeReferenceCore<float>(cfg.core);
    CoreDims dims;
    dims.N = cfg.core.attention ? 1 : cfg.N;
    SCOPED_TRACE(mixerKindName(kind));
    expectCoreMatchesReference(*core, cfg.core, dims, 5);
  }
  CoreSpec prf;
  prf.ida.feature = ref::FeatureKind::Prf;
  prf.ida.featureParam = 5;
  auto core = makeReferenceCore<float>(prf);
  expectCoreMatchesReference(*core, prf, CoreDims{}, 6);
}

ref::Array asRef(const Tensor<double> &t) {
  ref::Array a;
  a.shape = t.shape;
  a.data = t.data;
  return a;
}

// The float mixer layer against the same layer in float64 (same parameters).
TEST(MixerCore, FloatLayerMatchesDoubleLayer) {
  MixerOptions o;
  o.heads = 2;
  o.basis = 3;
  const int64_t d = 8, B = 2, T = 11;
  MixerConfig cfg = resolveMixer(o, d);
  ParamStore<float> sf;
  ParamStore<double> sd;
  InitRng r1(3), r2(3);
  MixerLayer<float> lf(cfg, makeReferenceCore<float>(cfg.core), sf, "m.", r1, 0.2);
  MixerLayer<double> ld(cfg, makeReferenceCore<double>(cfg.core), sd, "m.", r2, 0.2);
  for (size_t i = 0; i < sd.size(); ++i)
    sd[i].value = castTensor<double>(sf[i].value);
  auto xd = randomTensor({B, T, d}, 9), Rd = randomTensor({B, T, d}, 10);
  auto xf = castTensor<float>(xd), Rf = castTensor<float>(Rd);
  xd = castTensor<double>(xf);
  Tensor<float> of, dxf({B, T, d});
  Tensor<double> od, dxd({B, T, d});
  lf.forward(xf, B, T, of);
  ld.forward(xd, B, T, od);
  lf.backward(Rf, dxf);
  ld.backward(castTensor<double>(Rf), dxd);
  EXPECT_LT(relError(of, asRef(od)), 1e-5);
  EXPECT_LT(relError(dxf, asRef(dxd)), 1e-5);
  for (size_t i = 0; i < sd.size(); ++i)
    EXPECT_LT(relError(sf[i].grad, asRef(sd[i].grad)), 1e-4)
        << sd[i].name;
}

// A pluggable core that returns a wrong shape is reported, not overrun.
class WrongShapeCore final : public MixerCoreT<float> {
public:
  std::string describe() const override { return "wrong-shape"; }
  void forward(const CoreInputs<float> &in, Tensor<float> &y) override {
    y.reset({in.v->shape[0], in.v->shape[1], in.v->shape[2], in.v->shape[3] + 1});
  }
  void vjp(const CoreInputs<float> &, const Tensor<float> &,
           CoreGrads<float> &) override {}
};

TEST(MixerCore, WrongShapeFromACoreIsAnError) {
  MixerOptions o;
  o.heads = 2;
  MixerConfig cfg = resolveMixer(o, 8);
  ParamStore<float> store;
  InitRng rng(1);
  MixerLayer<float> layer(cfg, std::make_unique<WrongShapeCore>(), store, "m.", rng, 0.1);
  Tensor<float> x({1, 4, 8}), out;
  try {
    layer.forward(x, 1, 4, out);
    FAIL() << "no error";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("returned y of shape [1, 4, 2, 5]"),
              std::string::npos) << e.what();
  }
}

TEST(MixerConfig, MapsKindsAndCountsState) {
  MixerOptions o;
  o.heads = 4;
  o.basis = 4;
  o.feature = ref::FeatureKind::Elu1;
  MixerConfig ida = resolveMixer(o, 128);
  EXPECT_EQ(ida.D, 32);
  EXPECT_EQ(stateSizePerHead(ida, 256), 4 * 32 * 32);
  EXPECT_EQ(stateSizePerLayer(ida, 256), 4 * 4 * 32 * 32);
  o.kind = MixerKind::Ssm;
  MixerConfig ssm = resolveMixer(o, 128);
  EXPECT_EQ(stateSizePerHead(ssm, 256), stateSizePerHead(ida, 256));
  EXPECT_EQ(ssm.core.ida.basisWeights, ref::BasisWeights::Uniform);
  EXPECT_FALSE(ssm.projectG);
  o.kind = MixerKind::Mamba2;
  MixerConfig m2 = resolveMixer(o, 128);
  EXPECT_EQ(m2.N, 1);
  EXPECT_EQ(m2.core.ida.feature, ref::FeatureKind::Identity);
  o.kind = MixerKind::Linear;
  MixerConfig lin = resolveMixer(o, 128);
  EXPECT_FALSE(lin.trainDecay);
  EXPECT_TRUE(lin.core.ida.normalize);
  o.kind = MixerKind::Softmax;
  MixerConfig sm = resolveMixer(o, 128);
  EXPECT_TRUE(sm.core.attention);
  EXPECT_EQ(stateSizePerHead(sm, 256), 256 * 64);
  EXPECT_THROW(parseMixerKind("rwkv"), std::invalid_argument);
  o.kind = MixerKind::Ida;
  o.feature = ref::FeatureKind::Taylor2;
  o.headDim = 1024; // F = 1 + D + D^2: the state cannot fit
  EXPECT_THROW(resolveMixer(o, 128), std::invalid_argument);
}

} // namespace
} // namespace ida::nn::test

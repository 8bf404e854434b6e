//===- tests/unit/nn/BundleCoreTest.cpp - the bundle core vs the reference ===//
//
// Compiles small presets with idac (cached in $IDA_CACHE_DIR/bundles, which
// ctest points at the build tree), runs their forward and forward_vjp entries
// on the CPU through the bundle core, and compares every output with the
// float64 reference (CoreCheck.h: ||out - ref|| / ||ref|| < 1e-5, parameter
// gradients included), at several (B, T) including T not a multiple of the
// chunk. Kernels run their manifest defaults (no autotuning): the tuner's
// search is tested on its own, and would dominate the time here.
//
// Host compiles are nearly all of the time, so the sizes are chosen for them:
// H = 2, D = P = 32 (small static extents unroll into slow builds), and the
// ida preset is the one ToolTest's bundle run compiles (d_model 64, 2 heads,
// N = 2, chunk 32), so the two share the bundle and its kernel binaries.
//
// Skipped when there is no idac (a runtime-only build, -DIDA_ENABLE_COMPILER=OFF)
// unless $IDA_IDAC names one.
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/BundleCore.h"
#include "runtime/nn/PresetBundle.h"
#include "tests/unit/nn/CoreCheck.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

namespace ida::nn::test {
namespace {

std::string idacPath() {
  if (const char *env = std::getenv("IDA_IDAC"); env && *env)
    return env;
  const std::string built = IDA_IDAC_BIN;
  return !built.empty() && ::access(built.c_str(), X_OK) == 0 ? built : "";
}

#define REQUIRE_IDAC()                                                         \
  if (idacPath().empty())                                                      \
  GTEST_SKIP() << "idac is not built (IDA_ENABLE_COMPILER=OFF) and IDA_IDAC "  \
                  "is unset"

MixerConfig mixer(MixerKind kind, ref::FeatureKind feature, int64_t N,
                  int64_t chunk, bool normalize = false, int64_t featureDim = 0) {
  MixerOptions o;
  o.kind = kind;
  o.heads = 2;
  o.headDim = 32;
  o.valueDim = 32;
  o.basis = N;
  o.feature = feature;
  o.featureParam = featureDim;
  o.chunk = chunk;
  o.normalize = normalize;
  return resolveMixer(o, 64);
}

std::shared_ptr<MixerBundle> open(const MixerConfig &cfg) {
  IdacBundle pb = idacBundle(idacPath(), presetArgs(cfg, "cpu"));
  auto mb = std::make_shared<MixerBundle>(pb.dir, "cpu", /*autotune=*/false);
  mb->checkMatches(cfg);
  return mb;
}

/// The device-resident core (DeviceModel's: the entries on device pointers
/// through Launcher::runOnDevice) against the host core on the same inputs:
/// on the CPU device both run the same kernels, so they agree exactly; this
/// checks the device core's binding of names, shapes and output spans.
void expectDeviceCoreMatchesHostCore(const std::shared_ptr<MixerBundle> &mb,
                                     const MixerConfig &cfg, int64_t B,
                                     int64_t T, uint64_t seed) {
  const int64_t H = cfg.H, D = cfg.D, P = cfg.P, N = cfg.N;
  InitRng rng(seed);
  auto make = [&](std::vector<int64_t> shape, double std) {
    Tensor<float> t(std::move(shape));
    rng.fillNormal(t, std);
    return t;
  };
  Tensor<float> q = make({B, T, H, D}, 0.5), k = make({B, T, H, D}, 0.5),
                v = make({B, T, H, P}, 1), dy = make({B, T, H, P}, 1), dt, g,
                A_log, dt_bias, W;
  CoreInputs<float> in;
  in.q = &q, in.k = &k, in.v = &v;
  DeviceCoreArgs din;
  din.B = B, din.T = T, din.q = q.ptr(), din.k = k.ptr(), din.v = v.ptr();
  if (!cfg.core.attention) {
    dt = make({B, T, H}, 1);
    A_log = make({H, N}, 0.5);
    dt_bias = make({H}, 0.5);
    in.dt = &dt, in.A_log = &A_log, in.dt_bias = &dt_bias;
    din.dt = dt.ptr(), din.A_log = A_log.ptr(), din.dt_bias = dt_bias.ptr();
    if (cfg.projectG) {
      g = make({B, T, H, N}, 1);
      in.g = &g, din.g = g.ptr();
    }
    if (cfg.hasFeatureWeights) {
      W = make({H, cfg.core.ida.featureParam, D}, 0.5);
      in.W = &W, din.W = W.ptr();
    }
  }
  auto host = MixerBundle::makeCore(mb, cfg.core);
  auto dev = MixerBundle::deviceFactory(mb, cfg)(cfg.core);
  Tensor<float> y, ydev({B, T, H, P}, NAN);
  host->forward(in, y);
  dev->forward(din, ydev.ptr());
  EXPECT_EQ(ydev.data, y.data);
  CoreGrads<float> gh;
  host->vjp(in, dy, gh);
  // Outputs start as NaN: the core must overwrite every element.
  CoreGrads<float> gd;
  DeviceCoreGrads dg;
  auto out = [&](Tensor<float> &t, const Tensor<float> &like) {
    t = Tensor<float>(like.shape, NAN);
    return t.ptr();
  };
  dg.dq = out(gd.dq, gh.dq), dg.dk = out(gd.dk, gh.dk), dg.dv = out(gd.dv, gh.dv);
  if (!cfg.core.attention) {
    dg.ddt = out(gd.ddt, gh.ddt);
    dg.dA_log = out(gd.dA_log, gh.dA_log);
    dg.ddt_bias = out(gd.ddt_bias, gh.ddt_bias);
    if (in.g)
      dg.dg = out(gd.dg, gh.dg);
    if (in.W)
      dg.dW = out(gd.dW, gh.dW);
  }
  dev->vjp(din, dy.ptr(), dg);
  EXPECT_EQ(gd.dq.data, gh.dq.data);
  EXPECT_EQ(gd.dk.data, gh.dk.data);
  EXPECT_EQ(gd.dv.data, gh.dv.data);
  EXPECT_EQ(gd.ddt.data, gh.ddt.data);
  EXPECT_EQ(gd.dg.data, gh.dg.data);
  EXPECT_EQ(gd.dA_log.data, gh.dA_log.data);
  EXPECT_EQ(gd.ddt_bias.data, gh.ddt_bias.data);
  EXPECT_EQ(gd.dW.data, gh.dW.data);
}

/// Forward and vjp against the reference at a few (B, T); chunk 32, so T = 37
/// and T = 100 end in a partial chunk and T = 64 does not.
void expectMatches(const MixerConfig &cfg, uint64_t seed) {
  auto mb = open(cfg);
  expectDeviceCoreMatchesHostCore(mb, cfg, 2, 37, seed + 100);
  auto core = MixerBundle::makeCore(mb, cfg.core);
  EXPECT_EQ(core->describe(), "bundle (compiled kernels, cpu)");
  const std::pair<int64_t, int64_t> shapes[] = {{2, 64}, {1, 37}, {3, 100}};
  for (auto [B, T] : shapes) {
    SCOPED_TRACE("B=" + std::to_string(B) + " T=" + std::to_string(T));
    CoreDims d;
    d.B = B, d.T = T, d.H = cfg.H, d.D = cfg.D, d.P = cfg.P, d.N = cfg.N;
    expectCoreMatchesReference(*core, cfg.core, d, seed++, 1e-5);
  }
}

TEST(BundleCore, IdaMatchesReference) {
  REQUIRE_IDAC();
  expectMatches(mixer(MixerKind::Ida, ref::FeatureKind::Elu1, 2, 32), 11);
}

TEST(BundleCore, SsmUniformPrfNormalizedMatchesReference) {
  REQUIRE_IDAC();
  // Uniform weights: g is left out (the bundle's g is optional) and dg is
  // empty; prf binds the feature weights W (and returns dW); and the
  // normalized read-out. One bundle for the three, to save a host compile.
  expectMatches(mixer(MixerKind::Ssm, ref::FeatureKind::Prf, 2, 32,
                      /*normalize=*/true, /*featureDim=*/16),
                21);
}

TEST(BundleCore, SoftmaxAttentionMatchesReference) {
  REQUIRE_IDAC();
  expectMatches(mixer(MixerKind::Softmax, ref::FeatureKind::Elu1, 0, 32), 41);
}

TEST(BundleCore, MismatchedBundleIsRefused) {
  REQUIRE_IDAC();
  const MixerConfig ida = mixer(MixerKind::Ida, ref::FeatureKind::Elu1, 2, 32);
  auto mb = open(ida);
  auto expectRefused = [&](const MixerConfig &other, const std::string &why) {
    try {
      mb->checkMatches(other);
      ADD_FAILURE() << "accepted; expected: " << why;
    } catch (const std::invalid_argument &e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("does not match the model"), std::string::npos) << msg;
      EXPECT_NE(msg.find(why), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  };
  expectRefused(mixer(MixerKind::Ida, ref::FeatureKind::Elu1, 4, 32),
                "basis 2 (the model's: 4)");
  expectRefused(mixer(MixerKind::Ssm, ref::FeatureKind::Elu1, 2, 32),
                "basis-weights softmax (the model's: uniform)");
  expectRefused(mixer(MixerKind::Softmax, ref::FeatureKind::Elu1, 0, 32),
                "the model's mixer is softmax");
  MixerOptions wide;
  wide.heads = 4;
  wide.headDim = 32;
  wide.valueDim = 32;
  wide.basis = 2;
  wide.chunk = 32;
  expectRefused(resolveMixer(wide, 64), "heads 2 (the model's: 4)");
  // The chunk is a tuning hint, not part of the op: any chunk fits.
  EXPECT_NO_THROW(mb->checkMatches(mixer(MixerKind::Ida, ref::FeatureKind::Elu1, 2, 64)));
  // A core for the other family is refused when it is made, too.
  EXPECT_THROW(MixerBundle::makeCore(
                   mb, mixer(MixerKind::Softmax, ref::FeatureKind::Elu1, 0, 32).core),
               std::invalid_argument);
}

TEST(BundleCore, PresetArgsFollowTheModel) {
  const MixerConfig c = mixer(MixerKind::Ida, ref::FeatureKind::Prf, 2, 32,
                              /*normalize=*/true, /*featureDim=*/8);
  std::string line;
  for (const std::string &a : presetArgs(c, "cpu"))
    line += (line.empty() ? "" : " ") + a;
  EXPECT_EQ(line, "--preset --mixer ida --feature prf --feature-dim 8 --basis 2 "
                  "--basis-weights softmax --chunk 32 --heads 2 --head-dim 32 "
                  "--value-dim 32 --normalize --dtype f32 --no-decode --target cpu");
  const MixerConfig s = mixer(MixerKind::Softmax, ref::FeatureKind::Elu1, 0, 64);
  line.clear();
  for (const std::string &a : presetArgs(s, "all"))
    line += (line.empty() ? "" : " ") + a;
  EXPECT_EQ(line, "--preset --mixer softmax --heads 2 --head-dim 32 --value-dim 32 "
                  "--dtype f32 --target all");
}

} // namespace
} // namespace ida::nn::test

//===- tests/unit/nn/TrainTest.cpp - the loop: learning, resume, NaN guard ===//
#include "runtime/train/Checkpoint.h"
#include "runtime/train/SafeTensors.h"
#include "runtime/train/Trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

namespace ida::train {
namespace {

nn::ModelConfig tinyModel(nn::MixerKind kind) {
  nn::ModelConfig c;
  c.vocab = 32;
  c.dModel = 32;
  c.layers = 2;
  c.mixer.kind = kind;
  c.mixer.heads = 2;
  c.mixer.basis = 2;
  c.seed = 7;
  return c;
}

MqarOptions tinyMqar() {
  MqarOptions o;
  o.vocab = 32;
  o.pairs = 4;
  return o;
}

TrainOptions tinyTrain(int64_t steps) {
  TrainOptions t;
  t.steps = steps;
  t.batch = 8;
  t.seqLen = 24;
  t.lr = 3e-3;
  t.evalBatches = 1;
  t.evalEvery = 1000;
  t.logEvery = 0;
  t.seed = 3;
  return t;
}

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + name;
}

double mean(const std::vector<double> &v, size_t from, size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, 0.0) / double(to - from);
}

TEST(Train, LossFallsOnSmallMqar) {
  for (nn::MixerKind kind : {nn::MixerKind::Softmax, nn::MixerKind::Ida}) {
    nn::Model<float> model(tinyModel(kind), nn::referenceCoreFactory<float>());
    MqarTask task(tinyMqar());
    Trainer trainer(model, task, tinyTrain(40), nullptr);
    TrainResult r = trainer.run();
    ASSERT_EQ(r.losses.size(), 40u);
    // Chance is log(32) = 3.47; learning that answers are values alone gives
    // log(16) = 2.77. Require a clear fall from the first steps.
    EXPECT_LT(mean(r.losses, 30, 40), mean(r.losses, 0, 5) - 0.3)
        << nn::mixerKindName(kind);
    EXPECT_TRUE(std::isfinite(r.finalLoss));
  }
}

TEST(Train, ResumeReproducesLossesExactly) {
  const std::string ckpt = tempPath("ida_resume.safetensors");
  MqarTask task(tinyMqar());
  auto cfg = tinyModel(nn::MixerKind::Ida);

  nn::Model<float> full(cfg, nn::referenceCoreFactory<float>());
  TrainResult whole = Trainer(full, task, tinyTrain(8), nullptr).run();

  nn::Model<float> first(cfg, nn::referenceCoreFactory<float>());
  TrainOptions o1 = tinyTrain(8);
  o1.stopAfter = 3;
  o1.savePath = ckpt;
  TrainResult head = Trainer(first, task, o1, nullptr).run();
  ASSERT_EQ(head.endStep, 3);

  cfg.seed = 999; // initialisation must come from the checkpoint, not the seed
  nn::Model<float> second(cfg, nn::referenceCoreFactory<float>());
  TrainOptions o2 = tinyTrain(8);
  o2.resumePath = ckpt;
  TrainResult tail = Trainer(second, task, o2, nullptr).run();
  ASSERT_EQ(tail.startStep, 3);
  ASSERT_EQ(head.losses.size() + tail.losses.size(), whole.losses.size());
  for (size_t i = 0; i < head.losses.size(); ++i)
    EXPECT_EQ(head.losses[i], whole.losses[i]) << "step " << i;
  for (size_t i = 0; i < tail.losses.size(); ++i)
    EXPECT_EQ(tail.losses[i], whole.losses[3 + i]) << "step " << 3 + i; // bitwise
  EXPECT_EQ(tail.finalLoss, whole.finalLoss);
  for (size_t i = 0; i < full.params().size(); ++i)
    EXPECT_EQ(full.params()[i].value.data, second.params()[i].value.data)
        << full.params()[i].name;
  std::remove(ckpt.c_str());
}

std::unique_ptr<nn::DeviceModel> onDevice(nn::Model<float> &model);

/// A NaN injected into a weight before step 5 stops training at step 5,
/// naming the tensor; the checkpoint of step 4 stays intact.
void expectNanGuard(bool device) {
  const std::string ckpt = tempPath(device ? "ida_nan_dev.safetensors" : "ida_nan.safetensors");
  std::remove(ckpt.c_str());
  MqarTask task(tinyMqar());
  nn::Model<float> model(tinyModel(nn::MixerKind::Ida), nn::referenceCoreFactory<float>());
  std::unique_ptr<nn::DeviceModel> dev = device ? onDevice(model) : nullptr;
  TrainOptions o = tinyTrain(10);
  o.savePath = ckpt;
  o.saveEvery = 2;
  Trainer trainer(model, task, o, nullptr);
  trainer.useDevice(dev.get());
  trainer.beforeStep = [](int64_t step, nn::Model<float> &m) {
    if (step == 5)
      for (size_t i = 0; i < m.params().size(); ++i)
        if (m.params()[i].name == "blocks.1.mixer.w_in")
          m.params()[i].value[3] = NAN;
  };
  try {
    trainer.run();
    FAIL() << "the NaN guard did not fire";
  } catch (const NonFiniteError &e) {
    EXPECT_EQ(e.step(), 5);
    EXPECT_EQ(e.tensor(), "parameter blocks.1.mixer.w_in");
    EXPECT_NE(std::string(e.what()).find("step 5"), std::string::npos);
  }
  // The last checkpoint is the one from step 4, intact and NaN-free.
  nn::Model<float> fresh(tinyModel(nn::MixerKind::Ida), nn::referenceCoreFactory<float>());
  nn::AdamW<float> opt(fresh.params(), {});
  DataRng rng;
  CheckpointMeta meta = loadCheckpoint(ckpt, fresh.params(), opt, rng);
  EXPECT_EQ(meta.step, 4);
  for (size_t i = 0; i < fresh.params().size(); ++i)
    if (fresh.params()[i].trainable)
      for (float x : fresh.params()[i].value.data)
        ASSERT_TRUE(std::isfinite(x)) << fresh.params()[i].name;
  // No temporary file left behind by the atomic writes.
  for (auto &entry : std::filesystem::directory_iterator(::testing::TempDir()))
    EXPECT_EQ(entry.path().filename().string().find(".safetensors.tmp"),
              std::string::npos);
  std::remove(ckpt.c_str());
}

TEST(Train, NanGuardNamesStepAndTensorAndSavesNothingCorrupt) {
  expectNanGuard(false);
}

TEST(Train, NanGuardNamesAnInfInANormWeight) {
  MqarTask task(tinyMqar());
  nn::Model<float> model(tinyModel(nn::MixerKind::Softmax), nn::referenceCoreFactory<float>());
  Trainer trainer(model, task, tinyTrain(4), nullptr);
  // An Inf (not a NaN) in the final norm, the last registered parameter:
  // the loss becomes non-finite and the guard names the root cause.
  trainer.beforeStep = [](int64_t step, nn::Model<float> &m) {
    if (step == 1)
      m.params()[m.params().size() - 1].value[0] = INFINITY;
  };
  try {
    trainer.run();
    FAIL() << "the NaN guard did not fire";
  } catch (const NonFiniteError &e) {
    EXPECT_EQ(e.step(), 1);
    EXPECT_EQ(e.tensor(), "parameter norm_f");
  }
}

// --- the device-resident model (DeviceModel) on the CPU device ---------------

/// A device mirror of `model` on the CPU device with float64 reference cores
/// (what --model-on device does there, minus the bundle).
std::unique_ptr<nn::DeviceModel> onDevice(nn::Model<float> &model) {
  static auto kernels = std::make_shared<nn::LayerKernels>(
      std::shared_ptr<Device>(makeDevice("cpu")));
  return std::make_unique<nn::DeviceModel>(
      model, kernels,
      nn::hostCoreOnDevice(kernels, model.mixerConfig(),
                           nn::referenceCoreFactory<float>()),
      nn::AdamWConfig{});
}

TEST(TrainOnDevice, FollowsTheHostRunAndResumesExactly) {
  const std::string ckpt = tempPath("ida_resume_dev.safetensors");
  MqarTask task(tinyMqar());
  auto cfg = tinyModel(nn::MixerKind::Ida);

  nn::Model<float> hostModel(cfg, nn::referenceCoreFactory<float>());
  TrainResult host = Trainer(hostModel, task, tinyTrain(8), nullptr).run();

  nn::Model<float> full(cfg, nn::referenceCoreFactory<float>());
  auto fullDev = onDevice(full);
  Trainer t0(full, task, tinyTrain(8), nullptr);
  t0.useDevice(fullDev.get());
  TrainResult whole = t0.run();
  ASSERT_EQ(whole.losses.size(), host.losses.size());
  for (size_t i = 0; i < host.losses.size(); ++i) // summation orders differ
    EXPECT_NEAR(whole.losses[i], host.losses[i], 1e-4 * host.losses[i]) << i;

  nn::Model<float> first(cfg, nn::referenceCoreFactory<float>());
  auto firstDev = onDevice(first);
  TrainOptions o1 = tinyTrain(8);
  o1.stopAfter = 3;
  o1.savePath = ckpt;
  Trainer t1(first, task, o1, nullptr);
  t1.useDevice(firstDev.get());
  TrainResult head = t1.run();
  ASSERT_EQ(head.endStep, 3);

  cfg.seed = 999; // initialisation must come from the checkpoint
  nn::Model<float> second(cfg, nn::referenceCoreFactory<float>());
  auto secondDev = onDevice(second);
  TrainOptions o2 = tinyTrain(8);
  o2.resumePath = ckpt;
  Trainer t2(second, task, o2, nullptr);
  t2.useDevice(secondDev.get());
  TrainResult tail = t2.run();
  ASSERT_EQ(tail.startStep, 3);
  for (size_t i = 0; i < tail.losses.size(); ++i)
    EXPECT_EQ(tail.losses[i], whole.losses[3 + i]) << "step " << 3 + i; // bitwise
  EXPECT_EQ(tail.finalLoss, whole.finalLoss);
  std::remove(ckpt.c_str());
}

TEST(TrainOnDevice, NanGuardNamesStepAndTensorAndSavesNothingCorrupt) {
  expectNanGuard(true);
}

TEST(SafeTensors, RoundTripAndFormat) {
  const std::string path = tempPath("ida_roundtrip.safetensors");
  SafeTensorsFile f;
  const float a[6] = {1, 2, 3, 4, 5, 6}, b[1] = {-7};
  f.putF32("a", {2, 3}, a);
  f.putF32("b", {1}, b);
  f.metadata["step"] = "12";
  writeSafeTensors(path, f);
  SafeTensorsFile g = readSafeTensors(path);
  EXPECT_EQ(g.meta("step"), "12");
  float a2[6], b2[1];
  g.getF32("a", {2, 3}, a2);
  g.getF32("b", {1}, b2);
  EXPECT_EQ(std::vector<float>(a2, a2 + 6), std::vector<float>(a, a + 6));
  EXPECT_EQ(b2[0], -7);
  EXPECT_THROW(g.getF32("a", {3, 2}, a2), std::runtime_error);
  EXPECT_THROW(g.getF32("c", {1}, a2), std::runtime_error);
  // Layout: u64 header length, multiple of 8, then 28 bytes of data.
  std::FILE *fp = std::fopen(path.c_str(), "rb");
  ASSERT_TRUE(fp);
  unsigned char len[8];
  ASSERT_EQ(std::fread(len, 1, 8, fp), 8u);
  std::fclose(fp);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(len[i]) << (8 * i);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(std::filesystem::file_size(path), 8 + n + 28);
  EXPECT_THROW(readSafeTensors(tempPath("no_such.safetensors")), std::runtime_error);
  std::remove(path.c_str());
}

} // namespace
} // namespace ida::train

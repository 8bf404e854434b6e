//===- tests/unit/nn/ToolTest.cpp - the ida-train command line ------------===//
//
// Runs the built tool: bad input is one line on stderr and exit status 1; a
// tiny run writes the JSON metrics the issue lists; with the bundle core (the
// default; idac compiles the model's preset) a short MQAR run learns, and a
// --bundle that does not fit the model is refused in one line. The bundle
// tests skip when there is no idac (IDA_ENABLE_COMPILER=OFF, no $IDA_IDAC).
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Result {
  int status = -1;
  std::string err;
};

/// `env` is prepended to the command line ("NAME=VALUE ...").
Result runTool(const std::string &args, const std::string &env = "") {
  const std::string errPath = ::testing::TempDir() + "ida_train_stderr.txt";
  const std::string cmd = env + " " + std::string(IDA_TRAIN_BIN) + " " + args +
                          " > /dev/null 2> " + errPath;
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream in(errPath);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::remove(errPath.c_str());
  return r;
}

void expectOneLineError(const Result &r, const std::string &contains) {
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("ida-train: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(contains), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST(Tool, BadInputIsOneLineAndNonZeroExit) {
  expectOneLineError(runTool("--mixer rwkv"), "unknown mixer 'rwkv'");
  expectOneLineError(runTool("--core reference --target cuda"),
                     "reference core runs on the CPU only");
  expectOneLineError(runTool("--core fast"), "unknown core 'fast'");
  expectOneLineError(runTool("--model-on gpu"), "unknown --model-on 'gpu'");
  expectOneLineError(runTool("--steps 1", "IDA_IDAC=/nonexistent/idac"),
                     "IDA_IDAC='/nonexistent/idac' is not an executable");
  expectOneLineError(runTool("--task text /nonexistent/input.txt"), "cannot open");
  expectOneLineError(runTool("--feature taylor2 --head-dim 1024"), "state cannot fit");
  expectOneLineError(runTool("--core reference "
                             "--resume /nonexistent/ckpt.safetensors --steps 1"),
                     "cannot open checkpoint");
  expectOneLineError(runTool("--no-such-flag"), "no-such-flag");
}

TEST(Tool, TinyRunWritesJsonMetrics) {
  const std::string json = ::testing::TempDir() + "ida_train_metrics.json";
  Result r = runTool("--core reference "
                     "--task mqar --mixer ida --layers 1 --d-model 16 --heads 2 "
                     "--seq-len 32 --pairs 4 --vocab 32 --steps 4 --batch 2 "
                     "--eval-every 2 --eval-batches 1 --json " + json);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(json);
  nlohmann::json j = nlohmann::json::parse(in);
  for (const char *key : {"config", "evals", "final_loss", "final_accuracy",
                          "tokens_per_s", "target", "device", "parameters",
                          "state_size_per_head", "state_size_per_layer"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["target"], "cpu");
  EXPECT_EQ(j["evals"].size(), 2u);
  EXPECT_EQ(j["state_size_per_head"], 4 * 8 * 8); // N=4, F=D=8, P=8
  EXPECT_EQ(j["config"]["mixer"], "ida");
  EXPECT_EQ(j["mixer_core"], "reference (float64)");
  std::remove(json.c_str());
}

std::string idacPath() {
  if (const char *env = std::getenv("IDA_IDAC"); env && *env)
    return env;
  const std::string built = IDA_IDAC_BIN;
  return !built.empty() && ::access(built.c_str(), X_OK) == 0 ? built : "";
}

// Kernels run their manifest defaults here (IDA_AUTOTUNE=0): the search would
// dominate a run this short, and the autotuner has its own tests.
std::string bundleEnv() { return "IDA_AUTOTUNE=0 IDA_IDAC=" + idacPath(); }

TEST(Tool, BundleCoreLearnsMqar) {
  if (idacPath().empty())
    GTEST_SKIP() << "idac is not built and IDA_IDAC is unset";
  const std::string json = ::testing::TempDir() + "ida_train_bundle.json";
  // The preset of BundleCoreTest's ida case (a shared bundle and binaries).
  Result r = runTool("--task mqar --mixer ida --layers 1 --d-model 64 --heads 2 "
                     "--basis 2 --chunk 32 --seq-len 24 --pairs 4 --vocab 32 "
                     "--steps 40 --batch 8 --lr 3e-3 --seed 7 --eval-every 1000 "
                     "--eval-batches 1 --log-every 0 --target cpu --json " + json,
                     bundleEnv());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(json);
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["mixer_core"], "bundle (compiled kernels, cpu)");
  EXPECT_EQ(j["target"], "cpu");
  EXPECT_NE(j["bundle_command"].get<std::string>().find("--preset ida"),
            std::string::npos);
  const std::vector<double> loss = j["train_loss"];
  ASSERT_EQ(loss.size(), 40u);
  auto mean = [&](size_t from, size_t to) {
    return std::accumulate(loss.begin() + from, loss.begin() + to, 0.0) /
           double(to - from);
  };
  // As the reference core's test (TrainTest.cpp): a clear fall from the start.
  EXPECT_LT(mean(30, 40), mean(0, 5) - 0.3);
  std::remove(json.c_str());
}

TEST(Tool, ModelOnDeviceFollowsTheHostModel) {
  if (idacPath().empty())
    GTEST_SKIP() << "idac is not built and IDA_IDAC is unset";
  // The same run with the layers on the host (OpenBLAS) and on the CPU
  // device (the layer programs ida-train runs on a GPU, the bundle's entries
  // on device pointers): the same losses up to summation order.
  std::vector<double> loss[2];
  const char *where[2] = {"host", "device"};
  for (int i = 0; i < 2; ++i) {
    const std::string json =
        ::testing::TempDir() + "ida_train_on_" + where[i] + ".json";
    Result r = runTool("--task mqar --mixer ida --layers 1 --d-model 64 --heads 2 "
                       "--basis 2 --chunk 32 --seq-len 24 --pairs 4 --vocab 32 "
                       "--steps 6 --batch 4 --seed 7 --eval-every 1000 "
                       "--eval-batches 1 --log-every 0 --target cpu --model-on " +
                           std::string(where[i]) + " --json " + json,
                       bundleEnv());
    ASSERT_EQ(r.status, 0) << r.err;
    std::ifstream in(json);
    nlohmann::json j = nlohmann::json::parse(in);
    EXPECT_EQ(j["model_on"], where[i]);
    const std::string gemm = j["gemm"];
    if (i == 0) // the host's BLAS as found at build time
      EXPECT_TRUE(gemm == "openblas" || gemm == "cblas" || gemm == "loop") << gemm;
    else // the CPU device's GEMM: CBLAS's column-major entry, cuBLAS's mapping
      EXPECT_EQ(gemm, "cblas");
    loss[i] = j["train_loss"].get<std::vector<double>>();
    std::remove(json.c_str());
  }
  ASSERT_EQ(loss[1].size(), 6u);
  ASSERT_EQ(loss[0].size(), 6u);
  for (size_t s = 0; s < 6; ++s)
    EXPECT_NEAR(loss[1][s], loss[0][s], 1e-4 * loss[0][s]) << "step " << s;
}

TEST(Tool, MismatchedBundleIsOneLineError) {
  if (idacPath().empty())
    GTEST_SKIP() << "idac is not built and IDA_IDAC is unset";
  // A bundle for 4 heads of 8, the model has 2 heads of 16. Nothing is
  // compiled: the bundle is refused when it is opened.
  const std::string dir = ::testing::TempDir() + "ida_train_other_bundle";
  const std::string compile = idacPath() + " --preset --mixer ida --basis 4 --heads 4 "
                              "--head-dim 8 --no-decode --target cpu -q -o " + dir;
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile;
  Result r = runTool("--mixer ida --d-model 32 --heads 2 --steps 1 --bundle " + dir,
                     bundleEnv());
  expectOneLineError(r, "does not match the model");
  EXPECT_NE(r.err.find("heads 4 (the model's: 2)"), std::string::npos) << r.err;
  std::system(("rm -rf " + dir).c_str());
}

} // namespace

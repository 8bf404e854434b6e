//===- tests/unit/nn/ToolTest.cpp - the ida-train command line ------------===//
//
// Runs the built tool: bad input is one line on stderr and exit status 1; a
// tiny run writes the JSON metrics the issue lists.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace {

struct Result {
  int status = -1;
  std::string err;
};

Result runTool(const std::string &args) {
  const std::string errPath = ::testing::TempDir() + "ida_train_stderr.txt";
  const std::string cmd = std::string(IDA_TRAIN_BIN) + " " + args +
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
  expectOneLineError(runTool("--target cuda"), "CUDA target");
  expectOneLineError(runTool("--task text /nonexistent/input.txt"), "cannot open");
  expectOneLineError(runTool("--feature taylor2 --head-dim 1024"), "state cannot fit");
  expectOneLineError(runTool("--resume /nonexistent/ckpt.safetensors --steps 1"),
                     "cannot open checkpoint");
  expectOneLineError(runTool("--no-such-flag"), "no-such-flag");
}

TEST(Tool, TinyRunWritesJsonMetrics) {
  const std::string json = ::testing::TempDir() + "ida_train_metrics.json";
  Result r = runTool("--task mqar --mixer ida --layers 1 --d-model 16 --heads 2 "
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
  std::remove(json.c_str());
}

} // namespace

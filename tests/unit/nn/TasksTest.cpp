//===- tests/unit/nn/TasksTest.cpp - MQAR generator and text task ---------===//
#include "runtime/nn/Layers.h"
#include "runtime/train/Tasks.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

namespace ida::train {
namespace {

TEST(Mqar, ZoologySemantics) {
  MqarOptions o;
  o.vocab = 64;
  o.pairs = 6;
  MqarTask task(o);
  const int64_t T = 48, K = o.pairs, half = o.vocab / 2;
  DataRng rng(11);
  Batch batch;
  task.sample(rng, false, 20, T, batch);
  for (int64_t b = 0; b < batch.B; ++b) {
    const int32_t *tok = &batch.tokens[b * T], *lab = &batch.labels[b * T];
    std::map<int32_t, int32_t> kv;
    for (int64_t i = 0; i < K; ++i) {
      const int32_t k = tok[2 * i], v = tok[2 * i + 1];
      EXPECT_GE(k, 1);
      EXPECT_LT(k, half);   // keys from [1, V/2)
      EXPECT_GE(v, half);   // values from [V/2, V)
      EXPECT_LT(v, o.vocab);
      EXPECT_TRUE(kv.emplace(k, v).second) << "duplicate key";
      EXPECT_EQ(lab[2 * i], nn::kIgnoreLabel);
      EXPECT_EQ(lab[2 * i + 1], nn::kIgnoreLabel);
    }
    std::set<int32_t> values;
    for (auto &[k, v] : kv)
      EXPECT_TRUE(values.insert(v).second) << "duplicate value";
    std::map<int32_t, int> queried;
    int scored = 0;
    for (int64_t t = 2 * K; t < T; ++t) {
      if (lab[t] == nn::kIgnoreLabel) {
        // Not a query: a filler or the answer token that follows one.
        if (tok[t] != 0)
          EXPECT_GE(tok[t], half) << "only queries and their answers are non-filler";
        continue;
      }
      ++scored;
      EXPECT_EQ((t - 2 * K) % 2, 0) << "queries sit at 2K + 2*gap";
      ASSERT_TRUE(kv.count(tok[t])) << "query is a key";
      EXPECT_EQ(lab[t], kv[tok[t]]) << "label is the key's value";
      if (t + 1 < T)
        EXPECT_EQ(tok[t + 1], kv[tok[t]]) << "the answer follows the query";
      ++queried[tok[t]];
    }
    // Each key queried exactly once (the last gap may put its query at T-1).
    EXPECT_EQ(scored, K);
    for (auto &[k, v] : kv)
      EXPECT_EQ(queried[k], 1) << "key " << k;
  }
}

TEST(Mqar, DeterministicAndShortGapsFavoured) {
  MqarOptions o;
  o.vocab = 256;
  o.pairs = 4;
  MqarTask task(o);
  DataRng r1(5), r2(5);
  Batch a, b;
  task.sample(r1, false, 8, 128, a);
  task.sample(r2, false, 8, 128, b);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.labels, b.labels);
  // Power law with alpha = 0.01: the first half of the query region holds
  // far more queries than the second.
  DataRng r(9);
  task.sample(r, false, 200, 128, a);
  int early = 0, late = 0;
  for (int64_t i = 0; i < a.B * a.T; ++i)
    if (a.labels[i] != nn::kIgnoreLabel)
      ((i % a.T) < 8 + 60 ? early : late)++;
  EXPECT_GT(early, 2 * late);
}

TEST(Mqar, RejectsImpossibleSettings) {
  MqarOptions o;
  o.vocab = 10;
  o.pairs = 8; // needs V >= 18
  EXPECT_THROW(MqarTask{o}, std::invalid_argument);
  o.vocab = 64;
  MqarTask t(o);
  EXPECT_THROW(t.validate(31), std::invalid_argument); // T < 4K
  EXPECT_NO_THROW(t.validate(32));
}

TEST(Text, ByteWindowsWithHeldOutSplit) {
  const std::string path = ::testing::TempDir() + "ida_text_task.txt";
  {
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 1000; ++i)
      f.put(char(i < 900 ? 'a' + i % 26 : 'A' + i % 26));
  }
  TextTask task(path, 0.1);
  EXPECT_EQ(task.trainBytes(), 900u);
  DataRng rng(1);
  Batch b;
  task.sample(rng, false, 16, 32, b);
  for (int64_t i = 0; i < 16 * 32; ++i) {
    EXPECT_GE(b.tokens[i], 'a'); // training windows never reach the held-out part
    EXPECT_EQ(b.labels[i], b.tokens[i] == 'z' ? 'a' : b.tokens[i] + 1);
  }
  task.sample(rng, true, 4, 32, b);
  for (int32_t t : b.tokens)
    EXPECT_LT(t, 'a');
  EXPECT_THROW(task.validate(200), std::invalid_argument);
  EXPECT_THROW(TextTask("/nonexistent/file.txt", 0.1), std::runtime_error);
  std::remove(path.c_str());
}

} // namespace
} // namespace ida::train

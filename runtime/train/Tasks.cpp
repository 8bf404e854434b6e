//===- runtime/train/Tasks.cpp - training data: MQAR and byte text --------===//
#include "runtime/train/Tasks.h"

#include "runtime/nn/Layers.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>
#include <stdexcept>

namespace ida::train {

uint64_t uniformIndex(DataRng &rng, uint64_t n) {
  // Rejection sampling removes the modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do
    r = rng();
  while (r >= limit);
  return r % n;
}

double uniformReal(DataRng &rng) { return double(rng() >> 11) * 0x1.0p-53; }

MqarTask::MqarTask(MqarOptions opt) : opt_(opt) {
  if (opt_.pairs < 1)
    throw std::invalid_argument("pairs must be >= 1");
  if (opt_.vocab < 2 * opt_.pairs + 2)
    throw std::invalid_argument(
        "mqar: vocab " + std::to_string(opt_.vocab) +
        " too small for " + std::to_string(opt_.pairs) +
        " pairs (keys come from [1, V/2) and values from [V/2, V): need V >= 2K + 2)");
  if (!(opt_.alpha > 0))
    throw std::invalid_argument("mqar: alpha must be > 0");
}

void MqarTask::validate(int64_t T) const {
  if (T < 4 * opt_.pairs)
    throw std::invalid_argument("mqar: seq-len " + std::to_string(T) +
                                " too short for " + std::to_string(opt_.pairs) +
                                " pairs (need seq-len >= 4 * pairs)");
}

void MqarTask::sampleOne(DataRng &rng, int64_t T, int32_t *tokens,
                         int32_t *labels) const {
  const int64_t K = opt_.pairs, V = opt_.vocab, half = V / 2;
  // Partial Fisher-Yates over the key range [1, half) and value range
  // [half, V): K distinct draws from each.
  auto drawDistinct = [&](int64_t lo, int64_t hi) {
    std::vector<int32_t> pool(hi - lo);
    std::iota(pool.begin(), pool.end(), int32_t(lo));
    for (int64_t i = 0; i < K; ++i) {
      int64_t j = i + int64_t(uniformIndex(rng, uint64_t(pool.size() - i)));
      std::swap(pool[i], pool[j]);
    }
    pool.resize(K);
    return pool;
  };
  const std::vector<int32_t> keys = drawDistinct(1, half);
  const std::vector<int32_t> values = drawDistinct(half, V);

  // Full sequence of T + 1 tokens; inputs are [0, T), targets [1, T].
  std::vector<int32_t> seq(T + 1, 0);
  std::vector<bool> isAnswer(T + 1, false);
  for (int64_t i = 0; i < K; ++i) {
    seq[2 * i] = keys[i];
    seq[2 * i + 1] = values[i];
  }
  // Distinct gaps, drawn one at a time with the remaining weights
  // renormalised (sampling without replacement).
  const int64_t space = (T - 2 * K) / 2;
  std::vector<double> w(space);
  for (int64_t i = 0; i < space; ++i)
    w[i] = std::pow(double(i + 1), opt_.alpha - 1.0);
  for (int64_t i = 0; i < K; ++i) {
    double total = 0;
    for (double x : w)
      total += x;
    double u = uniformReal(rng) * total;
    int64_t gap = 0;
    for (; gap < space - 1; ++gap) {
      if (w[gap] > 0 && u < w[gap])
        break;
      u -= w[gap];
    }
    while (w[gap] == 0) // rounding landed on a taken slot: step back
      --gap;
    w[gap] = 0;
    const int64_t pos = 2 * K + 2 * gap;
    seq[pos] = keys[i];
    seq[pos + 1] = values[i];
    isAnswer[pos + 1] = true;
  }
  for (int64_t t = 0; t < T; ++t) {
    tokens[t] = seq[t];
    labels[t] = isAnswer[t + 1] ? seq[t + 1] : nn::kIgnoreLabel;
  }
}

void MqarTask::sample(DataRng &rng, bool, int64_t B, int64_t T,
                      Batch &out) const {
  validate(T);
  out.B = B;
  out.T = T;
  out.tokens.assign(B * T, 0);
  out.labels.assign(B * T, nn::kIgnoreLabel);
  for (int64_t b = 0; b < B; ++b)
    sampleOne(rng, T, &out.tokens[b * T], &out.labels[b * T]);
}

TextTask::TextTask(const std::string &path, double heldOutFraction)
    : path_(path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open text file '" + path + "'");
  bytes_.assign(std::istreambuf_iterator<char>(in),
                std::istreambuf_iterator<char>());
  if (!(heldOutFraction > 0 && heldOutFraction < 1))
    throw std::invalid_argument("held-out fraction must be in (0, 1)");
  split_ = size_t(double(bytes_.size()) * (1.0 - heldOutFraction));
}

void TextTask::validate(int64_t T) const {
  const size_t need = size_t(T) + 1;
  if (split_ < need || bytes_.size() - split_ < need)
    throw std::invalid_argument(
        "text file '" + path_ + "' too small: " + std::to_string(bytes_.size()) +
        " bytes, each split needs at least seq-len + 1 = " +
        std::to_string(need));
}

void TextTask::sample(DataRng &rng, bool heldOut, int64_t B, int64_t T,
                      Batch &out) const {
  validate(T);
  const size_t lo = heldOut ? split_ : 0;
  const size_t hi = heldOut ? bytes_.size() : split_;
  out.B = B;
  out.T = T;
  out.tokens.resize(B * T);
  out.labels.resize(B * T);
  for (int64_t b = 0; b < B; ++b) {
    const size_t start = lo + uniformIndex(rng, hi - lo - size_t(T));
    for (int64_t t = 0; t < T; ++t) {
      out.tokens[b * T + t] = bytes_[start + t];
      out.labels[b * T + t] = bytes_[start + t + 1];
    }
  }
}

} // namespace ida::train

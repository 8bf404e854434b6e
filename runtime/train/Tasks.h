//===- runtime/train/Tasks.h - training data: MQAR and byte text -*- C++ -*-===//
//
// A Task produces batches of (tokens, labels) [B, T] from a caller-owned RNG,
// so the training stream's position is exactly the RNG's state (which the
// checkpoint stores) and evaluation can use a separate, freshly seeded RNG
// that sees the same held-out batches at every evaluation.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TRAIN_TASKS_H
#define IDA_RUNTIME_TRAIN_TASKS_H

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace ida::train {

using DataRng = std::mt19937_64;

struct Batch {
  int64_t B = 0, T = 0;
  std::vector<int32_t> tokens; // [B, T]
  std::vector<int32_t> labels; // [B, T], nn::kIgnoreLabel where unscored
};

class Task {
public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual int64_t vocab() const = 0;
  /// Fills `out` with B sequences of length T; heldOut selects the
  /// evaluation split (text) or is ignored (MQAR: a separate RNG suffices).
  virtual void sample(DataRng &rng, bool heldOut, int64_t B, int64_t T,
                      Batch &out) const = 0;
};

/// Multi-query associative recall (Zoology semantics):
///  * keys are drawn without replacement from [1, V/2), values from
///    [V/2, V); token 0 is the filler;
///  * the K pairs come first: k1 v1 k2 v2 ... kK vK;
///  * each key is then queried once, the query key at position
///    2K + 2*gap and its value right after it, with distinct gaps drawn
///    without replacement from p(gap = i) ~ (i+1)^(alpha-1), i in
///    [0, (T - 2K) / 2): a power law favouring short gaps;
///  * labels are next-token targets scored only at query positions (the
///    value that follows the queried key); everything else is ignored.
/// Requires V >= 2K + 2 (disjoint halves) and T >= 4K.
struct MqarOptions {
  int64_t vocab = 1024;
  int64_t pairs = 16;
  double alpha = 0.01;
};

class MqarTask final : public Task {
public:
  explicit MqarTask(MqarOptions opt); // validates lazily against T in sample
  std::string name() const override { return "mqar"; }
  int64_t vocab() const override { return opt_.vocab; }
  void sample(DataRng &rng, bool heldOut, int64_t B, int64_t T,
              Batch &out) const override;
  /// Throws std::invalid_argument unless (V, K, T) is a valid MQAR setting.
  void validate(int64_t T) const;
  /// One sequence into tokens[T], labels[T].
  void sampleOne(DataRng &rng, int64_t T, int32_t *tokens,
                 int32_t *labels) const;

private:
  MqarOptions opt_;
};

/// Byte-level language modelling on a file: vocabulary 256, the last
/// `heldOutFraction` of the bytes are the evaluation split; a sequence is a
/// random window, labels are the next bytes (every position scored).
class TextTask final : public Task {
public:
  /// Throws std::runtime_error when the file cannot be read or a split is
  /// shorter than T + 1 bytes (checked in sample via validate).
  TextTask(const std::string &path, double heldOutFraction);
  std::string name() const override { return "text"; }
  int64_t vocab() const override { return 256; }
  void sample(DataRng &rng, bool heldOut, int64_t B, int64_t T,
              Batch &out) const override;
  void validate(int64_t T) const;
  size_t trainBytes() const { return split_; }
  size_t heldOutBytes() const { return bytes_.size() - split_; }

private:
  std::string path_;
  std::vector<uint8_t> bytes_;
  size_t split_ = 0;
};

/// Uniform integer in [0, n) from the raw engine with a fixed algorithm
/// (std::uniform_int_distribution is implementation-defined).
uint64_t uniformIndex(DataRng &rng, uint64_t n);
double uniformReal(DataRng &rng);

} // namespace ida::train

#endif // IDA_RUNTIME_TRAIN_TASKS_H

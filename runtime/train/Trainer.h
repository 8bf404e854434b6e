//===- runtime/train/Trainer.h - the training loop ----------------*- C++ -*-===//
//
// One step: sample a batch from the training stream -> forward -> (guard) ->
// zero grads, backward -> (guard) -> clip global norm -> AdamW at the
// scheduled LR -> (guard), on the host model or, after useDevice(), on a
// device-resident mirror of it (DeviceModel.h). Evaluation runs every evalEvery steps and at the
// end, on the same held-out batches each time. A non-finite loss, logit,
// gradient or parameter throws NonFiniteError naming the step and tensor;
// the loop never saves a checkpoint after that, so nothing corrupt is written.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TRAIN_TRAINER_H
#define IDA_RUNTIME_TRAIN_TRAINER_H

#include "runtime/nn/DeviceModel.h"
#include "runtime/nn/Model.h"
#include "runtime/nn/Optim.h"
#include "runtime/train/Tasks.h"

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ida::train {

struct TrainOptions {
  int64_t steps = 1000;
  int64_t batch = 8;
  int64_t seqLen = 256;
  double lr = 1e-3;
  double minLrRatio = 0.1; // cosine decays to lr * minLrRatio
  int64_t warmup = -1;     // -1: min(100, steps / 10)
  nn::AdamWConfig adam;
  double clip = 1.0;       // <= 0 disables
  int64_t evalEvery = 0;   // 0: steps / 10 (at least 1)
  int64_t evalBatches = 4;
  uint64_t seed = 0;
  int64_t logEvery = 10;   // progress line period (0: never)
  std::string savePath;    // checkpoint at the end (and every saveEvery)
  int64_t saveEvery = 0;
  std::string resumePath;
  int64_t stopAfter = -1;  // stop (and save) once this many steps are done
  std::string configJson;  // stored in checkpoints
};

struct EvalRecord {
  int64_t step = 0;
  double loss = 0, accuracy = 0;
};

struct TrainResult {
  int64_t startStep = 0, endStep = 0;
  std::vector<double> losses;     // training loss of each step run here
  std::vector<double> accuracies; // training accuracy of each step run here
  std::vector<EvalRecord> evals;
  double finalLoss = 0, finalAccuracy = 0; // the last evaluation
  double tokensPerSec = 0;
};

class NonFiniteError : public std::runtime_error {
public:
  NonFiniteError(int64_t step, std::string tensor)
      : std::runtime_error("non-finite value (NaN or Inf) in " + tensor +
                           " at step " + std::to_string(step) +
                           "; stopped, nothing saved"),
        step_(step), tensor_(std::move(tensor)) {}
  int64_t step() const { return step_; }
  const std::string &tensor() const { return tensor_; }

private:
  int64_t step_;
  std::string tensor_;
};

class Trainer {
public:
  /// `log` receives the progress lines (may be null).
  Trainer(nn::Model<float> &model, const Task &task, TrainOptions opt,
          std::ostream *log);

  TrainResult run();

  /// Trains `device` (a DeviceModel mirroring the model given to the
  /// constructor) instead of the host model: every step runs on its device;
  /// checkpoints download it first, a resume uploads into it. Must outlive
  /// the trainer; call before run().
  void useDevice(nn::DeviceModel *device) { device_ = device; }

  /// Test hook, called before each step's forward (e.g. to inject a NaN).
  std::function<void(int64_t step, nn::Model<float> &)> beforeStep;

  /// Held-out loss and accuracy (scored positions) over evalBatches batches.
  EvalRecord evaluate(int64_t step);

private:
  void checkFinite(int64_t step, const char *what, const std::string &name,
                   const nn::Tensor<float> &t) const;
  void save(int64_t step);
  void logEval(const EvalRecord &e) const;

  nn::LossStats forward(const Batch &batch);
  void step(int64_t step, double lr, const nn::LossStats &st);

  nn::Model<float> &model_;
  nn::DeviceModel *device_ = nullptr;
  const Task &task_;
  TrainOptions opt_;
  std::ostream *log_;
  nn::AdamW<float> adam_;
  DataRng dataRng_;
};

/// "1h02m03s" / "2m05s" / "7s".
std::string formatDuration(double seconds);

} // namespace ida::train

#endif // IDA_RUNTIME_TRAIN_TRAINER_H

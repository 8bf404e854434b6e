//===- runtime/train/Trainer.cpp - the training loop ----------------------===//
#include "runtime/train/Trainer.h"

#include "runtime/train/Checkpoint.h"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace ida::train {

namespace {
// Distinct streams from one user seed: initialisation uses the seed itself
// (ModelConfig::seed), the training data and the evaluation data these.
constexpr uint64_t kDataStream = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kEvalStream = 0xc2b2ae3d27d4eb4fULL;
} // namespace

std::string formatDuration(double s) {
  if (!(s >= 0) || s > 1e8)
    return "?";
  const long t = long(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

Trainer::Trainer(nn::Model<float> &model, const Task &task, TrainOptions opt,
                 std::ostream *log)
    : model_(model), task_(task), opt_(std::move(opt)), log_(log),
      adam_(model.params(), opt_.adam), dataRng_(opt_.seed ^ kDataStream) {
  if (opt_.steps < 1 || opt_.batch < 1 || opt_.seqLen < 1)
    throw std::invalid_argument("steps, batch and seq-len must be >= 1");
  if (!(opt_.lr > 0))
    throw std::invalid_argument("lr must be > 0");
  if (task.vocab() != model.config().vocab)
    throw std::invalid_argument("task vocabulary " + std::to_string(task.vocab()) +
                                " != model vocabulary " +
                                std::to_string(model.config().vocab));
  if (opt_.warmup < 0)
    opt_.warmup = std::min<int64_t>(100, opt_.steps / 10);
  if (opt_.evalEvery <= 0)
    opt_.evalEvery = std::max<int64_t>(1, opt_.steps / 10);
}

void Trainer::checkFinite(int64_t step, const char *what,
                          const std::string &name,
                          const nn::Tensor<float> &t) const {
  for (float x : t.data)
    if (!std::isfinite(x))
      throw NonFiniteError(step, std::string(what) + name);
}

void Trainer::save(int64_t step) {
  if (device_)
    device_->download(adam_);
  CheckpointMeta meta;
  meta.step = step;
  meta.config = opt_.configJson;
  saveCheckpoint(opt_.savePath, model_.params(), adam_, dataRng_, meta);
}

void Trainer::logEval(const EvalRecord &e) const {
  if (!log_)
    return;
  char line[160];
  std::snprintf(line, sizeof line, "eval %6lld | held-out loss %.4f | acc %.3f",
                (long long)e.step, e.loss, e.accuracy);
  *log_ << line << std::endl;
}

EvalRecord Trainer::evaluate(int64_t step) {
  DataRng rng(opt_.seed ^ kEvalStream);
  Batch batch;
  double lossSum = 0;
  int64_t scored = 0, correct = 0;
  for (int64_t i = 0; i < opt_.evalBatches; ++i) {
    task_.sample(rng, true, opt_.batch, opt_.seqLen, batch);
    nn::LossStats st = forward(batch);
    lossSum += st.loss * double(st.scored);
    scored += st.scored;
    correct += st.correct;
  }
  EvalRecord r;
  r.step = step;
  r.loss = scored ? lossSum / double(scored) : 0.0;
  r.accuracy = scored ? double(correct) / double(scored) : 0.0;
  if (!std::isfinite(r.loss))
    throw NonFiniteError(step, "evaluation loss");
  return r;
}

nn::LossStats Trainer::forward(const Batch &batch) {
  return device_ ? device_->forward(batch.tokens.data(), batch.labels.data(),
                                    batch.B, batch.T)
                 : model_.forward(batch.tokens.data(), batch.labels.data(),
                                  batch.B, batch.T);
}

void Trainer::step(int64_t step, double lr, const nn::LossStats &st) {
  auto &params = model_.params();
  if (device_) {
    if (!std::isfinite(st.loss)) {
      const std::string p = device_->firstNonFiniteParameter();
      throw NonFiniteError(step, p.empty() ? "logits" : "parameter " + p);
    }
    device_->zeroGrad();
    device_->backward();
    std::string bad;
    device_->clipGradNorm(opt_.clip, &bad);
    if (!bad.empty())
      throw NonFiniteError(step, "gradient of " + bad);
    device_->adamUpdate(lr);
    const std::string p = device_->firstNonFiniteParameter();
    if (!p.empty())
      throw NonFiniteError(step, "parameter " + p);
    return;
  }
  if (!std::isfinite(st.loss)) {
    // Name the root cause when it is a parameter (an injected or
    // externally corrupted value), else the logits the loss came from.
    for (size_t i = 0; i < params.size(); ++i)
      checkFinite(step, "parameter ", params[i].name, params[i].value);
    checkFinite(step, "", "logits", model_.probabilities());
    throw NonFiniteError(step, "loss");
  }
  params.zeroGrad();
  model_.backward();
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].trainable)
      checkFinite(step, "gradient of ", params[i].name, params[i].grad);
  nn::clipGradNorm(params, opt_.clip);
  adam_.update(lr);
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].trainable)
      checkFinite(step, "parameter ", params[i].name, params[i].value);
}

TrainResult Trainer::run() {
  using Clock = std::chrono::steady_clock;
  TrainResult res;
  int64_t step = 0;
  if (!opt_.resumePath.empty()) {
    step = loadCheckpoint(opt_.resumePath, model_.params(), adam_, dataRng_).step;
    if (device_)
      device_->upload(adam_);
  }
  res.startStep = step;
  const int64_t end =
      opt_.stopAfter >= 0 ? std::min(opt_.stopAfter, opt_.steps) : opt_.steps;
  const double minLr = opt_.lr * opt_.minLrRatio;
  const double tokensPerStep = double(opt_.batch * opt_.seqLen);
  double trainSeconds = 0;
  Batch batch;

  for (; step < end; ++step) {
    const auto t0 = Clock::now();
    task_.sample(dataRng_, false, opt_.batch, opt_.seqLen, batch);
    if (beforeStep) {
      if (device_) // the hook sees (and may change) the current parameters
        device_->download(adam_);
      beforeStep(step, model_);
      if (device_)
        device_->upload(adam_);
    }
    nn::LossStats st = forward(batch);
    this->step(step, nn::learningRate(step, opt_.steps, opt_.warmup, opt_.lr, minLr), st);
    trainSeconds += std::chrono::duration<double>(Clock::now() - t0).count();

    res.losses.push_back(st.loss);
    res.accuracies.push_back(st.accuracy());
    const int64_t done = step + 1;
    const int64_t ranHere = done - res.startStep;
    if (log_ && opt_.logEvery > 0 && (done % opt_.logEvery == 0 || done == end)) {
      const double perStep = trainSeconds / double(ranHere);
      char line[256];
      std::snprintf(line, sizeof line,
                    "step %6lld/%lld | loss %.4f | acc %.3f | lr %.2e | %.0f tok/s | eta %s",
                    (long long)done, (long long)opt_.steps, st.loss,
                    st.accuracy(),
                    nn::learningRate(step, opt_.steps, opt_.warmup, opt_.lr, minLr),
                    tokensPerStep / perStep,
                    formatDuration(perStep * double(opt_.steps - done)).c_str());
      *log_ << line << std::endl;
    }
    if (done % opt_.evalEvery == 0 && done != opt_.steps) {
      res.evals.push_back(evaluate(done));
      logEval(res.evals.back());
    }
    if (!opt_.savePath.empty() && opt_.saveEvery > 0 && done % opt_.saveEvery == 0)
      save(done);
  }
  res.endStep = step;
  if (res.endStep == opt_.steps) {
    res.evals.push_back(evaluate(res.endStep));
    logEval(res.evals.back());
  }
  if (!res.evals.empty()) {
    res.finalLoss = res.evals.back().loss;
    res.finalAccuracy = res.evals.back().accuracy;
  }
  const int64_t ran = res.endStep - res.startStep;
  res.tokensPerSec = trainSeconds > 0 ? tokensPerStep * double(ran) / trainSeconds : 0;
  if (!opt_.savePath.empty())
    save(res.endStep);
  return res;
}

} // namespace ida::train

//===- runtime/nn/Optim.h - AdamW, LR schedule, gradient clipping -*- C++ -*-===//
#ifndef IDA_RUNTIME_NN_OPTIM_H
#define IDA_RUNTIME_NN_OPTIM_H

#include "runtime/nn/Param.h"

#include <cstdint>
#include <vector>

namespace ida::nn {

struct AdamWConfig {
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weightDecay = 0.1;
};

/// AdamW with bias correction and decoupled weight decay (applied only to
/// Params with decay = true); frozen Params are skipped. Moments m, v are
/// kept per Param in the store's order (so checkpoints can hold them).
template <class T> class AdamW {
public:
  AdamW(ParamStore<T> &params, AdamWConfig cfg);
  /// One update at learning rate lr; increments step().
  void update(double lr);
  int64_t step() const { return step_; }
  void setStep(int64_t s) { step_ = s; }
  std::vector<Tensor<T>> &m() { return m_; }
  std::vector<Tensor<T>> &v() { return v_; }

private:
  ParamStore<T> &params_;
  AdamWConfig cfg_;
  int64_t step_ = 0;
  std::vector<Tensor<T>> m_, v_;
};

/// Linear warmup from lr/warmup to lr over `warmup` steps, then cosine decay
/// to minLr at `total` steps. `step` counts from 0.
double learningRate(int64_t step, int64_t total, int64_t warmup, double lr,
                    double minLr);

/// Global L2 norm of the trainable gradients; when it exceeds maxNorm > 0 all
/// gradients are scaled by maxNorm / norm. Returns the norm before clipping.
template <class T> double clipGradNorm(ParamStore<T> &params, double maxNorm);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_OPTIM_H

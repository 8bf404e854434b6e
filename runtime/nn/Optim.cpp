//===- runtime/nn/Optim.cpp - AdamW, LR schedule, gradient clipping -------===//
#include "runtime/nn/Optim.h"

#include <cmath>

namespace ida::nn {

template <class T>
AdamW<T>::AdamW(ParamStore<T> &params, AdamWConfig cfg)
    : params_(params), cfg_(cfg) {
  for (size_t i = 0; i < params.size(); ++i) {
    m_.emplace_back(params[i].value.shape);
    v_.emplace_back(params[i].value.shape);
  }
}

template <class T> void AdamW<T>::update(double lr) {
  ++step_;
  const double b1 = cfg_.beta1, b2 = cfg_.beta2;
  const double c1 = 1.0 - std::pow(b1, double(step_));
  const double c2 = 1.0 - std::pow(b2, double(step_));
  for (size_t i = 0; i < params_.size(); ++i) {
    Param<T> &p = params_[i];
    if (!p.trainable)
      continue;
    const double wd = p.decay ? cfg_.weightDecay : 0.0;
    T *w = p.value.ptr();
    const T *g = p.grad.ptr();
    T *m = m_[i].ptr(), *v = v_[i].ptr();
    for (int64_t j = 0; j < p.value.numel(); ++j) {
      m[j] = T(b1 * m[j] + (1 - b1) * g[j]);
      v[j] = T(b2 * v[j] + (1 - b2) * double(g[j]) * double(g[j]));
      const double mhat = m[j] / c1, vhat = v[j] / c2;
      // Decoupled decay: shrink the weight directly, not through the moments.
      w[j] = T(w[j] - lr * (mhat / (std::sqrt(vhat) + cfg_.eps) + wd * w[j]));
    }
  }
}

double learningRate(int64_t step, int64_t total, int64_t warmup, double lr,
                    double minLr) {
  if (warmup > 0 && step < warmup)
    return lr * double(step + 1) / double(warmup);
  if (total <= warmup)
    return lr;
  double progress = double(step - warmup) / double(total - warmup);
  if (progress > 1.0)
    progress = 1.0;
  return minLr + 0.5 * (lr - minLr) * (1.0 + std::cos(M_PI * progress));
}

template <class T> double clipGradNorm(ParamStore<T> &params, double maxNorm) {
  double ss = 0;
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].trainable)
      for (const T &g : params[i].grad.data)
        ss += double(g) * double(g);
  const double norm = std::sqrt(ss);
  if (maxNorm > 0 && norm > maxNorm) {
    const T scale = T(maxNorm / norm);
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i].trainable)
        for (T &g : params[i].grad.data)
          g *= scale;
  }
  return norm;
}

template class AdamW<float>;
template class AdamW<double>;
template double clipGradNorm<float>(ParamStore<float> &, double);
template double clipGradNorm<double>(ParamStore<double> &, double);

} // namespace ida::nn

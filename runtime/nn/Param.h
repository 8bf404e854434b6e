//===- runtime/nn/Param.h - named parameters and seeded init ----*- C++ -*-===//
//
// Every trainable (and frozen) tensor of a model is a Param registered in a
// ParamStore in a fixed order; that order is the order of initialisation
// draws, of the optimizer's state and of the checkpoint, so a seed fixes the
// whole run. Params live behind unique_ptr so layers can keep raw pointers.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_PARAM_H
#define IDA_RUNTIME_NN_PARAM_H

#include "runtime/nn/Tensor.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace ida::nn {

template <class T> struct Param {
  std::string name;  // "blocks.0.mixer.w_in"
  Tensor<T> value;
  Tensor<T> grad;    // same shape as value; accumulated by the backward
  bool trainable = true; // frozen buffers (e.g. linear attention's A_log = -inf)
  bool decay = false;    // AdamW weight decay applies (matrices only)
};

template <class T> class ParamStore {
public:
  Param<T> *add(std::string name, std::vector<int64_t> shape, bool decay,
                bool trainable = true) {
    auto p = std::make_unique<Param<T>>();
    p->name = std::move(name);
    p->value.reset(shape);
    p->grad.reset(shape);
    p->decay = decay;
    p->trainable = trainable;
    params_.push_back(std::move(p));
    return params_.back().get();
  }
  size_t size() const { return params_.size(); }
  Param<T> &operator[](size_t i) { return *params_[i]; }
  const Param<T> &operator[](size_t i) const { return *params_[i]; }
  void zeroGrad() {
    for (auto &p : params_)
      p->grad.zero();
  }
  /// Trainable scalar count.
  int64_t numTrainable() const {
    int64_t n = 0;
    for (const auto &p : params_)
      if (p->trainable)
        n += p->value.numel();
    return n;
  }

private:
  std::vector<std::unique_ptr<Param<T>>> params_;
};

/// Seeded draws with a fixed algorithm (std::normal_distribution's is
/// implementation-defined, which would make seeds non-portable).
class InitRng {
public:
  explicit InitRng(uint64_t seed) : eng_(seed) {}
  /// Uniform in [0, 1) from the top 53 bits.
  double uniform() { return double(eng_() >> 11) * 0x1.0p-53; }
  /// Standard normal by Box-Muller (one value per call, simple over fast).
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300)
      u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  template <class T> void fillNormal(Tensor<T> &t, double std) {
    for (auto &x : t.data)
      x = T(std * normal());
  }
  template <class T> void fillUniform(Tensor<T> &t, double lo, double hi) {
    for (auto &x : t.data)
      x = T(lo + (hi - lo) * uniform());
  }

private:
  std::mt19937_64 eng_;
};

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_PARAM_H

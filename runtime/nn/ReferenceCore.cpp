//===- runtime/nn/ReferenceCore.cpp - MixerCore over the float64 reference ===//
//
// Converts to ida::ref::Array (float64), calls the reference, converts back.
// Exact but slow: O(T * N * F * P) per (batch, head) in the recurrent form,
// and O(T^2) for attention. Used by the tests and by `ida-train --core
// reference` (the default core runs compiled bundles, BundleCore.h).
//
//===----------------------------------------------------------------------===//
#include "runtime/nn/MixerCore.h"

#include <stdexcept>

namespace ida::nn {
namespace {

template <class T> ref::Array toArray(const Tensor<T> &t) {
  ref::Array a;
  a.shape = t.shape;
  a.data.assign(t.data.begin(), t.data.end());
  return a;
}

template <class T> void fromArray(const ref::Array &a, Tensor<T> &t) {
  t.shape = a.shape;
  t.data.assign(a.data.begin(), a.data.end());
}

template <class T> const Tensor<T> &need(const Tensor<T> *t, const char *name) {
  if (!t)
    throw std::invalid_argument(std::string("mixer core: input ") + name +
                                " is required");
  return *t;
}

template <class T> class ReferenceIdaCore final : public MixerCoreT<T> {
public:
  explicit ReferenceIdaCore(const CoreSpec &spec) : cfg_(spec.ida) {}
  std::string describe() const override { return "reference (float64)"; }

  void forward(const CoreInputs<T> &in, Tensor<T> &y) override {
    fromArray(ref::forward(cfg_, inputs(in)).y, y);
  }

  void vjp(const CoreInputs<T> &in, const Tensor<T> &dy,
           CoreGrads<T> &grads) override {
    ref::Cotangents ct;
    ct.dy = toArray(dy);
    ref::Gradients g = ref::backward(cfg_, inputs(in), ct);
    fromArray(g.dq, grads.dq);
    fromArray(g.dk, grads.dk);
    fromArray(g.dv, grads.dv);
    fromArray(g.ddt, grads.ddt);
    fromArray(g.dA_log, grads.dA_log);
    fromArray(g.ddt_bias, grads.ddt_bias);
    if (in.g)
      fromArray(g.dg, grads.dg);
    else
      grads.dg = Tensor<T>();
    if (in.W)
      fromArray(g.dW, grads.dW);
    else
      grads.dW = Tensor<T>();
  }

private:
  ref::Inputs inputs(const CoreInputs<T> &in) const {
    ref::Inputs r;
    r.q = toArray(need(in.q, "q"));
    r.k = toArray(need(in.k, "k"));
    r.v = toArray(need(in.v, "v"));
    r.dt = toArray(need(in.dt, "dt"));
    r.A_log = toArray(need(in.A_log, "A_log"));
    r.dt_bias = toArray(need(in.dt_bias, "dt_bias"));
    if (in.g)
      r.g = toArray(*in.g);
    if (in.W)
      r.W = toArray(*in.W);
    return r;
  }
  ref::Config cfg_;
};

template <class T> class ReferenceAttentionCore final : public MixerCoreT<T> {
public:
  std::string describe() const override { return "reference (float64)"; }

  void forward(const CoreInputs<T> &in, Tensor<T> &y) override {
    fromArray(ref::softmaxAttention(toArray(need(in.q, "q")),
                                    toArray(need(in.k, "k")),
                                    toArray(need(in.v, "v"))),
              y);
  }

  void vjp(const CoreInputs<T> &in, const Tensor<T> &dy,
           CoreGrads<T> &grads) override {
    ref::SoftmaxAttentionGrads g = ref::softmaxAttentionBackward(
        toArray(need(in.q, "q")), toArray(need(in.k, "k")),
        toArray(need(in.v, "v")), toArray(dy));
    fromArray(g.dq, grads.dq);
    fromArray(g.dk, grads.dk);
    fromArray(g.dv, grads.dv);
    grads.ddt = grads.dg = grads.dA_log = grads.ddt_bias = grads.dW = Tensor<T>();
  }
};

} // namespace

template <class T>
std::unique_ptr<MixerCoreT<T>> makeReferenceCore(const CoreSpec &spec) {
  if (spec.attention)
    return std::make_unique<ReferenceAttentionCore<T>>();
  return std::make_unique<ReferenceIdaCore<T>>(spec);
}

template std::unique_ptr<MixerCoreT<float>> makeReferenceCore<float>(const CoreSpec &);
template std::unique_ptr<MixerCoreT<double>> makeReferenceCore<double>(const CoreSpec &);

} // namespace ida::nn

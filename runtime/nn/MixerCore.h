//===- runtime/nn/MixerCore.h - the mixer's core op, pluggable --*- C++ -*-===//
//
// The mixer layer (Mixer.h) owns the projections; the core op in between -
// spec.md §3 for the IDA family, causal softmax attention for the baseline -
// goes through this interface so that implementations can be swapped:
//
//   ReferenceCore  float64 ida::ref::forward/backward (exact, slow; the
//                  tests and `ida-train --core reference`)
//   BundleCore     the compiled graph's `forward` and `forward_vjp` entries
//                  through the runtime launcher (BundleCore.h; ida-train's
//                  default).
//
// Contract, for every implementation:
//  * Layouts are spec §2's, row-major: q, k [B,T,H,D], v [B,T,H,P], dt [B,T,H],
//    g [B,T,H,N], A_log [H,N], dt_bias [H], W [H,F',D]; y [B,T,H,P].
//  * forward() writes y (resizing it). vjp() OVERWRITES (resizing) the
//    gradient of every present input and leaves those of absent inputs empty.
//  * vjp() receives the same inputs as the forward() before it and may
//    recompute everything from them (the reference does; a bundle's
//    `forward_vjp` entry does too). The model makes one core per layer and
//    calls forward() then at most one vjp() on the same inputs, so a core MAY
//    instead keep forward intermediates (e.g. chunk states) for its vjp; it
//    must not expect a vjp() after every forward() (evaluation runs forward
//    only), and inputs are unchanged in between.
//  * Initial state is always zero and the final state is not returned: the
//    training loop trains on independent sequences.
//  * Errors are std::exception with a message naming the argument.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_MIXERCORE_H
#define IDA_RUNTIME_NN_MIXERCORE_H

#include "runtime/nn/Tensor.h"
#include "runtime/reference/Reference.h"

#include <functional>
#include <memory>
#include <string>

namespace ida::nn {

/// What the core computes. For the IDA family `ida` is the op's attributes;
/// attention ignores it.
struct CoreSpec {
  bool attention = false; // causal softmax attention, scale 1/sqrt(D)
  ref::Config ida;        // feature kind, F', basis weights, normalize, eps
  int64_t chunk = 64;     // chunk length C: a hint for compiled cores
};

/// Borrowed inputs. q, k, v always; the rest only for the IDA family
/// (null for attention). g is null when basis weights are uniform, W is null
/// unless the feature kind has weights (prf, hedgehog).
template <class T> struct CoreInputs {
  const Tensor<T> *q = nullptr, *k = nullptr, *v = nullptr;
  const Tensor<T> *dt = nullptr, *g = nullptr;
  const Tensor<T> *A_log = nullptr, *dt_bias = nullptr, *W = nullptr;
};

/// Gradients named after the inputs; empty when the input is absent.
template <class T> struct CoreGrads {
  Tensor<T> dq, dk, dv, ddt, dg, dA_log, ddt_bias, dW;
};

template <class T> class MixerCoreT {
public:
  virtual ~MixerCoreT() = default;
  /// One line for the startup banner, e.g. "reference (float64)".
  virtual std::string describe() const = 0;
  /// y [B,T,H,P] = core(in).
  virtual void forward(const CoreInputs<T> &in, Tensor<T> &y) = 0;
  /// Vector-Jacobian product: given dy [B,T,H,P], the gradient of every
  /// present input of `in`.
  virtual void vjp(const CoreInputs<T> &in, const Tensor<T> &dy,
                   CoreGrads<T> &grads) = 0;
};

using MixerCore = MixerCoreT<float>;

/// Makes one core per mixer layer (so a core may cache per-shape tuning).
template <class T>
using CoreFactory =
    std::function<std::unique_ptr<MixerCoreT<T>>(const CoreSpec &spec)>;

/// The float64 reference core (IDA family or attention, per spec.attention).
template <class T>
std::unique_ptr<MixerCoreT<T>> makeReferenceCore(const CoreSpec &spec);

/// A factory returning reference cores.
template <class T> CoreFactory<T> referenceCoreFactory() {
  return [](const CoreSpec &spec) { return makeReferenceCore<T>(spec); };
}

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_MIXERCORE_H

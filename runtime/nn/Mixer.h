//===- runtime/nn/Mixer.h - the mixer layer around a MixerCore --*- C++ -*-===//
//
//   x [B,T,d] -> (short causal depthwise conv, optional) -> xc
//   xc -> one fused projection w_in -> [q | k | v | dt | g]  (per token)
//   (q, k, v, dt, g, A_log, dt_bias, W) -> MixerCore -> y [B,T,H,P]
//   y -> w_out [d, H*P] -> out [B,T,d]
//
// Parameters (registered in this order): conv_w [d, Kc] (when Kc > 0),
// w_in [width, d], w_out [d, H*P], and for the IDA family A_log [H, N],
// dt_bias [H] (frozen for linear) and W [H, F', D] (prf, hedgehog).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_MIXER_H
#define IDA_RUNTIME_NN_MIXER_H

#include "runtime/nn/MixerConfig.h"
#include "runtime/nn/Param.h"

namespace ida::nn {

template <class T> class MixerLayer {
public:
  /// `outStd` is the init std of w_out (scaled down with depth by the model).
  MixerLayer(const MixerConfig &cfg, std::unique_ptr<MixerCoreT<T>> core,
             ParamStore<T> &store, const std::string &prefix, InitRng &rng,
             double outStd);

  /// out = mixer(x), x and out are [B, T, d]. Saves what backward needs.
  void forward(const Tensor<T> &x, int64_t B, int64_t Tlen, Tensor<T> &out);
  /// dx += d(out)/dx^T dout; parameter gradients accumulate. Uses the
  /// activations of the last forward (x must still be alive and unchanged).
  void backward(const Tensor<T> &dout, Tensor<T> &dx);

  const MixerConfig &config() const { return cfg_; }
  MixerCoreT<T> &core() { return *core_; }

  /// The core's inputs as of the last forward (for tests).
  CoreInputs<T> coreInputs() const;

private:
  MixerConfig cfg_;
  std::unique_ptr<MixerCoreT<T>> core_;
  Param<T> *convW_ = nullptr, *wIn_ = nullptr, *wOut_ = nullptr;
  Param<T> *aLog_ = nullptr, *dtBias_ = nullptr, *featW_ = nullptr;

  // Saved activations.
  const Tensor<T> *x_ = nullptr;
  int64_t B_ = 0, T_ = 0;
  Tensor<T> xc_, proj_, q_, k_, v_, dt_, g_, y_;
};

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_MIXER_H

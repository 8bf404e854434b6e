//===- runtime/nn/Mixer.cpp - the mixer layer around a MixerCore ----------===//
#include "runtime/nn/Mixer.h"

#include "runtime/nn/Layers.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ida::nn {

template <class T>
MixerLayer<T>::MixerLayer(const MixerConfig &cfg,
                          std::unique_ptr<MixerCoreT<T>> core,
                          ParamStore<T> &store, const std::string &prefix,
                          InitRng &rng, double outStd)
    : cfg_(cfg), core_(std::move(core)) {
  const int64_t d = cfg.dModel, H = cfg.H;
  if (cfg.convKernel > 0) {
    convW_ = store.add(prefix + "conv_w", {d, cfg.convKernel}, false);
    // PyTorch's default conv bound 1/sqrt(fan_in), fan_in = kernel size.
    const double bound = 1.0 / std::sqrt(double(cfg.convKernel));
    rng.fillUniform(convW_->value, -bound, bound);
  }
  wIn_ = store.add(prefix + "w_in", {projectionWidth(cfg), d}, true);
  rng.fillNormal(wIn_->value, 1.0 / std::sqrt(double(d)));
  wOut_ = store.add(prefix + "w_out", {d, H * cfg.P}, true);
  rng.fillNormal(wOut_->value, outStd);
  if (cfg.core.attention)
    return;

  const int64_t N = cfg.N;
  aLog_ = store.add(prefix + "A_log", {H, N}, false, cfg.trainDecay);
  dtBias_ = store.add(prefix + "dt_bias", {H}, false, cfg.trainDecay);
  if (!cfg.trainDecay) {
    // No decay and a unit step: lambda = exp(-inf) = 0, softplus(x) = 1.
    for (auto &a : aLog_->value.data)
      a = -std::numeric_limits<T>::infinity();
    for (auto &b : dtBias_->value.data)
      b = T(std::log(std::expm1(1.0)));
  } else {
    // Rates lambda spread log-uniformly over [1, 16] across the basis (the
    // timescales an IDA state mixes), with a per-head random offset so heads
    // differ; steps log-uniform in [1e-3, 1e-1] as in Mamba.
    for (int64_t h = 0; h < H; ++h) {
      const double jitter = rng.uniform();
      for (int64_t n = 0; n < N; ++n) {
        const double u = (double(n) + jitter) / double(N);
        aLog_->value[h * N + n] = T(u * std::log(16.0));
      }
    }
    for (int64_t h = 0; h < H; ++h) {
      const double step =
          std::exp(std::log(1e-3) + rng.uniform() * (std::log(1e-1) - std::log(1e-3)));
      dtBias_->value[h] = T(step + std::log(-std::expm1(-step))); // softplus^-1
    }
  }
  if (cfg.hasFeatureWeights) {
    const int64_t Fp = cfg.core.ida.featureParam;
    featW_ = store.add(prefix + "feature_w", {H, Fp, cfg.D}, false);
    // prf: W rows are the random directions, standard normal; hedgehog: a
    // small learned projection.
    const bool prf = cfg.core.ida.feature == ref::FeatureKind::Prf;
    rng.fillNormal(featW_->value, prf ? 1.0 : 1.0 / std::sqrt(double(cfg.D)));
  }
}

namespace {
// A core is pluggable, so its outputs are checked before they are indexed:
// a wrong shape is an error naming the tensor, never an overrun.
template <class T>
void expectShape(const MixerCoreT<T> &core, const char *name,
                 const Tensor<T> &t, const std::vector<int64_t> &shape) {
  if (t.shape != shape || t.numel() != Tensor<T>::count(shape)) {
    Tensor<T> want;
    want.shape = shape;
    throw std::runtime_error("mixer core '" + core.describe() + "' returned " +
                             name + " of shape " + t.shapeString() +
                             ", expected " + want.shapeString());
  }
}

template <class T>
void addInto(const MixerCoreT<T> &core, const char *name, Tensor<T> &acc,
             const Tensor<T> &g) {
  expectShape(core, name, g, acc.shape);
  for (int64_t i = 0; i < acc.numel(); ++i)
    acc[i] += g[i];
}
} // namespace

template <class T> CoreInputs<T> MixerLayer<T>::coreInputs() const {
  CoreInputs<T> in;
  in.q = &q_;
  in.k = &k_;
  in.v = &v_;
  if (!cfg_.core.attention) {
    in.dt = &dt_;
    in.g = cfg_.projectG ? &g_ : nullptr;
    in.A_log = &aLog_->value;
    in.dt_bias = &dtBias_->value;
    in.W = featW_ ? &featW_->value : nullptr;
  }
  return in;
}

template <class T>
void MixerLayer<T>::forward(const Tensor<T> &x, int64_t B, int64_t Tlen,
                            Tensor<T> &out) {
  const int64_t d = cfg_.dModel, H = cfg_.H, D = cfg_.D, P = cfg_.P,
                N = cfg_.N, M = B * Tlen, W = projectionWidth(cfg_);
  x_ = &x;
  B_ = B;
  T_ = Tlen;
  const Tensor<T> *src = &x;
  if (convW_) {
    xc_.reset({B, Tlen, d});
    causalConvForward(x.ptr(), convW_->value.ptr(), B, Tlen, d, cfg_.convKernel,
                      xc_.ptr());
    src = &xc_;
  }
  proj_.reset({M, W});
  linearForward(src->ptr(), wIn_->value.ptr(), M, d, W, proj_.ptr());

  // Split the fused projection into the core's layouts.
  q_.reset({B, Tlen, H, D});
  k_.reset({B, Tlen, H, D});
  v_.reset({B, Tlen, H, P});
  if (!cfg_.core.attention)
    dt_.reset({B, Tlen, H});
  if (cfg_.projectG)
    g_.reset({B, Tlen, H, N});
  for (int64_t m = 0; m < M; ++m) {
    const T *row = proj_.ptr() + m * W;
    std::copy_n(row, H * D, q_.ptr() + m * H * D);
    std::copy_n(row + H * D, H * D, k_.ptr() + m * H * D);
    std::copy_n(row + 2 * H * D, H * P, v_.ptr() + m * H * P);
    int64_t off = H * (2 * D + P);
    if (cfg_.projectDt) {
      std::copy_n(row + off, H, dt_.ptr() + m * H);
      off += H;
    }
    if (cfg_.projectG)
      std::copy_n(row + off, H * N, g_.ptr() + m * H * N);
  }

  core_->forward(coreInputs(), y_);
  expectShape(*core_, "y", y_, {B, Tlen, H, P});
  out.reset({B, Tlen, d});
  linearForward(y_.ptr(), wOut_->value.ptr(), M, H * P, d, out.ptr());
}


template <class T>
void MixerLayer<T>::backward(const Tensor<T> &dout, Tensor<T> &dx) {
  const int64_t d = cfg_.dModel, H = cfg_.H, D = cfg_.D, P = cfg_.P,
                N = cfg_.N, B = B_, Tlen = T_, M = B * Tlen,
                W = projectionWidth(cfg_);
  Tensor<T> dy({B, Tlen, H, P});
  linearBackward(dout.ptr(), y_.ptr(), wOut_->value.ptr(), M, H * P, d,
                 dy.ptr(), wOut_->grad.ptr());

  CoreGrads<T> cg;
  core_->vjp(coreInputs(), dy, cg);
  expectShape(*core_, "dq", cg.dq, q_.shape);
  expectShape(*core_, "dk", cg.dk, k_.shape);
  expectShape(*core_, "dv", cg.dv, v_.shape);
  if (cfg_.projectDt)
    expectShape(*core_, "ddt", cg.ddt, dt_.shape);
  if (cfg_.projectG)
    expectShape(*core_, "dg", cg.dg, g_.shape);

  Tensor<T> dproj({M, W});
  for (int64_t m = 0; m < M; ++m) {
    T *row = dproj.ptr() + m * W;
    std::copy_n(cg.dq.ptr() + m * H * D, H * D, row);
    std::copy_n(cg.dk.ptr() + m * H * D, H * D, row + H * D);
    std::copy_n(cg.dv.ptr() + m * H * P, H * P, row + 2 * H * D);
    int64_t off = H * (2 * D + P);
    if (cfg_.projectDt) {
      std::copy_n(cg.ddt.ptr() + m * H, H, row + off);
      off += H;
    }
    if (cfg_.projectG)
      std::copy_n(cg.dg.ptr() + m * H * N, H * N, row + off);
  }
  if (aLog_ && aLog_->trainable) {
    addInto(*core_, "dA_log", aLog_->grad, cg.dA_log);
    addInto(*core_, "ddt_bias", dtBias_->grad, cg.ddt_bias);
  }
  if (featW_)
    addInto(*core_, "dW", featW_->grad, cg.dW);

  const Tensor<T> &src = convW_ ? xc_ : *x_;
  if (convW_) {
    Tensor<T> dxc({B, Tlen, d});
    linearBackward(dproj.ptr(), src.ptr(), wIn_->value.ptr(), M, d, W,
                   dxc.ptr(), wIn_->grad.ptr());
    causalConvBackward(dxc.ptr(), x_->ptr(), convW_->value.ptr(), B, Tlen, d,
                       cfg_.convKernel, dx.ptr(), convW_->grad.ptr());
  } else {
    linearBackward(dproj.ptr(), src.ptr(), wIn_->value.ptr(), M, d, W,
                   dx.ptr(), wIn_->grad.ptr());
  }
}

template class MixerLayer<float>;
template class MixerLayer<double>;

} // namespace ida::nn

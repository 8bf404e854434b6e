//===- runtime/nn/DeviceModel.cpp - the model, resident on a Device -------===//
#include "runtime/nn/DeviceModel.h"

#include <cmath>
#include <map>
#include <stdexcept>

namespace ida::nn {

namespace {

/// A float array in device memory that keeps its allocation when a later
/// step asks for the same size or less.
struct Buf {
  DeviceBuffer mem;
  int64_t n = 0;
  float *p() const { return static_cast<float *>(mem.get()); }
  /// Sized to n floats; zero-filled when `zero` (accumulators).
  float *get(Device &dev, int64_t count, bool zero) {
    if (mem.size() < size_t(count) * sizeof(float) || !mem.get())
      mem = dev.allocate(size_t(count > 0 ? count : 1) * sizeof(float));
    n = count;
    if (zero)
      dev.fillZero(mem.get(), size_t(count) * sizeof(float));
    return p();
  }
};

struct DevParam {
  Param<float> *host = nullptr;
  Buf value, grad, m, v;
  int64_t n = 0;
};

} // namespace

struct DeviceModel::Impl {
  std::vector<DevParam> params;
  std::map<std::string, size_t> byName;
  MixerConfig mc;
  int64_t d = 0, V = 0, hidden = 0;
  bool mlp = false;
  double eps = 1e-5;

  struct Layer {
    DevParam *norm1 = nullptr, *norm2 = nullptr, *wGu = nullptr,
             *wDown = nullptr, *convW = nullptr, *wIn = nullptr,
             *wOut = nullptr, *aLog = nullptr, *dtBias = nullptr,
             *featW = nullptr;
    std::unique_ptr<DeviceMixerCore> core;
    // Saved activations.
    Buf xIn, n1, rstd1, xc, proj, q, k, v, dt, g, y, mixOut, xMid, n2, rstd2,
        gu, act, mlpOut;
  };
  std::vector<Layer> layers;
  DevParam *embed = nullptr, *normF = nullptr;

  // Saved by forward.
  int64_t B = 0, T = 0, scored = 0;
  DeviceBuffer tokens, labels;
  std::vector<int32_t> hostLabels;
  Buf x, nF, rstdF, probs;
  // Backward scratch.
  Buf dlogits, dnF, dx, dact, dgu, dn2, dn1, dy, dproj, dxc, dq, dk, dv, ddt,
      dg, dA, ddtb, dW;

  DevParam *find(const std::string &name, bool required = true) {
    auto it = byName.find(name);
    if (it == byName.end()) {
      if (required)
        throw std::logic_error("device model: no parameter '" + name + "'");
      return nullptr;
    }
    return &params[it->second];
  }
};

DeviceModel::DeviceModel(Model<float> &host,
                         std::shared_ptr<LayerKernels> kernels,
                         const DeviceCoreFactory &cores, AdamWConfig adam)
    : host_(host), k_(std::move(kernels)), adam_(adam),
      impl_(std::make_unique<Impl>()) {
  Impl &s = *impl_;
  Device &dev = k_->device();
  ParamStore<float> &ps = host.params();
  s.params.resize(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    DevParam &p = s.params[i];
    p.host = &ps[i];
    p.n = ps[i].value.numel();
    p.value.get(dev, p.n, false);
    p.grad.get(dev, p.n, true);
    p.m.get(dev, p.n, true);
    p.v.get(dev, p.n, true);
    dev.copyToDevice(p.value.p(), ps[i].value.ptr(), size_t(p.n) * sizeof(float));
    s.byName[ps[i].name] = i;
  }
  const ModelConfig &cfg = host.config();
  s.mc = host.mixerConfig();
  s.d = cfg.dModel;
  s.V = cfg.vocab;
  s.mlp = cfg.mlp;
  s.eps = cfg.normEps;
  s.embed = s.find("embed");
  s.normF = s.find("norm_f");
  s.layers.resize(size_t(cfg.layers));
  for (int64_t l = 0; l < cfg.layers; ++l) {
    Impl::Layer &L = s.layers[size_t(l)];
    const std::string pre = "blocks." + std::to_string(l) + ".";
    L.norm1 = s.find(pre + "norm1");
    L.convW = s.find(pre + "mixer.conv_w", false);
    L.wIn = s.find(pre + "mixer.w_in");
    L.wOut = s.find(pre + "mixer.w_out");
    L.aLog = s.find(pre + "mixer.A_log", false);
    L.dtBias = s.find(pre + "mixer.dt_bias", false);
    L.featW = s.find(pre + "mixer.feature_w", false);
    if (s.mlp) {
      L.norm2 = s.find(pre + "norm2");
      L.wGu = s.find(pre + "mlp.w_gu");
      L.wDown = s.find(pre + "mlp.w_down");
      s.hidden = L.wDown->host->value.shape[1];
    }
    L.core = cores(s.mc.core);
  }
}

DeviceModel::~DeviceModel() = default;

LossStats DeviceModel::forward(const int32_t *tokens, const int32_t *labels,
                               int64_t B, int64_t Tlen) {
  Impl &s = *impl_;
  Device &dev = k_->device();
  LayerKernels &k = *k_;
  const MixerConfig &mc = s.mc;
  const int64_t d = s.d, V = s.V, M = B * Tlen, h = s.hidden, H = mc.H,
                D = mc.D, P = mc.P, N = mc.N, W = projectionWidth(mc);
  for (int64_t m = 0; m < M; ++m)
    if (tokens[m] < 0 || tokens[m] >= V)
      throw std::invalid_argument("token " + std::to_string(tokens[m]) +
                                  " outside the vocabulary [0, " +
                                  std::to_string(V) + ")");
  s.B = B;
  s.T = Tlen;
  const size_t tokBytes = size_t(M) * sizeof(int32_t);
  if (s.tokens.size() < tokBytes) {
    s.tokens = dev.allocate(tokBytes);
    s.labels = dev.allocate(tokBytes);
  }
  dev.copyToDevice(s.tokens.get(), tokens, tokBytes);
  dev.copyToDevice(s.labels.get(), labels, tokBytes);
  s.hostLabels.assign(labels, labels + M);
  const auto *tok = static_cast<const int32_t *>(s.tokens.get());
  const auto *lab = static_cast<const int32_t *>(s.labels.get());

  float *x = s.x.get(dev, M * d, false);
  k.embeddingForward(tok, M, s.embed->value.p(), d, x);
  for (Impl::Layer &L : s.layers) {
    float *xIn = L.xIn.get(dev, M * d, false);
    k.copyColumns(x, d, 0, xIn, d, 0, M, d, false);
    float *n1 = L.n1.get(dev, M * d, false);
    k.rmsnormForward(xIn, L.norm1->value.p(), M, d, s.eps, n1,
                     L.rstd1.get(dev, M, false));
    // The mixer (Mixer.cpp's forward).
    const float *src = n1;
    if (L.convW) {
      float *xc = L.xc.get(dev, M * d, false);
      k.causalConvForward(n1, L.convW->value.p(), B, Tlen, d, mc.convKernel, xc);
      src = xc;
    }
    float *proj = L.proj.get(dev, M * W, false);
    k.linearForward(src, L.wIn->value.p(), M, d, W, proj);
    DeviceCoreArgs a;
    a.B = B;
    a.T = Tlen;
    a.q = L.q.get(dev, M * H * D, false);
    a.k = L.k.get(dev, M * H * D, false);
    a.v = L.v.get(dev, M * H * P, false);
    k.copyColumns(proj, W, 0, L.q.p(), H * D, 0, M, H * D, false);
    k.copyColumns(proj, W, H * D, L.k.p(), H * D, 0, M, H * D, false);
    k.copyColumns(proj, W, 2 * H * D, L.v.p(), H * P, 0, M, H * P, false);
    int64_t off = H * (2 * D + P);
    if (!mc.core.attention) {
      // Without a projected step (linear) dt stays zero: beta = softplus(dt_bias).
      a.dt = L.dt.get(dev, M * H, !mc.projectDt);
      if (mc.projectDt) {
        k.copyColumns(proj, W, off, L.dt.p(), H, 0, M, H, false);
        off += H;
      }
      if (mc.projectG) {
        a.g = L.g.get(dev, M * H * N, false);
        k.copyColumns(proj, W, off, L.g.p(), H * N, 0, M, H * N, false);
      }
      a.A_log = L.aLog->value.p();
      a.dt_bias = L.dtBias->value.p();
      a.W = L.featW ? L.featW->value.p() : nullptr;
    }
    float *y = L.y.get(dev, M * H * P, false);
    L.core->forward(a, y);
    float *mixOut = L.mixOut.get(dev, M * d, false);
    k.linearForward(y, L.wOut->value.p(), M, H * P, d, mixOut);
    k.axpby(mixOut, 1.0f, x, M * d);
    if (!s.mlp)
      continue;
    float *xMid = L.xMid.get(dev, M * d, false);
    k.copyColumns(x, d, 0, xMid, d, 0, M, d, false);
    float *n2 = L.n2.get(dev, M * d, false);
    k.rmsnormForward(xMid, L.norm2->value.p(), M, d, s.eps, n2,
                     L.rstd2.get(dev, M, false));
    float *gu = L.gu.get(dev, M * 2 * h, false);
    k.linearForward(n2, L.wGu->value.p(), M, d, 2 * h, gu);
    float *act = L.act.get(dev, M * h, false);
    k.swigluForward(gu, M, h, act);
    float *mlpOut = L.mlpOut.get(dev, M * d, false);
    k.linearForward(act, L.wDown->value.p(), M, h, d, mlpOut);
    k.axpby(mlpOut, 1.0f, x, M * d);
  }
  float *nF = s.nF.get(dev, M * d, false);
  k.rmsnormForward(x, s.normF->value.p(), M, d, s.eps, nF,
                   s.rstdF.get(dev, M, false));
  float *probs = s.probs.get(dev, M * V, false);
  k.linearForward(nF, s.embed->value.p(), M, d, V, probs);
  CrossEntropyStats ce =
      k.crossEntropyForward(probs, lab, s.hostLabels.data(), M, V);
  s.scored = ce.scored;
  LossStats st;
  st.loss = ce.loss;
  st.scored = ce.scored;
  st.correct = ce.correct;
  return st;
}

void DeviceModel::zeroGrad() {
  for (DevParam &p : impl_->params)
    k_->device().fillZero(p.grad.p(), size_t(p.n) * sizeof(float));
}

void DeviceModel::backward() {
  Impl &s = *impl_;
  Device &dev = k_->device();
  LayerKernels &k = *k_;
  const MixerConfig &mc = s.mc;
  const int64_t d = s.d, V = s.V, B = s.B, Tlen = s.T, M = B * Tlen,
                h = s.hidden, H = mc.H, D = mc.D, P = mc.P, N = mc.N,
                W = projectionWidth(mc);
  if (s.scored == 0)
    return;
  const auto *tok = static_cast<const int32_t *>(s.tokens.get());
  const auto *lab = static_cast<const int32_t *>(s.labels.get());
  float *dlogits = s.dlogits.get(dev, M * V, false);
  k.crossEntropyBackward(s.probs.p(), lab, M, V, float(1.0 / double(s.scored)),
                         dlogits);
  float *dnF = s.dnF.get(dev, M * d, true);
  k.linearBackward(dlogits, s.nF.p(), s.embed->value.p(), M, d, V, dnF,
                   s.embed->grad.p());
  float *dx = s.dx.get(dev, M * d, true);
  k.rmsnormBackward(dnF, s.x.p(), s.normF->value.p(), s.rstdF.p(), M, d, dx,
                    s.normF->grad.p());
  for (auto it = s.layers.rbegin(); it != s.layers.rend(); ++it) {
    Impl::Layer &L = *it;
    if (s.mlp) {
      float *dact = s.dact.get(dev, M * h, true);
      float *dgu = s.dgu.get(dev, M * 2 * h, true);
      float *dn2 = s.dn2.get(dev, M * d, true);
      k.linearBackward(dx, L.act.p(), L.wDown->value.p(), M, h, d, dact,
                       L.wDown->grad.p());
      k.swigluBackward(dact, L.gu.p(), M, h, dgu);
      k.linearBackward(dgu, L.n2.p(), L.wGu->value.p(), M, d, 2 * h, dn2,
                       L.wGu->grad.p());
      k.rmsnormBackward(dn2, L.xMid.p(), L.norm2->value.p(), L.rstd2.p(), M, d,
                        dx, L.norm2->grad.p());
    }
    // The mixer (Mixer.cpp's backward), into dn1.
    float *dn1 = s.dn1.get(dev, M * d, true);
    float *dy = s.dy.get(dev, M * H * P, true);
    k.linearBackward(dx, L.y.p(), L.wOut->value.p(), M, H * P, d, dy,
                     L.wOut->grad.p());
    DeviceCoreArgs a;
    a.B = B;
    a.T = Tlen;
    a.q = L.q.p();
    a.k = L.k.p();
    a.v = L.v.p();
    DeviceCoreGrads g;
    g.dq = s.dq.get(dev, M * H * D, false);
    g.dk = s.dk.get(dev, M * H * D, false);
    g.dv = s.dv.get(dev, M * H * P, false);
    if (!mc.core.attention) {
      a.dt = L.dt.p();
      a.g = mc.projectG ? L.g.p() : nullptr;
      a.A_log = L.aLog->value.p();
      a.dt_bias = L.dtBias->value.p();
      a.W = L.featW ? L.featW->value.p() : nullptr;
      g.ddt = s.ddt.get(dev, M * H, false);
      g.dg = mc.projectG ? s.dg.get(dev, M * H * N, false) : nullptr;
      g.dA_log = s.dA.get(dev, L.aLog->n, false);
      g.ddt_bias = s.ddtb.get(dev, L.dtBias->n, false);
      g.dW = L.featW ? s.dW.get(dev, L.featW->n, false) : nullptr;
    }
    L.core->vjp(a, dy, g);
    float *dproj = s.dproj.get(dev, M * W, false);
    k.copyColumns(g.dq, H * D, 0, dproj, W, 0, M, H * D, false);
    k.copyColumns(g.dk, H * D, 0, dproj, W, H * D, M, H * D, false);
    k.copyColumns(g.dv, H * P, 0, dproj, W, 2 * H * D, M, H * P, false);
    int64_t off = H * (2 * D + P);
    if (mc.projectDt) {
      k.copyColumns(g.ddt, H, 0, dproj, W, off, M, H, false);
      off += H;
    }
    if (mc.projectG)
      k.copyColumns(g.dg, H * N, 0, dproj, W, off, M, H * N, false);
    if (L.aLog && L.aLog->host->trainable) {
      k.axpby(g.dA_log, 1.0f, L.aLog->grad.p(), L.aLog->n);
      k.axpby(g.ddt_bias, 1.0f, L.dtBias->grad.p(), L.dtBias->n);
    }
    if (L.featW)
      k.axpby(g.dW, 1.0f, L.featW->grad.p(), L.featW->n);
    if (L.convW) {
      float *dxc = s.dxc.get(dev, M * d, true);
      k.linearBackward(dproj, L.xc.p(), L.wIn->value.p(), M, d, W, dxc,
                       L.wIn->grad.p());
      k.causalConvBackward(dxc, L.n1.p(), L.convW->value.p(), B, Tlen, d,
                           mc.convKernel, dn1, L.convW->grad.p());
    } else {
      k.linearBackward(dproj, L.n1.p(), L.wIn->value.p(), M, d, W, dn1,
                       L.wIn->grad.p());
    }
    k.rmsnormBackward(dn1, L.xIn.p(), L.norm1->value.p(), L.rstd1.p(), M, d,
                      dx, L.norm1->grad.p());
  }
  k.embeddingBackward(tok, M, dx, d, V, s.embed->grad.p());
}

double DeviceModel::clipGradNorm(double maxNorm, std::string *nonFinite) {
  // One sum per parameter serves both the norm and the guard.
  double ss = 0;
  for (DevParam &p : impl_->params) {
    if (!p.host->trainable)
      continue;
    const double s = k_->sumSquares(p.grad.p(), p.n);
    if (!std::isfinite(s)) {
      if (nonFinite)
        *nonFinite = p.host->name;
      return std::nan("");
    }
    ss += s;
  }
  const double norm = std::sqrt(ss);
  if (maxNorm > 0 && norm > maxNorm) {
    const float scale = float(maxNorm / norm);
    for (DevParam &p : impl_->params)
      if (p.host->trainable)
        k_->axpby(nullptr, scale, p.grad.p(), p.n);
  }
  return norm;
}

void DeviceModel::adamUpdate(double lr) {
  ++step_;
  LayerKernels::AdamHyper hp;
  hp.beta1 = adam_.beta1;
  hp.beta2 = adam_.beta2;
  hp.c1 = 1.0 - std::pow(adam_.beta1, double(step_));
  hp.c2 = 1.0 - std::pow(adam_.beta2, double(step_));
  hp.lr = lr;
  hp.eps = adam_.eps;
  for (DevParam &p : impl_->params) {
    if (!p.host->trainable)
      continue;
    hp.weightDecay = p.host->decay ? adam_.weightDecay : 0.0;
    k_->adamw(p.value.p(), p.grad.p(), p.m.p(), p.v.p(), p.n, hp);
  }
}

std::string DeviceModel::firstNonFiniteParameter() {
  for (DevParam &p : impl_->params)
    if (!std::isfinite(k_->sumSquares(p.value.p(), p.n)) &&
        p.host->trainable)
      return p.host->name;
  return "";
}

void DeviceModel::download(AdamW<float> &opt) {
  Device &dev = k_->device();
  for (size_t i = 0; i < impl_->params.size(); ++i) {
    DevParam &p = impl_->params[i];
    const size_t bytes = size_t(p.n) * sizeof(float);
    dev.copyToHost(p.host->value.ptr(), p.value.p(), bytes);
    dev.copyToHost(opt.m()[i].ptr(), p.m.p(), bytes);
    dev.copyToHost(opt.v()[i].ptr(), p.v.p(), bytes);
  }
  opt.setStep(step_);
}

void DeviceModel::upload(const AdamW<float> &opt) {
  Device &dev = k_->device();
  auto &o = const_cast<AdamW<float> &>(opt); // m()/v() have no const overloads
  for (size_t i = 0; i < impl_->params.size(); ++i) {
    DevParam &p = impl_->params[i];
    const size_t bytes = size_t(p.n) * sizeof(float);
    dev.copyToDevice(p.value.p(), p.host->value.ptr(), bytes);
    dev.copyToDevice(p.m.p(), o.m()[i].ptr(), bytes);
    dev.copyToDevice(p.v.p(), o.v()[i].ptr(), bytes);
  }
  step_ = opt.step();
}

Tensor<float> DeviceModel::gradient(size_t i) {
  DevParam &p = impl_->params.at(i);
  Tensor<float> t(p.host->value.shape);
  k_->device().copyToHost(t.ptr(), p.grad.p(), size_t(p.n) * sizeof(float));
  return t;
}

// --- a host core on device arrays --------------------------------------------

namespace {

class HostCoreOnDevice final : public DeviceMixerCore {
public:
  HostCoreOnDevice(std::shared_ptr<LayerKernels> k, const MixerConfig &cfg,
                   std::unique_ptr<MixerCoreT<float>> core)
      : k_(std::move(k)), cfg_(cfg), core_(std::move(core)) {}

  std::string describe() const override {
    return core_->describe() + " via host copies";
  }

  void forward(const DeviceCoreArgs &in, float *y) override {
    Inputs h = toHost(in);
    Tensor<float> out;
    core_->forward(h.refs, out);
    put(out, y, {in.B, in.T, cfg_.H, cfg_.P});
  }

  void vjp(const DeviceCoreArgs &in, const float *dy,
           const DeviceCoreGrads &grads) override {
    Inputs h = toHost(in);
    Tensor<float> hdy = get(dy, {in.B, in.T, cfg_.H, cfg_.P});
    CoreGrads<float> g;
    core_->vjp(h.refs, hdy, g);
    put(g.dq, grads.dq, h.q.shape);
    put(g.dk, grads.dk, h.k.shape);
    put(g.dv, grads.dv, h.v.shape);
    if (cfg_.core.attention)
      return;
    put(g.ddt, grads.ddt, h.dt.shape);
    if (grads.dg)
      put(g.dg, grads.dg, h.g.shape);
    put(g.dA_log, grads.dA_log, h.A_log.shape);
    put(g.ddt_bias, grads.ddt_bias, h.dt_bias.shape);
    if (grads.dW)
      put(g.dW, grads.dW, h.W.shape);
  }

private:
  struct Inputs {
    Tensor<float> q, k, v, dt, g, A_log, dt_bias, W;
    CoreInputs<float> refs;
  };

  Tensor<float> get(const float *p, std::vector<int64_t> shape) {
    Tensor<float> t(std::move(shape));
    k_->device().copyToHost(t.ptr(), p, size_t(t.numel()) * sizeof(float));
    return t;
  }
  void put(const Tensor<float> &t, float *dst, const std::vector<int64_t> &shape) {
    if (t.shape != shape)
      throw std::runtime_error("mixer core '" + core_->describe() +
                               "' returned " + t.shapeString() +
                               " where the device model expects another shape");
    k_->device().copyToDevice(dst, t.ptr(), size_t(t.numel()) * sizeof(float));
  }

  Inputs toHost(const DeviceCoreArgs &in) {
    const int64_t B = in.B, T = in.T, H = cfg_.H, D = cfg_.D, P = cfg_.P,
                  N = cfg_.N;
    Inputs h;
    h.q = get(in.q, {B, T, H, D});
    h.k = get(in.k, {B, T, H, D});
    h.v = get(in.v, {B, T, H, P});
    h.refs.q = &h.q;
    h.refs.k = &h.k;
    h.refs.v = &h.v;
    if (cfg_.core.attention)
      return h;
    h.dt = get(in.dt, {B, T, H});
    h.A_log = get(in.A_log, {H, N});
    h.dt_bias = get(in.dt_bias, {H});
    h.refs.dt = &h.dt;
    h.refs.A_log = &h.A_log;
    h.refs.dt_bias = &h.dt_bias;
    if (in.g) {
      h.g = get(in.g, {B, T, H, N});
      h.refs.g = &h.g;
    }
    if (in.W) {
      h.W = get(in.W, {H, cfg_.core.ida.featureParam, D});
      h.refs.W = &h.W;
    }
    return h;
  }

  std::shared_ptr<LayerKernels> k_;
  MixerConfig cfg_;
  std::unique_ptr<MixerCoreT<float>> core_;
};

} // namespace

DeviceCoreFactory hostCoreOnDevice(std::shared_ptr<LayerKernels> kernels,
                                   const MixerConfig &cfg,
                                   CoreFactory<float> hostFactory) {
  return [kernels, cfg, hostFactory](const CoreSpec &spec) {
    return std::unique_ptr<DeviceMixerCore>(
        new HostCoreOnDevice(kernels, cfg, hostFactory(spec)));
  };
}

} // namespace ida::nn

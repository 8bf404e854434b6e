//===- runtime/nn/Model.cpp - the small language model of ida-train -------===//
#include "runtime/nn/Model.h"

#include <cmath>
#include <stdexcept>

namespace ida::nn {

template <class T>
Model<T>::Model(const ModelConfig &cfg, const CoreFactory<T> &factory)
    : cfg_(cfg), mixerCfg_(resolveMixer(cfg.mixer, cfg.dModel)) {
  if (cfg.vocab < 2)
    throw std::invalid_argument("vocab must be >= 2");
  if (cfg.layers < 1)
    throw std::invalid_argument("layers must be >= 1");
  const int64_t d = cfg.dModel, V = cfg.vocab;
  hidden_ = cfg.mlpHidden ? cfg.mlpHidden : ((8 * d / 3 + 7) / 8) * 8;
  InitRng rng(cfg.seed);
  // Output projections of residual branches start smaller with depth so the
  // residual stream's scale does not grow with the number of layers.
  const double depthScale = 1.0 / std::sqrt(2.0 * double(cfg.layers));

  embed_ = params_.add("embed", {V, d}, true);
  rng.fillNormal(embed_->value, cfg.embedStd);
  blocks_.resize(cfg.layers);
  for (int64_t l = 0; l < cfg.layers; ++l) {
    Block &b = blocks_[l];
    const std::string pre = "blocks." + std::to_string(l) + ".";
    b.norm1 = params_.add(pre + "norm1", {d}, false);
    std::fill(b.norm1->value.data.begin(), b.norm1->value.data.end(), T(1));
    const int64_t hp = mixerCfg_.H * mixerCfg_.P;
    b.mixer = std::make_unique<MixerLayer<T>>(
        mixerCfg_, factory(mixerCfg_.core), params_, pre + "mixer.", rng,
        depthScale / std::sqrt(double(hp)));
    if (cfg.mlp) {
      b.norm2 = params_.add(pre + "norm2", {d}, false);
      std::fill(b.norm2->value.data.begin(), b.norm2->value.data.end(), T(1));
      b.wGu = params_.add(pre + "mlp.w_gu", {2 * hidden_, d}, true);
      rng.fillNormal(b.wGu->value, 1.0 / std::sqrt(double(d)));
      b.wDown = params_.add(pre + "mlp.w_down", {d, hidden_}, true);
      rng.fillNormal(b.wDown->value, depthScale / std::sqrt(double(hidden_)));
    }
  }
  normF_ = params_.add("norm_f", {d}, false);
  std::fill(normF_->value.data.begin(), normF_->value.data.end(), T(1));
}

template <class T>
LossStats Model<T>::forward(const int32_t *tokens, const int32_t *labels,
                            int64_t B, int64_t Tlen) {
  const int64_t d = cfg_.dModel, V = cfg_.vocab, M = B * Tlen, h = hidden_;
  const T eps = T(cfg_.normEps);
  B_ = B;
  T_ = Tlen;
  tokens_.assign(tokens, tokens + M);
  labels_.assign(labels, labels + M);
  for (int64_t m = 0; m < M; ++m)
    if (tokens_[m] < 0 || tokens_[m] >= V)
      throw std::invalid_argument("token " + std::to_string(tokens_[m]) +
                                  " outside the vocabulary [0, " +
                                  std::to_string(V) + ")");

  Tensor<T> x({B, Tlen, d});
  embeddingForward(tokens, M, embed_->value.ptr(), d, x.ptr());
  for (Block &b : blocks_) {
    b.xIn = x;
    b.n1.reset({B, Tlen, d});
    b.rstd1.reset({M});
    rmsnormForward(x.ptr(), b.norm1->value.ptr(), M, d, eps, b.n1.ptr(),
                   b.rstd1.ptr());
    b.mixer->forward(b.n1, B, Tlen, b.mixOut);
    for (int64_t i = 0; i < x.numel(); ++i)
      x[i] += b.mixOut[i];
    if (!b.wGu)
      continue;
    b.xMid = x;
    b.n2.reset({B, Tlen, d});
    b.rstd2.reset({M});
    rmsnormForward(x.ptr(), b.norm2->value.ptr(), M, d, eps, b.n2.ptr(),
                   b.rstd2.ptr());
    b.gu.reset({M, 2 * h});
    linearForward(b.n2.ptr(), b.wGu->value.ptr(), M, d, 2 * h, b.gu.ptr());
    b.act.reset({M, h});
    swigluForward(b.gu.ptr(), M, h, b.act.ptr());
    b.mlpOut.reset({B, Tlen, d});
    linearForward(b.act.ptr(), b.wDown->value.ptr(), M, h, d, b.mlpOut.ptr());
    for (int64_t i = 0; i < x.numel(); ++i)
      x[i] += b.mlpOut[i];
  }
  xOut_ = std::move(x);
  nF_.reset({B, Tlen, d});
  rstdF_.reset({M});
  rmsnormForward(xOut_.ptr(), normF_->value.ptr(), M, d, eps, nF_.ptr(),
                 rstdF_.ptr());
  probs_.reset({M, V});
  linearForward(nF_.ptr(), embed_->value.ptr(), M, d, V, probs_.ptr());
  CrossEntropyStats ce = crossEntropyForward(probs_.ptr(), labels, M, V);
  scored_ = ce.scored;
  LossStats st;
  st.loss = ce.loss;
  st.scored = ce.scored;
  st.correct = ce.correct;
  return st;
}

template <class T> void Model<T>::backward() {
  const int64_t d = cfg_.dModel, V = cfg_.vocab, B = B_, Tlen = T_,
                M = B * Tlen, h = hidden_;
  if (scored_ == 0)
    return; // nothing scored: the loss is a constant 0
  Tensor<T> dlogits({M, V});
  crossEntropyBackward(probs_.ptr(), labels_.data(), M, V,
                       T(1.0 / double(scored_)), dlogits.ptr());
  Tensor<T> dnF({B, Tlen, d});
  linearBackward(dlogits.ptr(), nF_.ptr(), embed_->value.ptr(), M, d, V,
                 dnF.ptr(), embed_->grad.ptr());
  Tensor<T> dx({B, Tlen, d});
  rmsnormBackward(dnF.ptr(), xOut_.ptr(), normF_->value.ptr(), rstdF_.ptr(), M,
                  d, dx.ptr(), normF_->grad.ptr());

  for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) {
    Block &b = *it;
    // dx is the gradient at the block's output; each residual branch adds
    // its input gradient to it.
    if (b.wGu) {
      Tensor<T> dact({M, h}), dgu({M, 2 * h}), dn2({B, Tlen, d});
      linearBackward(dx.ptr(), b.act.ptr(), b.wDown->value.ptr(), M, h, d,
                     dact.ptr(), b.wDown->grad.ptr());
      swigluBackward(dact.ptr(), b.gu.ptr(), M, h, dgu.ptr());
      linearBackward(dgu.ptr(), b.n2.ptr(), b.wGu->value.ptr(), M, d, 2 * h,
                     dn2.ptr(), b.wGu->grad.ptr());
      rmsnormBackward(dn2.ptr(), b.xMid.ptr(), b.norm2->value.ptr(),
                      b.rstd2.ptr(), M, d, dx.ptr(), b.norm2->grad.ptr());
    }
    Tensor<T> dn1({B, Tlen, d});
    b.mixer->backward(dx, dn1);
    rmsnormBackward(dn1.ptr(), b.xIn.ptr(), b.norm1->value.ptr(), b.rstd1.ptr(),
                    M, d, dx.ptr(), b.norm1->grad.ptr());
  }
  embeddingBackward(tokens_.data(), M, dx.ptr(), d, embed_->grad.ptr());
}

template class Model<float>;
template class Model<double>;

} // namespace ida::nn

//===- runtime/nn/Model.h - the small language model of ida-train -*- C++ -*-===//
//
//   tokens -> embedding E [V, d]
//   L x { x += mixer(rmsnorm1(x));  x += mlp(rmsnorm2(x)) }   (mlp optional)
//   -> rmsnorm_f -> logits = x E^T (tied head) -> masked cross-entropy
//
// The MLP is SwiGLU: w_gu [2h, d] -> silu(gate) * up -> w_down [d, h].
// Parameters are registered in a fixed order (embedding, then block by block,
// then the final norm), which fixes initialisation, optimizer state and the
// checkpoint layout. forward() saves the activations that backward() uses.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_MODEL_H
#define IDA_RUNTIME_NN_MODEL_H

#include "runtime/nn/Layers.h"
#include "runtime/nn/Mixer.h"

#include <memory>
#include <vector>

namespace ida::nn {

struct ModelConfig {
  int64_t vocab = 256;
  int64_t dModel = 128;
  int64_t layers = 2;
  bool mlp = true;
  int64_t mlpHidden = 0; // 0 = round(8/3 d) up to a multiple of 8
  MixerOptions mixer;
  double normEps = 1e-5;
  double embedStd = 0.02;
  uint64_t seed = 0;
};

/// Loss and accuracy of one forward over the scored (labelled) positions.
struct LossStats {
  double loss = 0;
  int64_t scored = 0;
  int64_t correct = 0;
  double accuracy() const { return scored ? double(correct) / double(scored) : 0.0; }
};

template <class T> class Model {
public:
  Model(const ModelConfig &cfg, const CoreFactory<T> &factory);

  /// tokens/labels [B, T]; labels use kIgnoreLabel for unscored positions.
  LossStats forward(const int32_t *tokens, const int32_t *labels, int64_t B,
                    int64_t Tlen);
  /// Gradient of the mean loss over scored positions, ACCUMULATED into each
  /// Param::grad (call params().zeroGrad() first). Needs the last forward.
  void backward();

  ParamStore<T> &params() { return params_; }
  const ParamStore<T> &params() const { return params_; }
  const ModelConfig &config() const { return cfg_; }
  const MixerConfig &mixerConfig() const { return mixerCfg_; }
  MixerLayer<T> &mixer(size_t layer) { return *blocks_[layer].mixer; }
  /// The logits of the last forward are replaced by probabilities; exposed
  /// for the NaN guard.
  const Tensor<T> &probabilities() const { return probs_; }

private:
  struct Block {
    Param<T> *norm1 = nullptr, *norm2 = nullptr;
    Param<T> *wGu = nullptr, *wDown = nullptr;
    std::unique_ptr<MixerLayer<T>> mixer;
    // Saved activations.
    Tensor<T> xIn, n1, rstd1, mixOut, xMid, n2, rstd2, gu, act, mlpOut;
  };

  ModelConfig cfg_;
  MixerConfig mixerCfg_;
  int64_t hidden_ = 0;
  ParamStore<T> params_;
  Param<T> *embed_ = nullptr, *normF_ = nullptr;
  std::vector<Block> blocks_;

  // Saved by forward.
  int64_t B_ = 0, T_ = 0;
  std::vector<int32_t> tokens_, labels_;
  Tensor<T> xOut_, nF_, rstdF_, probs_;
  int64_t scored_ = 0;
};

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_MODEL_H

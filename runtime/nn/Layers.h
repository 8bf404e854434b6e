//===- runtime/nn/Layers.h - fp32/fp64 layers, forward and backward -*- C++ -*-===//
//
// Each layer is a pair of free functions: X_forward writes its outputs (and
// whatever it must save for the backward), X_backward ACCUMULATES (+=) into
// the gradients of its inputs and parameters, so a caller zeroes gradients
// once per step and residual branches add up naturally. Rows are tokens:
// M = B*T. Weights follow the [out, in] convention, y = x W^T, so the tied
// output head reuses the embedding table [V, d] as is.
//
// Templated on the scalar: float for training, double for the gradient tests.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_LAYERS_H
#define IDA_RUNTIME_NN_LAYERS_H

#include <cstdint>

namespace ida::nn {

/// Label value that is not scored (PyTorch's ignore_index convention).
constexpr int32_t kIgnoreLabel = -100;

// --- embedding: out[m, :] = E[tokens[m], :] ---------------------------------
template <class T>
void embeddingForward(const int32_t *tokens, int64_t M, const T *E, int64_t d,
                      T *out);
template <class T>
void embeddingBackward(const int32_t *tokens, int64_t M, const T *dout,
                       int64_t d, T *dE);

// --- RMSNorm: y = x / sqrt(mean(x^2) + eps) * w ------------------------------
template <class T>
void rmsnormForward(const T *x, const T *w, int64_t M, int64_t d, T eps, T *y,
                    T *rstd);
template <class T>
void rmsnormBackward(const T *dy, const T *x, const T *w, const T *rstd,
                     int64_t M, int64_t d, T *dx, T *dw);

// --- linear: y[M, N] = x[M, K] W[N, K]^T (no bias) ---------------------------
template <class T>
void linearForward(const T *x, const T *W, int64_t M, int64_t K, int64_t N,
                   T *y);
template <class T>
void linearBackward(const T *dy, const T *x, const T *W, int64_t M, int64_t K,
                    int64_t N, T *dx, T *dW);

// --- SwiGLU gate: a = silu(gu[:, :H]) * gu[:, H:], gu is [M, 2H] -------------
template <class T> void swigluForward(const T *gu, int64_t M, int64_t H, T *a);
template <class T>
void swigluBackward(const T *da, const T *gu, int64_t M, int64_t H, T *dgu);

// --- short causal depthwise convolution over time ----------------------------
// y[b, t, c] = sum_j w[c, j] x[b, t - (Kc-1) + j, c], zero before t = 0.
template <class T>
void causalConvForward(const T *x, const T *w, int64_t B, int64_t Tlen,
                       int64_t C, int64_t Kc, T *y);
template <class T>
void causalConvBackward(const T *dy, const T *x, const T *w, int64_t B,
                        int64_t Tlen, int64_t C, int64_t Kc, T *dx, T *dw);

// --- cross-entropy with a label mask ----------------------------------------
struct CrossEntropyStats {
  double loss = 0;      // mean over scored rows (0 when none)
  int64_t scored = 0;   // rows whose label is not kIgnoreLabel
  int64_t correct = 0;  // scored rows whose argmax equals the label
};
/// logits [M, V] are replaced by the softmax probabilities (kept for the
/// backward), as llm.c's fused softmax/cross-entropy does.
template <class T>
CrossEntropyStats crossEntropyForward(T *logitsToProbs, const int32_t *labels,
                                      int64_t M, int64_t V);
/// dlogits = scale * (probs - onehot) on scored rows, 0 elsewhere; written,
/// not accumulated. scale is usually 1 / scored.
template <class T>
void crossEntropyBackward(const T *probs, const int32_t *labels, int64_t M,
                          int64_t V, T scale, T *dlogits);

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_LAYERS_H

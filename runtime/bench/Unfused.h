//===- runtime/bench/Unfused.h - fp32 chunked IDA, unfused ----*- C++ -*-===//
//
// The "straightforward" fp32 implementation of spec §5 that ida-bench sets
// beside the generated kernels: what one writes with a BLAS and no kernel
// fusion. Every intermediate is materialised in memory by its own pass over
// all heads and chunks: the discretisation (delta, gamma, log decays), the
// feature maps phi(q), phi(k), the in-chunk cumulative log decays L, the
// C x C score, decay-mask and masked-product matrices of every chunk, the
// chunk-local states, the states entering every chunk (a scan over chunks),
// then the intra- and inter-chunk outputs. The backward recomputes that
// forward (its entry takes only the inputs, like the bundle's forward_vjp)
// and runs the chain rule through the same materialised pieces, pass by
// pass. Matrix products go through ida::nn::gemm (OpenBLAS), one call per
// head and chunk; the passes are parallel over (head, chunk) with OpenMP.
//
// With `normalize` the values get a column of ones (V' = [V, 1]): the state
// then carries the normaliser Z as its last column and the denominator of
// spec §3 is the last column of the output, so one code path serves both.
//
// Layouts of inputs and outputs are the spec's (runtime/reference); all are
// fp32. Param-gradient reductions over (B, T) accumulate in double.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BENCH_UNFUSED_H
#define IDA_RUNTIME_BENCH_UNFUSED_H

#include "runtime/reference/Reference.h"

#include <cstdint>
#include <vector>

namespace ida::bench {

/// Sizes and options of one problem; F follows from the feature kind.
struct UnfusedProblem {
  ref::Config cfg;
  int64_t B = 1, T = 1, H = 1, D = 1, P = 1, N = 1;
  int64_t C = 64; // chunk length, >= 1; T need not be a multiple
};

/// Borrowed fp32 inputs in the spec's layouts. g may be null with uniform
/// basis weights; W only for prf/hedgehog; S0/Z0 null mean zero.
struct UnfusedInputs {
  const float *q = nullptr, *k = nullptr, *v = nullptr, *dt = nullptr,
              *g = nullptr, *A_log = nullptr, *dt_bias = nullptr, *W = nullptr,
              *S0 = nullptr, *Z0 = nullptr;
};

/// Outputs of the forward; S_T/Z_T may be null when not wanted.
struct UnfusedOutputs {
  float *y = nullptr, *S_T = nullptr, *Z_T = nullptr;
};

/// Gradients (overwritten). dg, dW, dS0, dZ0 may be null when not wanted.
struct UnfusedGradients {
  float *dq = nullptr, *dk = nullptr, *dv = nullptr, *ddt = nullptr,
        *dg = nullptr, *dA_log = nullptr, *ddt_bias = nullptr, *dW = nullptr,
        *dS0 = nullptr, *dZ0 = nullptr;
};

class UnfusedChunked {
public:
  /// Throws std::invalid_argument on bad sizes. `threads` <= 0: OpenMP's
  /// default. Workspaces are allocated here (forward) and at the first
  /// backward, so repeated calls time the computation, not the allocator.
  UnfusedChunked(const UnfusedProblem &problem, int threads = 0);

  void forward(const UnfusedInputs &in, const UnfusedOutputs &out);
  /// Gradient of <dy, y> + <dS_T, S_T> + <dZ_T, Z_T> (dS_T, dZ_T may be
  /// null: zero).
  void backward(const UnfusedInputs &in, const float *dy, const float *dS_T,
                const float *dZ_T, const UnfusedGradients &grads);

  int64_t featureDim() const { return F_; }

private:
  static void require(const void *p, const char *name);
  void checkInputs(const UnfusedInputs &in) const;
  void allocateBackward();
  /// Every forward pass up to the outputs in the working layout (Y_).
  void forwardPasses(const UnfusedInputs &in);
  // Forward passes, in order; each writes one materialised intermediate.
  void discretise(const UnfusedInputs &in);
  void featureMaps(const UnfusedInputs &in);
  void chunkCumsum();
  void intraScores();
  void decayMasks();
  void intraOutputs();
  void chunkStates();
  void scanStates(const UnfusedInputs &in);
  void interOutputs();
  void writeOutputs(const UnfusedOutputs &out);
  // Backward passes.
  void outputGrads(const float *dy);
  void intraGrads();
  void interGrads();
  void scanGrads(const float *dS_T, const float *dZ_T,
                 const UnfusedGradients &g);
  void chunkStateGrads();
  void decayAndWeightGrads(const UnfusedGradients &g);
  void featureGrads(const UnfusedInputs &in, const UnfusedGradients &g);

  int64_t chunkLen(int64_t c) const;

  UnfusedProblem p_;
  int threads_;
  int64_t F_, Pa_, BH_, nc_;
  // Forward intermediates, head-major ([B*H, T, ...] and [B*H, chunk, ...]).
  std::vector<float> lambda_, x_, delta_, gamma_, L_, Q_, K_, V_;
  std::vector<float> A_, M_, Pm_, Y_, U_, Sin_;
  // Backward intermediates.
  std::vector<float> dY_, dQ_, dK_, dV_, dgamma_, dbeta_, dSread_, dSout_;
  /// Decay gradients: dL_ through single cumulative sums L_i (summed back
  /// into dloga at the end), dlogaPairs_ already per step, from the decays
  /// exp(L_i - L_j) of the steps each spans.
  std::vector<float> dL_, dlogaPairs_;
  std::vector<double> dlambda_, dxSum_, dW_; // per (b, h) partial sums
};

} // namespace ida::bench

#endif // IDA_RUNTIME_BENCH_UNFUSED_H

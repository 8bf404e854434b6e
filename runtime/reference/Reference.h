//===- runtime/reference/Reference.h - float64 IDA reference ----*- C++ -*-===//
//
// The float64 ground truth of spec.md: recurrent forward (§3) with every
// option, backward (§6) for every input, the decode step (§8), the chunked
// algebra (§5) computed separately, and causal softmax attention for hybrid
// graphs. Written for obviousness, not speed; nothing here is shared with the
// kernel templates, so the two can be checked against each other.
//
// Layouts are the spec's, row-major (C order):
//   q, k [B,T,H,D]  v [B,T,H,P]  dt [B,T,H]  g [B,T,H,N]
//   A_log [H,N]  dt_bias [H]  W [H,F',D]  S0/S_T [B,H,N,F,P]  Z0/Z_T [B,H,N,F]
// Errors: every entry point validates shapes and throws std::invalid_argument
// whose message names the argument and the expected shape, e.g.
//   "g: expected shape [B, T, H, N] = [2, 16, 4, 8], got [2, 16, 4, 7]".
// No decay (lambda = 0, linear attention in spec §7) is A_log = -inf:
// exp(-inf) = 0 exactly, and its gradient dA_log is reported as 0.
// Conventions, tolerances and the .npy exchange format: docs/reference.md.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_REFERENCE_REFERENCE_H
#define IDA_RUNTIME_REFERENCE_REFERENCE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ida::ref {

enum class FeatureKind { Identity, Elu1, Relu, Taylor2, Prf, Hedgehog };
enum class BasisWeights { Softmax, Sigmoid, Uniform };

/// "identity", "elu1", "relu", "taylor2", "prf", "hedgehog"; throws
/// std::invalid_argument listing the accepted names otherwise.
FeatureKind parseFeatureKind(const std::string &name);
const char *featureKindName(FeatureKind kind);
/// "softmax", "sigmoid", "uniform".
BasisWeights parseBasisWeights(const std::string &name);
const char *basisWeightsName(BasisWeights kind);

/// Feature dimension F of spec §4: D, 1+D+D*D, F' or 2F'.
int64_t featureDim(FeatureKind kind, int64_t D, int64_t featureParam);
/// Whether the kind takes weights W [H, F', D].
bool featureHasWeights(FeatureKind kind);

/// Dense row-major float64 array.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Array() = default;
  explicit Array(std::vector<int64_t> shape, double fill = 0.0);
  int64_t numel() const;
  std::string shapeString() const; // "[2, 3, 4]"
};

struct Config {
  FeatureKind feature = FeatureKind::Elu1;
  /// F' for prf and hedgehog (W is [H, F', D]); ignored by the other kinds.
  int64_t featureParam = 0;
  BasisWeights basisWeights = BasisWeights::Softmax;
  bool normalize = false;
  double eps = 1e-6;
};

struct Inputs {
  // g may be left empty (shape []) with uniform basis weights.
  Array q, k, v, dt, g, A_log, dt_bias;
  std::optional<Array> W;  // required iff featureHasWeights
  std::optional<Array> S0; // zero when absent
  std::optional<Array> Z0; // normalizer state, only with normalize; zero when absent
};

struct Outputs {
  Array y;   // [B,T,H,P]
  Array S_T; // [B,H,N,F,P]
  Array Z_T; // [B,H,N,F], empty unless normalize
};

struct Cotangents {
  Array dy;                 // [B,T,H,P]
  std::optional<Array> dS_T; // [B,H,N,F,P]
  std::optional<Array> dZ_T; // [B,H,N,F], only with normalize
};

/// Gradients named after their inputs; dW, dS0, dZ0 (and dg for an empty g)
/// are empty when the input is absent. dg is zero with uniform weights.
struct Gradients {
  Array dq, dk, dv, ddt, dg, dA_log, ddt_bias, dW, dS0, dZ0;
};

/// Checks every shape relation of spec §2 (all sizes >= 1) and returns
/// (B, T, H, D, P, N, F).
struct Dims {
  int64_t B, T, H, D, P, N, F;
};
Dims checkInputs(const Config &cfg, const Inputs &in);

/// phi(x) for one head: x [D], W_h [F', D] (may be null) -> [F].
std::vector<double> featureMap(FeatureKind kind, const double *x, int64_t D,
                               const double *Wh, int64_t featureParam);

/// Recurrent forward of spec §3 (the ground truth).
Outputs forward(const Config &cfg, const Inputs &in);

/// Chunked forward of spec §5 with chunk length C >= 1 (T need not be a
/// multiple of C). Independent of forward() except for featureMap.
Outputs forwardChunked(const Config &cfg, const Inputs &in, int64_t C);

/// Backward of spec §6 for every input: the gradient of
/// <dy, y> + <dS_T, S_T> + <dZ_T, Z_T>. Keeps the T+1 states of one head at a
/// time ((T+1)*N*F*P doubles).
Gradients backward(const Config &cfg, const Inputs &in, const Cotangents &ct);

/// Decode step of spec §8: `step` holds one token (T == 1) and no S0/Z0;
/// S [B,H,N,F,P] (and Z [B,H,N,F], required with normalize) are updated in
/// place. Returns y [B,1,H,P].
Array decodeStep(const Config &cfg, const Inputs &step, Array &S, Array *Z);

/// Causal softmax attention, q,k [B,T,H,D], v [B,T,H,P], scale 1/sqrt(D).
/// window > 0 limits each query to the last `window` keys (itself included).
Array softmaxAttention(const Array &q, const Array &k, const Array &v,
                       int64_t window = 0);
struct SoftmaxAttentionGrads {
  Array dq, dk, dv;
};
SoftmaxAttentionGrads softmaxAttentionBackward(const Array &q, const Array &k,
                                               const Array &v, const Array &dy,
                                               int64_t window = 0);

} // namespace ida::ref

#endif // IDA_RUNTIME_REFERENCE_REFERENCE_H

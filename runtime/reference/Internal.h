//===- runtime/reference/Internal.h - shared helpers of the reference -----===//
//
// Not part of the public API: the scalar pieces every entry point needs
// (softplus, the basis weights, feature-map derivatives, per-head token
// terms) and the shape-checking helper. Kept in one place so forward,
// chunked, backward and decode discretise identically; the state recurrences
// themselves are written separately in each file.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_REFERENCE_INTERNAL_H
#define IDA_RUNTIME_REFERENCE_INTERNAL_H

#include "runtime/reference/Reference.h"

#include <cmath>
#include <string>
#include <vector>

namespace ida::ref::detail {

/// log(1 + e^x) without overflow for large |x|.
inline double softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
/// 1 / (1 + e^-x) without overflow for large |x|; also d softplus / dx.
inline double sigmoid(double x) {
  if (x >= 0)
    return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

/// "[2, 3, 4]".
std::string formatShape(const std::vector<int64_t> &dims);

/// Throws std::invalid_argument "NAME: expected shape [B, T] = [2, 3], got
/// [2, 4]" unless `a` has exactly `dims`. `dimNames` is the symbolic shape,
/// e.g. "[B, T, H, N]".
void expectShape(const char *name, const Array &a, const char *dimNames,
                 const std::vector<int64_t> &dims);

/// Everything one (batch, head) pair needs per token, already discretised.
/// Row-major: loga/gamma [T, N], Q/K [T, F], V [T, P], raw q/k [T, D].
struct HeadTerms {
  int64_t T = 0, N = 0, F = 0, P = 0, D = 0;
  std::vector<double> x;      // dt + dt_bias, the softplus argument
  std::vector<double> delta;  // softplus(x) = beta
  std::vector<double> lambda; // exp(A_log) [N]
  std::vector<double> loga;   // -delta * lambda
  std::vector<double> gamma;  // basis weights
  std::vector<double> q, k;   // raw inputs, for the feature-map backward
  std::vector<double> Q, K, V;
};
HeadTerms computeHeadTerms(const Config &cfg, const Inputs &in, const Dims &dims,
                           int64_t b, int64_t h);

/// Pointer to W_h [F', D] or null when the kind has no weights.
const double *headWeights(const Config &cfg, const Inputs &in, const Dims &dims,
                          int64_t h);

/// gamma = basis weights of one token's logits g [N] (g may be null for
/// uniform).
void basisWeights(BasisWeights kind, const double *g, int64_t N, double *gamma);
/// dg += J^T dgamma for one token; no-op for uniform.
void basisWeightsVjp(BasisWeights kind, const double *gamma, int64_t N,
                     const double *dgamma, double *dg);

/// Vector-Jacobian product of featureMap: dx += J_x^T dphi, and for the
/// weighted kinds dWh += J_W^T dphi (dWh may be null).
void featureMapVjp(FeatureKind kind, const double *x, int64_t D,
                   const double *Wh, int64_t featureParam, const double *dphi,
                   double *dx, double *dWh);

} // namespace ida::ref::detail

#endif // IDA_RUNTIME_REFERENCE_INTERNAL_H

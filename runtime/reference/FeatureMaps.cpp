//===- runtime/reference/FeatureMaps.cpp - phi of spec §4 and its VJP -----===//
//
// One function per direction. Each kind is a handful of lines so the
// derivative can be read next to the definition; finite-difference tests in
// tests/unit/reference check every kind.
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ida::ref {

namespace {

/// Numerically safe softmax of z [n] into out [n].
void softmaxInto(const double *z, int64_t n, double sign, double *out) {
  double m = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    m = std::max(m, sign * z[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += out[i] = std::exp(sign * z[i] - m);
  for (int64_t i = 0; i < n; ++i)
    out[i] /= sum;
}

/// W_h x for W_h [Fp, D].
std::vector<double> matVec(const double *Wh, int64_t Fp, const double *x,
                           int64_t D) {
  std::vector<double> z(Fp, 0.0);
  for (int64_t f = 0; f < Fp; ++f)
    for (int64_t d = 0; d < D; ++d)
      z[f] += Wh[f * D + d] * x[d];
  return z;
}

/// x / D^(1/4): taylor2 and prf scale inputs so that phi(q).phi(k) tracks
/// exp(q.k / sqrt(D)).
std::vector<double> quarterScaled(const double *x, int64_t D) {
  double c = std::pow(static_cast<double>(D), -0.25);
  std::vector<double> xs(x, x + D);
  for (double &v : xs)
    v *= c;
  return xs;
}

void requireWeights(FeatureKind kind, const double *Wh, int64_t featureParam) {
  if (!Wh || featureParam < 1)
    throw std::invalid_argument(std::string("W: feature map ") +
                                featureKindName(kind) +
                                " needs weights W_h [F', D] with F' >= 1");
}

} // namespace

std::vector<double> featureMap(FeatureKind kind, const double *x, int64_t D,
                               const double *Wh, int64_t featureParam) {
  switch (kind) {
  case FeatureKind::Identity:
    return std::vector<double>(x, x + D);
  case FeatureKind::Elu1: {
    std::vector<double> phi(D);
    for (int64_t d = 0; d < D; ++d)
      phi[d] = x[d] > 0 ? x[d] + 1.0 : std::exp(x[d]);
    return phi;
  }
  case FeatureKind::Relu: {
    std::vector<double> phi(D);
    for (int64_t d = 0; d < D; ++d)
      phi[d] = std::max(x[d], 0.0);
    return phi;
  }
  case FeatureKind::Taylor2: {
    std::vector<double> xs = quarterScaled(x, D);
    std::vector<double> phi(1 + D + D * D);
    phi[0] = 1.0;
    for (int64_t i = 0; i < D; ++i)
      phi[1 + i] = xs[i];
    const double r = 1.0 / std::sqrt(2.0);
    for (int64_t i = 0; i < D; ++i)
      for (int64_t j = 0; j < D; ++j)
        phi[1 + D + i * D + j] = xs[i] * xs[j] * r;
    return phi;
  }
  case FeatureKind::Prf: {
    requireWeights(kind, Wh, featureParam);
    std::vector<double> xs = quarterScaled(x, D);
    double half = 0;
    for (double v : xs)
      half += 0.5 * v * v;
    std::vector<double> phi = matVec(Wh, featureParam, xs.data(), D);
    const double scale = 1.0 / std::sqrt(static_cast<double>(featureParam));
    for (double &v : phi)
      v = std::exp(v - half) * scale;
    return phi;
  }
  case FeatureKind::Hedgehog: {
    requireWeights(kind, Wh, featureParam);
    std::vector<double> z = matVec(Wh, featureParam, x, D);
    std::vector<double> phi(2 * featureParam);
    softmaxInto(z.data(), featureParam, +1.0, phi.data());
    softmaxInto(z.data(), featureParam, -1.0, phi.data() + featureParam);
    return phi;
  }
  }
  throw std::invalid_argument("feature: unknown feature kind");
}

namespace detail {

void featureMapVjp(FeatureKind kind, const double *x, int64_t D,
                   const double *Wh, int64_t featureParam, const double *dphi,
                   double *dx, double *dWh) {
  switch (kind) {
  case FeatureKind::Identity:
    for (int64_t d = 0; d < D; ++d)
      dx[d] += dphi[d];
    return;
  case FeatureKind::Elu1:
    for (int64_t d = 0; d < D; ++d)
      dx[d] += dphi[d] * (x[d] > 0 ? 1.0 : std::exp(x[d]));
    return;
  case FeatureKind::Relu:
    for (int64_t d = 0; d < D; ++d)
      dx[d] += x[d] > 0 ? dphi[d] : 0.0;
    return;
  case FeatureKind::Taylor2: {
    // phi = [1, xs, vec(xs xs^T)/sqrt2] with xs = c x.
    const double c = std::pow(static_cast<double>(D), -0.25);
    std::vector<double> xs = quarterScaled(x, D);
    const double r = 1.0 / std::sqrt(2.0);
    const double *dquad = dphi + 1 + D;
    for (int64_t i = 0; i < D; ++i) {
      double dxs = dphi[1 + i];
      for (int64_t j = 0; j < D; ++j)
        dxs += (dquad[i * D + j] + dquad[j * D + i]) * xs[j] * r;
      dx[i] += c * dxs;
    }
    return;
  }
  case FeatureKind::Prf: {
    // phi_f = exp(u_f)/sqrt(F'), u = W xs - |xs|^2/2, so du_f = dphi_f phi_f.
    requireWeights(kind, Wh, featureParam);
    const double c = std::pow(static_cast<double>(D), -0.25);
    std::vector<double> xs = quarterScaled(x, D);
    std::vector<double> phi = featureMap(kind, x, D, Wh, featureParam);
    std::vector<double> du(featureParam);
    double duSum = 0;
    for (int64_t f = 0; f < featureParam; ++f)
      duSum += du[f] = dphi[f] * phi[f];
    for (int64_t d = 0; d < D; ++d) {
      double dxs = -xs[d] * duSum;
      for (int64_t f = 0; f < featureParam; ++f)
        dxs += Wh[f * D + d] * du[f];
      dx[d] += c * dxs;
    }
    if (dWh)
      for (int64_t f = 0; f < featureParam; ++f)
        for (int64_t d = 0; d < D; ++d)
          dWh[f * D + d] += du[f] * xs[d];
    return;
  }
  case FeatureKind::Hedgehog: {
    // phi = [softmax(z), softmax(-z)], z = W x.
    requireWeights(kind, Wh, featureParam);
    std::vector<double> phi = featureMap(kind, x, D, Wh, featureParam);
    const double *pos = phi.data(), *neg = phi.data() + featureParam;
    const double *dpos = dphi, *dneg = dphi + featureParam;
    double posDot = 0, negDot = 0;
    for (int64_t f = 0; f < featureParam; ++f) {
      posDot += pos[f] * dpos[f];
      negDot += neg[f] * dneg[f];
    }
    std::vector<double> dz(featureParam);
    for (int64_t f = 0; f < featureParam; ++f)
      dz[f] = pos[f] * (dpos[f] - posDot) - neg[f] * (dneg[f] - negDot);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t f = 0; f < featureParam; ++f)
        dx[d] += Wh[f * D + d] * dz[f];
    if (dWh)
      for (int64_t f = 0; f < featureParam; ++f)
        for (int64_t d = 0; d < D; ++d)
          dWh[f * D + d] += dz[f] * x[d];
    return;
  }
  }
  throw std::invalid_argument("feature: unknown feature kind");
}

} // namespace detail
} // namespace ida::ref

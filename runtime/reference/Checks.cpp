//===- runtime/reference/Checks.cpp - shape validation --------------------===//
//
// Every entry point validates its arguments here first, so a caller always
// gets "NAME: expected shape [symbolic] = [numbers], got [numbers]".
//
//===----------------------------------------------------------------------===//
#include "runtime/reference/Internal.h"

#include <stdexcept>

namespace ida::ref {
namespace detail {

std::string formatShape(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

void expectShape(const char *name, const Array &a, const char *dimNames,
                 const std::vector<int64_t> &dims) {
  if (a.shape == dims && static_cast<int64_t>(a.data.size()) == a.numel())
    return;
  std::string got = a.shapeString();
  if (a.shape == dims) // shape right, storage wrong: say so
    got += " with " + std::to_string(a.data.size()) + " values";
  throw std::invalid_argument(std::string(name) + ": expected shape " +
                              dimNames + " = " + formatShape(dims) +
                              ", got " + got);
}

} // namespace detail

using detail::expectShape;

static void requirePositive(const char *what, int64_t value, const char *from) {
  if (value < 1)
    throw std::invalid_argument(std::string(from) + ": dimension " + what +
                                " must be >= 1, got " + std::to_string(value));
}

Dims checkInputs(const Config &cfg, const Inputs &in) {
  if (in.q.shape.size() != 4)
    throw std::invalid_argument("q: expected shape [B, T, H, D], got " +
                                in.q.shapeString());
  if (in.v.shape.size() != 4)
    throw std::invalid_argument("v: expected shape [B, T, H, P], got " +
                                in.v.shapeString());
  if (in.A_log.shape.size() != 2)
    throw std::invalid_argument("A_log: expected shape [H, N], got " +
                                in.A_log.shapeString());
  Dims d{};
  d.B = in.q.shape[0];
  d.T = in.q.shape[1];
  d.H = in.q.shape[2];
  d.D = in.q.shape[3];
  d.P = in.v.shape[3];
  d.N = in.A_log.shape[1];
  requirePositive("B", d.B, "q");
  requirePositive("T", d.T, "q");
  requirePositive("H", d.H, "q");
  requirePositive("D", d.D, "q");
  requirePositive("P", d.P, "v");
  requirePositive("N", d.N, "A_log");
  if (!(cfg.eps >= 0.0))
    throw std::invalid_argument("eps: must be >= 0");
  d.F = featureDim(cfg.feature, d.D, cfg.featureParam);

  expectShape("q", in.q, "[B, T, H, D]", {d.B, d.T, d.H, d.D});
  expectShape("k", in.k, "[B, T, H, D]", {d.B, d.T, d.H, d.D});
  expectShape("v", in.v, "[B, T, H, P]", {d.B, d.T, d.H, d.P});
  expectShape("dt", in.dt, "[B, T, H]", {d.B, d.T, d.H});
  // uniform weights ignore g, so an empty g is accepted there.
  if (!(cfg.basisWeights == BasisWeights::Uniform && in.g.shape.empty()))
    expectShape("g", in.g, "[B, T, H, N]", {d.B, d.T, d.H, d.N});
  expectShape("A_log", in.A_log, "[H, N]", {d.H, d.N});
  expectShape("dt_bias", in.dt_bias, "[H]", {d.H});

  if (featureHasWeights(cfg.feature)) {
    if (!in.W)
      throw std::invalid_argument(
          std::string("W: required by feature map ") +
          featureKindName(cfg.feature) + ", expected shape [H, F', D] = " +
          detail::formatShape({d.H, cfg.featureParam, d.D}));
    expectShape("W", *in.W, "[H, F', D]", {d.H, cfg.featureParam, d.D});
  } else if (in.W) {
    throw std::invalid_argument(std::string("W: feature map ") +
                                featureKindName(cfg.feature) +
                                " takes no weights; pass no W");
  }
  if (in.S0)
    expectShape("S0", *in.S0, "[B, H, N, F, P]", {d.B, d.H, d.N, d.F, d.P});
  if (in.Z0) {
    if (!cfg.normalize)
      throw std::invalid_argument(
          "Z0: the normalizer state is only valid with normalize");
    expectShape("Z0", *in.Z0, "[B, H, N, F]", {d.B, d.H, d.N, d.F});
  }
  return d;
}

} // namespace ida::ref

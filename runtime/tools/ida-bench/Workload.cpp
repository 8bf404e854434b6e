//===- runtime/tools/ida-bench/Workload.cpp - inputs, counts, agreement ---===//
#include "runtime/tools/ida-bench/Workload.h"

#include "runtime/reference/RandomArrays.h"
#include "runtime/support/Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <sstream>

namespace ida::benchtool {

std::string ShapeArg::text() const {
  return std::to_string(B) + "," + std::to_string(T) + "," + std::to_string(H);
}

ShapeArg parseShape(const std::string &text) {
  std::vector<int64_t> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty() || item.size() > 12 ||
        !std::all_of(item.begin(), item.end(),
                     [](unsigned char c) { return std::isdigit(c); }))
      throw Error("--shape '" + text + "': expected B,T,H (positive integers)");
    v.push_back(std::stoll(item));
  }
  if (v.size() != 3 || v[0] < 1 || v[1] < 1 || v[2] < 1)
    throw Error("--shape '" + text + "': expected B,T,H (positive integers)");
  return {v[0], v[1], v[2]};
}

std::string logicalName(const std::string &entry, const std::string &name) {
  const std::string prefix = entry + "_";
  if (name.size() > prefix.size() &&
      name.compare(0, prefix.size(), prefix) == 0)
    return name.substr(prefix.size());
  size_t us = name.rfind('_');
  if (us != std::string::npos && us > 0 && us + 1 < name.size() &&
      std::all_of(name.begin() + us + 1, name.end(),
                  [](unsigned char c) { return std::isdigit(c); }))
    return name.substr(0, us);
  return name;
}

Bindings shapeBindings(const BenchBundle &b, const ShapeArg &s) {
  Bindings d = b.bundle->manifest().statics;
  auto h = d.find("H");
  if (h != d.end() && h->second != s.H)
    throw Error("--shape " + s.text() + ": the bundle's H is static (" +
                std::to_string(h->second) + "): " + b.dir);
  d["B"] = s.B;
  d["T"] = s.T;
  d["H"] = s.H;
  return d;
}

namespace {

/// The dtype of the buffer a logical input feeds (f32 when no entry has it).
DType dtypeFor(const Manifest &m, bool decode, const std::string &logical) {
  for (const auto &[name, e] : m.entries) {
    if ((name == "decode") != decode)
      continue;
    for (const std::string &in : e.inputs)
      if (logicalName(name, in) == logical)
        return m.buffer(in).dtype;
  }
  return DType::F32;
}

/// Rounds to what a buffer of `dtype` holds, so every implementation sees
/// the same numbers.
void roundTo(DType dtype, ref::Array &a) {
  if (a.data.empty())
    return;
  a.data = Tensor::fromDoubles(dtype, a.shape, a.data).toDoubles();
}

using Draw = ref::RandomArrays;

} // namespace

Workload makeWorkload(const BenchBundle &b, const ShapeArg &s, uint64_t seed) {
  (void)shapeBindings(b, s); // checks a static H
  const PresetInfo &p = b.preset;
  const Manifest &m = b.bundle->manifest();
  Workload w;
  w.shape = s;
  w.cfg = p.refConfig();
  const int64_t B = s.B, T = s.T, H = s.H, D = p.D, P = p.P, N = p.N, F = p.F;
  // As the reference tests: with normalize, identity and relu features get
  // positive inputs so the denominator stays away from zero.
  const bool shift =
      p.normalize && (p.feature == "identity" || p.feature == "relu");
  const double mean = shift ? 1.0 : 0.0, spread = shift ? 0.4 : 1.0;
  Draw draw(seed);
  ref::Inputs &in = w.in;
  in.q = draw.normal({B, T, H, D}, mean, spread);
  in.k = draw.normal({B, T, H, D}, mean, spread);
  in.v = draw.normal({B, T, H, P});
  in.dt = draw.normal({B, T, H});
  in.g = draw.normal({B, T, H, N});
  in.A_log = draw.uniform({H, N}, -1.0, 1.0);
  in.dt_bias = draw.uniform({H}, -0.5, 0.5);
  if (ref::featureHasWeights(w.cfg.feature))
    in.W = draw.normal({H, p.featureParam, D}, 0.0, 1.0 / std::sqrt(double(D)));
  in.S0 = ref::Array({B, H, N, F, P});
  if (p.normalize)
    in.Z0 = ref::Array({B, H, N, F});
  w.dy = draw.normal({B, T, H, P});

  ref::Inputs &tok = w.token;
  tok.q = draw.normal({B, 1, H, D}, mean, spread);
  tok.k = draw.normal({B, 1, H, D}, mean, spread);
  tok.v = draw.normal({B, 1, H, P});
  tok.dt = draw.normal({B, 1, H});
  tok.g = draw.normal({B, 1, H, N});

  for (auto [a, name] : {std::pair<ref::Array *, const char *>{&in.q, "q"},
                         {&in.k, "k"},
                         {&in.v, "v"},
                         {&in.dt, "dt"},
                         {&in.g, "g"},
                         {&in.A_log, "A_log"},
                         {&in.dt_bias, "dt_bias"},
                         {&w.dy, "dy"}})
    roundTo(dtypeFor(m, false, name), *a);
  if (in.W)
    roundTo(dtypeFor(m, false, "W"), *in.W);
  for (auto [a, name] : {std::pair<ref::Array *, const char *>{&tok.q, "q"},
                         {&tok.k, "k"},
                         {&tok.v, "v"},
                         {&tok.dt, "dt"},
                         {&tok.g, "g"}})
    roundTo(dtypeFor(m, true, name), *a);
  tok.A_log = in.A_log;
  tok.dt_bias = in.dt_bias;
  tok.W = in.W;
  return w;
}

namespace {

const ref::Array *workloadValue(const Workload &w, bool decode,
                                const std::string &logical) {
  const ref::Inputs &src = decode ? w.token : w.in;
  if (logical == "q")
    return &src.q;
  if (logical == "k")
    return &src.k;
  if (logical == "v")
    return &src.v;
  if (logical == "dt")
    return &src.dt;
  if (logical == "g")
    return w.cfg.basisWeights == ref::BasisWeights::Uniform ? nullptr : &src.g;
  if (logical == "A_log")
    return &w.in.A_log;
  if (logical == "dt_bias")
    return &w.in.dt_bias;
  if (logical == "W")
    return w.in.W ? &*w.in.W : nullptr;
  if (decode && logical == "S")
    return &w.S;
  if (decode && logical == "Z")
    return &w.Z;
  if (!decode && logical == "dy")
    return &w.dy;
  return nullptr; // S0, Z0, dS_T, dZ_T: optional, left out
}

} // namespace

TensorMap entryInputs(const BenchBundle &b, const Workload &w,
                      const std::string &entry) {
  const Manifest &m = b.bundle->manifest();
  const EntrySpec &e = m.entry(entry);
  const Bindings dims = shapeBindings(b, w.shape);
  const bool decode = entry == "decode";
  TensorMap inputs;
  for (const std::string &name : e.inputs) {
    const BufferSpec &buf = m.buffer(name);
    const ref::Array *a = workloadValue(w, decode, logicalName(entry, name));
    if (!a || a->data.empty()) {
      if (buf.optional)
        continue;
      throw Error("entry '" + entry + "': ida-bench has no value for input '" +
                  name + "'");
    }
    Shape shape = evalShape(buf.shape, dims, "input '" + name + "'");
    if (shapeNumel(shape) != a->numel())
      throw Error("entry '" + entry + "': input '" + name + "' has shape " +
                  shapeExprString(buf.shape) + " but the preset says " +
                  a->shapeString());
    inputs.emplace(name, Tensor::fromDoubles(buf.dtype, shape, a->data));
  }
  return inputs;
}

double minBytes(const BenchBundle &b, const std::string &entry,
                const TensorMap &inputs, const Bindings &dims) {
  const Manifest &m = b.bundle->manifest();
  double bytes = 0;
  for (const auto &[name, t] : inputs)
    bytes += double(t.nbytes());
  for (const std::string &out : m.entry(entry).outputs) {
    const BufferSpec &buf = m.buffer(out);
    bytes += double(shapeNumel(evalShape(buf.shape, dims, out))) *
             double(dtypeSize(buf.dtype));
  }
  return bytes;
}

double usefulFlops(const PresetInfo &p, const ShapeArg &s,
                   const std::string &entry) {
  const double C = double(std::min(p.chunk, s.T));
  const double F = double(p.F), N = double(p.N), P = double(p.P);
  const double state = 4.0 * N * F * P;
  const double forward =
      double(s.B) * double(s.T) * double(s.H) * (2.0 * C * (F + N + P) + state);
  if (entry == "forward")
    return forward;
  if (entry == "forward_vjp")
    return 2.0 * forward;
  if (entry == "decode")
    return double(s.B) * double(s.H) * state;
  return 0;
}

std::vector<double> toDoubles(const std::vector<float> &v) {
  return std::vector<double>(v.begin(), v.end());
}

Agreement compare(const NamedValues &outputs,
                  const std::map<std::string, ref::Array> &reference) {
  Agreement a;
  double scale = 0;
  for (const auto &[name, r] : reference) {
    double s = 0;
    for (double x : r.data)
      s += x * x;
    scale = std::max(scale, std::sqrt(s));
  }
  for (const auto &[name, out] : outputs) {
    auto it = reference.find(name);
    if (it == reference.end() || it->second.data.size() != out.size()) {
      a.unchecked.push_back(name);
      continue;
    }
    double diff = 0, base = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      const double r = it->second.data[i];
      diff += (out[i] - r) * (out[i] - r);
      base += r * r;
    }
    double err = base > 0 ? std::sqrt(diff / base)
                          : std::sqrt(diff) / (scale > 0 ? scale : 1.0);
    if (!std::isfinite(err))
      err = INFINITY;
    a.perOutput[name] = err;
    a.maxRelErr = std::max(a.maxRelErr, err);
  }
  return a;
}

} // namespace ida::benchtool

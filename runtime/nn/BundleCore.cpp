//===- runtime/nn/BundleCore.cpp - MixerCore over a compiled bundle -------===//
#include "runtime/nn/BundleCore.h"

#include "runtime/bundle/Bundle.h"
#include "runtime/bundle/EntryNames.h"
#include "runtime/launcher/Launcher.h"
#include "runtime/nn/Param.h"
#include "runtime/support/File.h"

#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>

namespace ida::nn {

namespace {

constexpr const char *kForward = "forward";
constexpr const char *kVjp = "forward_vjp";

/// A symbolic shape of the model, e.g. {B, T, 4, 32}; kB and kT stand for
/// the dynamic dimensions. They are values no real extent takes, so a bundle
/// whose shape uses a literal or an expression there does not match.
constexpr int64_t kB = 1000003, kT = 1000033;

std::string modelShapeString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + (dims[i] == kB   ? std::string("B")
                            : dims[i] == kT ? std::string("T")
                                            : std::to_string(dims[i]));
  return s + "]";
}

/// The buffers of the two entries by logical name, and the model's shape of
/// each, for the mixer `cfg`.
struct Expected {
  std::vector<std::pair<std::string, std::vector<int64_t>>> forwardInputs,
      vjpOutputs;
};

Expected expectedBuffers(const MixerConfig &cfg) {
  const int64_t H = cfg.H, D = cfg.D, P = cfg.P, N = cfg.N;
  Expected e;
  e.forwardInputs = {{"q", {kB, kT, H, D}}, {"k", {kB, kT, H, D}},
                     {"v", {kB, kT, H, P}}};
  e.vjpOutputs = {{"dq", {kB, kT, H, D}}, {"dk", {kB, kT, H, D}},
                  {"dv", {kB, kT, H, P}}};
  if (cfg.core.attention)
    return e;
  const std::vector<std::pair<std::string, std::vector<int64_t>>> scan = {
      {"dt", {kB, kT, H}}, {"g", {kB, kT, H, N}}, {"A_log", {H, N}},
      {"dt_bias", {H}}};
  for (const auto &[name, shape] : scan) {
    e.forwardInputs.push_back({name, shape});
    e.vjpOutputs.push_back({"d" + name, shape});
  }
  if (cfg.hasFeatureWeights) {
    const std::vector<int64_t> w = {H, cfg.core.ida.featureParam, D};
    e.forwardInputs.push_back({"W", w});
    e.vjpOutputs.push_back({"dW", w});
  }
  return e;
}

/// Logical name -> manifest name, for the inputs and outputs of one entry.
struct EntryNames {
  std::string entry;
  std::map<std::string, std::string> inputs, outputs;
  bool gOptional = false;
};

EntryNames entryNames(const Manifest &m, const char *entryName) {
  const EntrySpec &e = m.entry(entryName);
  EntryNames n;
  n.entry = entryName;
  for (const std::string &b : e.inputs)
    n.inputs[logicalName(e, b)] = b;
  for (const std::string &b : e.outputs)
    n.outputs[logicalName(e, b)] = b;
  auto g = n.inputs.find("g");
  n.gOptional = g != n.inputs.end() && m.buffer(g->second).optional;
  return n;
}

class BundleCore final : public MixerCoreT<float> {
public:
  BundleCore(std::shared_ptr<MixerBundle> mb, const CoreSpec &spec)
      : mb_(std::move(mb)), spec_(spec) {
    const Manifest &m = mb_->bundle().manifest();
    for (const char *e : {kForward, kVjp})
      if (!m.entries.count(e))
        throw std::invalid_argument("bundle '" + mb_->bundle().dir() +
                                    "' has no '" + e + "' entry");
    fwd_ = entryNames(m, kForward);
    vjp_ = entryNames(m, kVjp);
    // The op itself is checked against the model by checkMatches(); here
    // only what binding needs: the family, and whether g may be left out.
    if (spec_.attention == (fwd_.inputs.count("dt") != 0))
      throw std::invalid_argument(
          "bundle '" + mb_->bundle().dir() + "' holds " +
          (spec_.attention ? "an IDA-family op" : "softmax attention") +
          ", the model's mixer is " +
          (spec_.attention ? "softmax attention" : "an IDA-family op"));
  }

  std::string describe() const override {
    return "bundle (compiled kernels, " + mb_->target() + ")";
  }

  void forward(const CoreInputs<float> &in, Tensor<float> &y) override {
    Bound b;
    bindInputs(fwd_, in, b);
    TensorMap out = mb_->launcher().run(kForward, b.refs);
    take(out, fwd_, "y", y);
  }

  void vjp(const CoreInputs<float> &in, const Tensor<float> &dy,
           CoreGrads<float> &grads) override {
    Bound b;
    bindInputs(vjp_, in, b);
    bind(vjp_, "dy", &dy, b);
    TensorMap out = mb_->launcher().run(kVjp, b.refs);
    take(out, vjp_, "dq", grads.dq);
    take(out, vjp_, "dk", grads.dk);
    take(out, vjp_, "dv", grads.dv);
    if (spec_.attention) {
      grads.ddt = grads.dg = grads.dA_log = grads.ddt_bias = grads.dW =
          Tensor<float>();
      return;
    }
    take(out, vjp_, "ddt", grads.ddt);
    take(out, vjp_, "dA_log", grads.dA_log);
    take(out, vjp_, "ddt_bias", grads.ddt_bias);
    // The entry computes dg even when g was left out (uniform weights); the
    // contract wants the gradients of absent inputs empty.
    if (in.g)
      take(out, vjp_, "dg", grads.dg);
    else
      grads.dg = Tensor<float>();
    if (in.W)
      take(out, vjp_, "dW", grads.dW);
    else
      grads.dW = Tensor<float>();
  }

private:
  /// Borrowed views of the caller's tensors, alive for one launch.
  struct Bound {
    Bound() { views.reserve(12); } // no reallocation: refs point into it
    std::vector<ida::Tensor> views;
    InputRefs refs;
  };

  void bind(const EntryNames &names, const char *logical,
            const Tensor<float> *t, Bound &b) const {
    auto it = names.inputs.find(logical);
    if (it == names.inputs.end())
      throw std::invalid_argument("mixer core: entry '" + names.entry +
                                  "' of bundle '" + mb_->bundle().dir() +
                                  "' has no input '" + logical + "'");
    // Kernels never write their inputs, so a const tensor may be viewed.
    b.views.push_back(ida::Tensor::view(const_cast<float *>(t->ptr()),
                                        DType::F32,
                                        Shape(t->shape.begin(), t->shape.end())));
    b.refs[it->second] = &b.views.back();
  }

  void bindInputs(const EntryNames &names, const CoreInputs<float> &in,
                  Bound &b) const {
    auto need = [](const Tensor<float> *t, const char *name) {
      if (!t)
        throw std::invalid_argument(std::string("mixer core: input ") + name +
                                    " is required");
      return t;
    };
    bind(names, "q", need(in.q, "q"), b);
    bind(names, "k", need(in.k, "k"), b);
    bind(names, "v", need(in.v, "v"), b);
    if (spec_.attention)
      return;
    bind(names, "dt", need(in.dt, "dt"), b);
    bind(names, "A_log", need(in.A_log, "A_log"), b);
    bind(names, "dt_bias", need(in.dt_bias, "dt_bias"), b);
    if (in.g)
      bind(names, "g", in.g, b);
    else if (!names.gOptional)
      throw std::invalid_argument(
          "mixer core: input g is required by bundle '" + mb_->bundle().dir() +
          "' (its basis weights are not uniform)");
    if (in.W)
      bind(names, "W", in.W, b);
  }

  void take(TensorMap &out, const EntryNames &names, const char *logical,
            Tensor<float> &dst) const {
    auto it = names.outputs.find(logical);
    if (it == names.outputs.end())
      throw std::invalid_argument("mixer core: entry '" + names.entry +
                                  "' of bundle '" + mb_->bundle().dir() +
                                  "' has no output '" + logical + "'");
    ida::Tensor &t = out.at(it->second);
    if (t.dtype() != DType::F32)
      t = t.to(DType::F32);
    dst.shape.assign(t.shape().begin(), t.shape().end());
    const float *p = static_cast<const float *>(t.data());
    dst.data.assign(p, p + t.numel());
  }

  std::shared_ptr<MixerBundle> mb_;
  CoreSpec spec_;
  EntryNames fwd_, vjp_;
};

/// The same entries over device pointers: views carry the shapes, the
/// launcher runs the kernels where the arrays are.
class DeviceBundleCore final : public DeviceMixerCore {
public:
  DeviceBundleCore(std::shared_ptr<MixerBundle> mb, const CoreSpec &spec,
                   const MixerConfig &cfg)
      : mb_(std::move(mb)), spec_(spec), cfg_(cfg) {
    const Manifest &m = mb_->bundle().manifest();
    fwd_ = entryNames(m, kForward);
    vjp_ = entryNames(m, kVjp);
  }

  std::string describe() const override {
    return "bundle (compiled kernels, " + mb_->target() + ", device-resident)";
  }

  void forward(const DeviceCoreArgs &in, float *y) override {
    Views v;
    bindInputs(fwd_, in, v);
    std::map<std::string, DeviceSpan> out;
    span(fwd_, "y", y, in.B * in.T * cfg_.H * cfg_.P, out);
    mb_->launcher().runOnDevice(kForward, v.refs, out);
  }

  void vjp(const DeviceCoreArgs &in, const float *dy,
           const DeviceCoreGrads &g) override {
    Views v;
    bindInputs(vjp_, in, v);
    const int64_t BT = in.B * in.T, H = cfg_.H, D = cfg_.D, P = cfg_.P,
                  N = cfg_.N;
    bind(vjp_, "dy", dy, {in.B, in.T, H, P}, v);
    std::map<std::string, DeviceSpan> out;
    span(vjp_, "dq", g.dq, BT * H * D, out);
    span(vjp_, "dk", g.dk, BT * H * D, out);
    span(vjp_, "dv", g.dv, BT * H * P, out);
    if (!spec_.attention) {
      span(vjp_, "ddt", g.ddt, BT * H, out);
      if (g.dg)
        span(vjp_, "dg", g.dg, BT * H * N, out);
      span(vjp_, "dA_log", g.dA_log, H * N, out);
      span(vjp_, "ddt_bias", g.ddt_bias, H, out);
      if (g.dW)
        span(vjp_, "dW", g.dW, H * cfg_.core.ida.featureParam * D, out);
    }
    mb_->launcher().runOnDevice(kVjp, v.refs, out);
  }

private:
  struct Views {
    Views() { views.reserve(12); } // no reallocation: refs point into it
    std::vector<ida::Tensor> views;
    InputRefs refs;
  };

  void bind(const EntryNames &names, const char *logical, const float *p,
            const std::vector<int64_t> &shape, Views &v) const {
    auto it = names.inputs.find(logical);
    if (it == names.inputs.end())
      throw std::invalid_argument("mixer core: entry '" + names.entry +
                                  "' of bundle '" + mb_->bundle().dir() +
                                  "' has no input '" + logical + "'");
    v.views.push_back(ida::Tensor::view(const_cast<float *>(p), DType::F32,
                                        Shape(shape.begin(), shape.end())));
    v.refs[it->second] = &v.views.back();
  }

  void bindInputs(const EntryNames &names, const DeviceCoreArgs &in,
                  Views &v) const {
    const int64_t B = in.B, T = in.T, H = cfg_.H, D = cfg_.D, P = cfg_.P,
                  N = cfg_.N;
    bind(names, "q", in.q, {B, T, H, D}, v);
    bind(names, "k", in.k, {B, T, H, D}, v);
    bind(names, "v", in.v, {B, T, H, P}, v);
    if (spec_.attention)
      return;
    bind(names, "dt", in.dt, {B, T, H}, v);
    bind(names, "A_log", in.A_log, {H, N}, v);
    bind(names, "dt_bias", in.dt_bias, {H}, v);
    if (in.g)
      bind(names, "g", in.g, {B, T, H, N}, v);
    if (in.W)
      bind(names, "W", in.W, {H, cfg_.core.ida.featureParam, D}, v);
  }

  void span(const EntryNames &names, const char *logical, float *p,
            int64_t count, std::map<std::string, DeviceSpan> &out) const {
    auto it = names.outputs.find(logical);
    if (it == names.outputs.end())
      throw std::invalid_argument("mixer core: entry '" + names.entry +
                                  "' of bundle '" + mb_->bundle().dir() +
                                  "' has no output '" + logical + "'");
    out[it->second] = DeviceSpan{p, size_t(count) * sizeof(float)};
  }

  std::shared_ptr<MixerBundle> mb_;
  CoreSpec spec_;
  MixerConfig cfg_;
  EntryNames fwd_, vjp_;
};

} // namespace

MixerBundle::MixerBundle(const std::string &dir, const std::string &target,
                         bool autotune) {
  std::shared_ptr<const Bundle> bundle = Bundle::load(dir);
  device_ = makeDevice(resolveTarget(*bundle, "", target));
  launcher_ = std::make_shared<Launcher>(bundle, device_);
  if (autotune)
    launcher_->useDefaultSelector(); // the autotuner, unless IDA_AUTOTUNE=0
  // The typed manifest drops x- members; the preset's flags are read here,
  // from the file Bundle::load has just validated.
  nlohmann::json j = nlohmann::json::parse(readFile(dir + "/manifest.json"));
  if (j.contains("x-preset") && j["x-preset"].is_object()) {
    presetJson_ = j["x-preset"].dump();
    presetCommand_ = j["x-preset"].value("command", "");
  }
}

MixerBundle::~MixerBundle() = default;

const Bundle &MixerBundle::bundle() const { return launcher_->bundle(); }

std::string MixerBundle::target() const {
  return targetName(launcher_->device().target());
}

std::string MixerBundle::deviceName() const {
  return launcher_->device().name();
}

void MixerBundle::checkMatches(const MixerConfig &cfg) const {
  const Manifest &m = bundle().manifest();
  auto fail = [&](const std::string &why) {
    throw std::invalid_argument("bundle '" + bundle().dir() +
                                "' does not match the model: " + why);
  };
  for (const char *e : {kForward, kVjp})
    if (!m.entries.count(e))
      fail(std::string("it has no '") + e + "' entry" +
           (std::string(e) == kVjp ? " (compiled with --no-vjp?)" : ""));
  const EntryNames fwd = entryNames(m, kForward), vjp = entryNames(m, kVjp);
  const bool bundleAttention = fwd.inputs.count("dt") == 0;
  const char *modelMixer = mixerKindName(cfg.kind);
  if (bundleAttention != cfg.core.attention)
    fail(std::string("it holds ") +
         (bundleAttention ? "softmax attention" : "an IDA-family op") +
         ", the model's mixer is " + modelMixer);

  // The op's attributes, when the bundle says which flags made it.
  if (!presetJson_.empty()) {
    const nlohmann::json p = nlohmann::json::parse(presetJson_);
    std::string diffs;
    auto compare = [&](const char *what, const std::string &bundleValue,
                       const std::string &modelValue) {
      if (bundleValue != modelValue)
        diffs += std::string(diffs.empty() ? "" : ", ") + what + " " +
                 bundleValue + " (the model's: " + modelValue + ")";
    };
    auto num = [&](const char *key) {
      return p.contains(key) && p[key].is_number_integer()
                 ? std::to_string(p[key].get<int64_t>())
                 : std::string("?");
    };
    compare("dtype", p.value("dtype", std::string("?")), "f32");
    if (cfg.core.attention) {
      compare("window", num("window"), "0");
    } else {
      const ref::Config &ic = cfg.core.ida;
      compare("feature", p.value("feature", std::string("?")),
              ref::featureKindName(ic.feature));
      if (cfg.hasFeatureWeights)
        compare("feature-dim", num("feature_param"),
                std::to_string(ic.featureParam));
      compare("basis", num("N"), std::to_string(cfg.N));
      compare("basis-weights", p.value("basis_weights", std::string("?")),
              ref::basisWeightsName(ic.basisWeights));
      compare("normalize",
              p.value("normalize", false) ? "true" : "false",
              ic.normalize ? "true" : "false");
    }
    compare("heads", num("H"), std::to_string(cfg.H));
    compare("head-dim", num("D"), std::to_string(cfg.D));
    compare("value-dim", num("P"), std::to_string(cfg.P));
    if (!diffs.empty())
      fail("it was compiled with " + diffs +
           (presetCommand_.empty() ? "" : " [" + presetCommand_ + "]"));
  }

  // Arguments and shapes: what every bundle, preset or not, must have.
  Bindings dims = m.statics;
  dims["B"] = kB;
  dims["T"] = kT;
  if (!dims.count("H"))
    dims["H"] = cfg.H;
  auto check = [&](const EntryNames &names, bool input,
                   const std::string &logical,
                   const std::vector<int64_t> &want) {
    const auto &map = input ? names.inputs : names.outputs;
    auto it = map.find(logical);
    const std::string what = std::string(input ? "input" : "output") + " '" +
                             logical + "' of entry '" + names.entry + "'";
    if (it == map.end())
      fail("it has no " + what);
    const BufferSpec &b = m.buffer(it->second);
    if (b.dtype != DType::F32)
      fail(what + " is " + dtypeName(b.dtype) + ", ida-train needs f32");
    std::vector<int64_t> got;
    try {
      for (const Expr &e : b.shape)
        got.push_back(e.eval(dims));
    } catch (const std::exception &) {
      got.clear(); // an unevaluable extent cannot be the model's
    }
    if (got != want)
      fail(what + " is " + shapeExprString(b.shape) + ", the model needs " +
           modelShapeString(want));
  };
  const Expected e = expectedBuffers(cfg);
  for (const auto &[name, shape] : e.forwardInputs) {
    check(fwd, true, name, shape);
    check(vjp, true, name, shape);
  }
  check(fwd, false, "y", {kB, kT, cfg.H, cfg.P});
  check(vjp, true, "dy", {kB, kT, cfg.H, cfg.P});
  for (const auto &[name, shape] : e.vjpOutputs)
    check(vjp, false, name, shape);
  if (!cfg.core.attention) {
    // g is optional exactly when the op ignores it (uniform weights).
    if (cfg.projectG && fwd.gOptional)
      fail("its basis weights are uniform (g is optional), the model's are " +
           std::string(ref::basisWeightsName(cfg.core.ida.basisWeights)));
    if (!cfg.projectG && !fwd.gOptional)
      fail("its basis weights read g, the model's are uniform");
    if (!cfg.hasFeatureWeights && fwd.inputs.count("W"))
      fail("its feature map has weights W, the model's " +
           std::string(ref::featureKindName(cfg.core.ida.feature)) +
           " has none");
  }
}

std::unique_ptr<MixerCoreT<float>>
MixerBundle::makeCore(std::shared_ptr<MixerBundle> bundle,
                      const CoreSpec &spec) {
  return std::make_unique<BundleCore>(std::move(bundle), spec);
}

CoreFactory<float> MixerBundle::factory(std::shared_ptr<MixerBundle> bundle) {
  return [bundle](const CoreSpec &spec) { return makeCore(bundle, spec); };
}

DeviceCoreFactory MixerBundle::deviceFactory(std::shared_ptr<MixerBundle> bundle,
                                             const MixerConfig &cfg) {
  return [bundle, cfg](const CoreSpec &spec) {
    return std::unique_ptr<DeviceMixerCore>(
        new DeviceBundleCore(bundle, spec, cfg));
  };
}

void warmUpCore(MixerCoreT<float> &core, const MixerConfig &cfg, int64_t B,
                int64_t T) {
  const int64_t H = cfg.H, D = cfg.D, P = cfg.P, N = cfg.N;
  InitRng rng(1);
  Tensor<float> q({B, T, H, D}), k({B, T, H, D}), v({B, T, H, P}),
      dy({B, T, H, P}), dt, g, A_log, dt_bias, W;
  rng.fillNormal(q, 0.5);
  rng.fillNormal(k, 0.5);
  rng.fillNormal(v, 1.0);
  rng.fillNormal(dy, 1.0);
  CoreInputs<float> in;
  in.q = &q, in.k = &k, in.v = &v;
  if (!cfg.core.attention) {
    dt.reset({B, T, H});
    A_log.reset({H, N});
    dt_bias.reset({H});
    rng.fillNormal(dt, 1.0);
    rng.fillUniform(A_log, -1.0, 1.0);
    rng.fillNormal(dt_bias, 0.5);
    in.dt = &dt, in.A_log = &A_log, in.dt_bias = &dt_bias;
    if (cfg.projectG) {
      g.reset({B, T, H, N});
      rng.fillNormal(g, 1.0);
      in.g = &g;
    }
    if (cfg.hasFeatureWeights) {
      W.reset({H, cfg.core.ida.featureParam, D});
      rng.fillNormal(W, 0.5);
      in.W = &W;
    }
  }
  Tensor<float> y;
  core.forward(in, y);
  CoreGrads<float> grads;
  core.vjp(in, dy, grads);
}

} // namespace ida::nn

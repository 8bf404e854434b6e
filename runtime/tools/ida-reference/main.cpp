//===- runtime/tools/ida-reference/main.cpp - the reference on .npy files -===//
//
//   ida-reference forward  [options] --in DIR --out DIR   -> y, S_T (, Z_T)
//   ida-reference chunked  --chunk C [options] ...        -> y, S_T (, Z_T)
//   ida-reference decode   [options] ...                  -> y, S_T (, Z_T)
//   ida-reference backward [options] ...                  -> dq dk dv ddt dg
//                                        dA_log ddt_bias (dW dS0 dZ0)
//   ida-reference softmax-attention [--window W] ...          -> y
//   ida-reference softmax-attention-backward [--window W] ... -> dq dk dv
//
// Inputs are DIR/<name>.npy with the names of spec §2 (q k v dt g A_log
// dt_bias, optional W S0 Z0) and the cotangents dy, optional dS_T dZ_T.
// `decode` feeds the sequence one token at a time through decodeStep.
// Errors go to stderr with exit status 1 (2 for command-line mistakes).
//
//===----------------------------------------------------------------------===//
#include "runtime/tools/ida-reference/ArrayFiles.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>

using namespace ida;

namespace {

struct Options {
  std::string inDir, outDir;
  std::string feature = "elu1", basisWeights = "softmax", outDtype = "float64";
  int64_t featureParam = 0;
  bool normalize = false;
  double eps = 1e-6;
  int64_t chunk = 16;
  int64_t window = 0;
};

ref::Config configOf(const Options &o) {
  ref::Config cfg;
  cfg.feature = ref::parseFeatureKind(o.feature);
  cfg.featureParam = o.featureParam;
  cfg.basisWeights = ref::parseBasisWeights(o.basisWeights);
  cfg.normalize = o.normalize;
  cfg.eps = o.eps;
  return cfg;
}

io::DType dtypeOf(const std::string &name) {
  if (name == "float64") return io::DType::Float64;
  if (name == "float32") return io::DType::Float32;
  if (name == "bfloat16") return io::DType::BFloat16;
  throw std::invalid_argument("--out-dtype: unknown '" + name +
                              "'; accepted: float64, float32, bfloat16");
}

ref::Inputs readInputs(const tools::ArrayFolder &in, const ref::Config &cfg) {
  ref::Inputs x;
  x.q = in.require("q");
  x.k = in.require("k");
  x.v = in.require("v");
  x.dt = in.require("dt");
  // uniform basis weights do not read g, so it may be left out.
  if (cfg.basisWeights == ref::BasisWeights::Uniform)
    x.g = in.optional("g").value_or(ref::Array());
  else
    x.g = in.require("g");
  x.A_log = in.require("A_log");
  x.dt_bias = in.require("dt_bias");
  x.W = in.optional("W");
  x.S0 = in.optional("S0");
  x.Z0 = in.optional("Z0");
  return x;
}

void writeOutputs(const tools::ArrayFolder &out, const ref::Outputs &o,
                  io::DType dtype) {
  out.write("y", o.y, dtype);
  out.write("S_T", o.S_T, dtype);
  out.write("Z_T", o.Z_T, dtype);
}

/// Token t of a [B, T, ...] array as [B, 1, ...].
ref::Array tokenOf(const ref::Array &a, int64_t t) {
  if (a.shape.size() < 2)
    return a; // e.g. an absent g; checkInputs reports real shape errors
  std::vector<int64_t> shape = a.shape;
  const int64_t B = shape[0], T = shape[1];
  shape[1] = 1;
  ref::Array out(shape);
  const int64_t inner = B * T > 0 ? a.numel() / (B * T) : 0;
  for (int64_t b = 0; b < B; ++b)
    std::copy_n(a.data.begin() + (b * T + t) * inner, inner,
                out.data.begin() + b * inner);
  return out;
}

ref::Outputs decodeSequence(const ref::Config &cfg, const ref::Inputs &in) {
  const ref::Dims d = ref::checkInputs(cfg, in);
  ref::Outputs out;
  out.y = ref::Array({d.B, d.T, d.H, d.P});
  out.S_T = in.S0.value_or(ref::Array({d.B, d.H, d.N, d.F, d.P}));
  if (cfg.normalize)
    out.Z_T = in.Z0.value_or(ref::Array({d.B, d.H, d.N, d.F}));
  for (int64_t t = 0; t < d.T; ++t) {
    ref::Inputs step = in;
    step.S0.reset();
    step.Z0.reset();
    step.q = tokenOf(in.q, t), step.k = tokenOf(in.k, t);
    step.v = tokenOf(in.v, t), step.dt = tokenOf(in.dt, t);
    step.g = tokenOf(in.g, t);
    const ref::Array y =
        ref::decodeStep(cfg, step, out.S_T, cfg.normalize ? &out.Z_T : nullptr);
    const int64_t inner = d.H * d.P;
    for (int64_t b = 0; b < d.B; ++b)
      std::copy_n(y.data.begin() + b * inner, inner,
                  out.y.data.begin() + (b * d.T + t) * inner);
  }
  return out;
}

void run(const std::string &command, const Options &o) {
  const tools::ArrayFolder in(o.inDir), out(o.outDir);
  std::filesystem::create_directories(o.outDir);
  const io::DType dtype = dtypeOf(o.outDtype);
  if (command == "softmax-attention") {
    out.write("y", ref::softmaxAttention(in.require("q"), in.require("k"),
                                         in.require("v"), o.window),
              dtype);
    return;
  }
  if (command == "softmax-attention-backward") {
    const ref::SoftmaxAttentionGrads g = ref::softmaxAttentionBackward(
        in.require("q"), in.require("k"), in.require("v"), in.require("dy"),
        o.window);
    out.write("dq", g.dq, dtype);
    out.write("dk", g.dk, dtype);
    out.write("dv", g.dv, dtype);
    return;
  }
  const ref::Config cfg = configOf(o);
  const ref::Inputs x = readInputs(in, cfg);
  if (command == "forward")
    return writeOutputs(out, ref::forward(cfg, x), dtype);
  if (command == "chunked")
    return writeOutputs(out, ref::forwardChunked(cfg, x, o.chunk), dtype);
  if (command == "decode")
    return writeOutputs(out, decodeSequence(cfg, x), dtype);
  if (command == "backward") {
    ref::Cotangents ct;
    ct.dy = in.require("dy");
    ct.dS_T = in.optional("dS_T");
    ct.dZ_T = in.optional("dZ_T");
    const ref::Gradients g = ref::backward(cfg, x, ct);
    out.write("dq", g.dq, dtype);
    out.write("dk", g.dk, dtype);
    out.write("dv", g.dv, dtype);
    out.write("ddt", g.ddt, dtype);
    out.write("dg", g.dg, dtype);
    out.write("dA_log", g.dA_log, dtype);
    out.write("ddt_bias", g.ddt_bias, dtype);
    out.write("dW", g.dW, dtype);
    out.write("dS0", g.dS0, dtype);
    out.write("dZ0", g.dZ0, dtype);
    return;
  }
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Float64 IDA reference (spec.md) on .npy files"};
  app.require_subcommand(1);
  Options o;
  auto addCommon = [&](CLI::App *cmd, bool mixer) {
    cmd->add_option("--in", o.inDir, "folder with the input .npy files")->required();
    cmd->add_option("--out", o.outDir, "folder for the output .npy files")->required();
    cmd->add_option("--out-dtype", o.outDtype, "float64 (default), float32 or bfloat16");
    if (mixer) {
      cmd->add_option("--feature", o.feature,
                      "identity, elu1 (default), relu, taylor2, prf, hedgehog");
      cmd->add_option("--feature-param", o.featureParam, "F' for prf and hedgehog");
      cmd->add_option("--basis-weights", o.basisWeights,
                      "softmax (default), sigmoid, uniform");
      cmd->add_flag("--normalize", o.normalize, "divide by the normalizer (keeps Z)");
      cmd->add_option("--eps", o.eps, "normalizer epsilon (default 1e-6)");
    } else {
      cmd->add_option("--window", o.window, "keys per query, 0 = all (default)");
    }
  };
  addCommon(app.add_subcommand("forward", "recurrent forward (spec §3)"), true);
  CLI::App *chunked = app.add_subcommand("chunked", "chunked forward (spec §5)");
  addCommon(chunked, true);
  chunked->add_option("--chunk", o.chunk, "chunk length C >= 1")->required();
  addCommon(app.add_subcommand("decode", "token-by-token decode steps (spec §8)"), true);
  addCommon(app.add_subcommand("backward", "gradients of every input (spec §6)"), true);
  addCommon(app.add_subcommand("softmax-attention", "causal softmax attention"), false);
  addCommon(app.add_subcommand("softmax-attention-backward",
                               "gradients of causal softmax attention"), false);
  CLI11_PARSE(app, argc, argv);

  try {
    run(app.get_subcommands().front()->get_name(), o);
  } catch (const std::exception &e) {
    std::cerr << "ida-reference: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

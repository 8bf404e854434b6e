//===- runtime/tools/ida-bench/BenchBundle.cpp - presets to benchmark -----===//
#include "runtime/tools/ida-bench/BenchBundle.h"

#include "runtime/bundle/IdacBundle.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"

#include <nlohmann/json.hpp>

namespace ida::benchtool {

ref::Config PresetInfo::refConfig() const {
  ref::Config cfg;
  cfg.feature = ref::parseFeatureKind(feature);
  cfg.featureParam = featureParam;
  cfg.basisWeights = ref::parseBasisWeights(basisWeights);
  cfg.normalize = normalize;
  return cfg;
}

std::string PresetInfo::label() const {
  std::string s = mixer + " " + feature + " N=" + std::to_string(N) +
                  " F=" + std::to_string(F) + " P=" + std::to_string(P);
  if (basisWeights != "softmax")
    s += " " + basisWeights;
  if (normalize)
    s += " normalized";
  if (dtype != "f32")
    s += " " + dtype;
  return s;
}

BenchBundle loadBenchBundle(const std::string &dir) {
  BenchBundle b;
  b.dir = dir;
  b.bundle = Bundle::load(dir);
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(readFile(dir + "/manifest.json"));
  } catch (const nlohmann::json::exception &e) {
    throw Error(dir + "/manifest.json: " + e.what());
  }
  if (!m.contains("x-preset"))
    throw Error("bundle '" + dir +
                "' has no x-preset member: ida-bench measures bundles written "
                "by 'idac --preset ...'");
  const nlohmann::json &p = m["x-preset"];
  try {
    PresetInfo &i = b.preset;
    i.mixer = p.at("mixer").get<std::string>();
    if (i.mixer == "softmax")
      throw Error("bundle '" + dir +
                  "' is softmax attention: ida-bench measures the scan family "
                  "(benchmarks/gpu_baselines.py times softmax attention)");
    i.feature = p.at("feature").get<std::string>();
    i.featureParam = p.at("feature_param").get<int64_t>();
    i.F = p.at("F").get<int64_t>();
    i.N = p.at("N").get<int64_t>();
    i.basisWeights = p.at("basis_weights").get<std::string>();
    i.normalize = p.at("normalize").get<bool>();
    i.chunk = p.at("chunk").get<int64_t>();
    i.H = p.at("H").get<int64_t>();
    i.D = p.at("D").get<int64_t>();
    i.P = p.at("P").get<int64_t>();
    i.dtype = p.value("dtype", std::string("f32"));
    i.command = p.value("command", std::string());
    (void)i.refConfig(); // validates the names
  } catch (const nlohmann::json::exception &e) {
    throw Error(dir + "/manifest.json: x-preset: " + e.what());
  } catch (const std::invalid_argument &e) {
    throw Error(dir + "/manifest.json: x-preset: " + e.what());
  }
  return b;
}

std::vector<std::string> defaultPresetFlags() {
  return {"--mixer",    "ida",     "--feature",   "elu1",    "--feature-dim",
          "64",         "--basis", "4",           "--heads", "4",
          "--head-dim", "64",      "--value-dim", "64"};
}

std::string findIdac() {
  std::string idac = ida::findIdac(selfExecutableDir());
  if (idac.empty())
    throw Error("idac not found (set IDA_IDAC, build it next to ida-bench, or "
                "put it on PATH), or give bundles with --bundle DIR");
  return idac;
}

std::string presetBundle(const std::vector<std::string> &flags) {
  std::vector<std::string> args = {"--preset"};
  args.insert(args.end(), flags.begin(), flags.end());
  return idacBundle(findIdac(), args).dir;
}

} // namespace ida::benchtool

//===- runtime/tools/ida-bench/BenchBundle.cpp - presets to benchmark -----===//
#include "runtime/tools/ida-bench/BenchBundle.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Process.h"
#include "runtime/support/Sha256.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <system_error>

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

namespace {

std::string selfDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return "";
  std::string path(buf, size_t(n));
  return path.substr(0, path.rfind('/'));
}

bool isExecutable(const std::string &path) {
  return access(path.c_str(), X_OK) == 0;
}

} // namespace

std::string findIdac() {
  if (auto env = env::get("IDA_IDAC")) {
    if (!isExecutable(*env))
      throw Error("IDA_IDAC='" + *env + "' is not an executable");
    return *env;
  }
  std::string beside = selfDir() + "/idac";
  if (isExecutable(beside))
    return beside;
  std::string onPath = resolveProgram("idac");
  if (onPath != "idac" && isExecutable(onPath))
    return onPath;
  throw Error("idac not found (set IDA_IDAC, build it next to ida-bench, or "
              "put it on PATH), or give bundles with --bundle DIR");
}

std::string presetBundle(const std::vector<std::string> &flags) {
  const std::string idac = findIdac();
  // The key covers the flags and the exact idac binary: a rebuilt compiler
  // (new templates) must not reuse bundles written by the old one.
  struct stat st {};
  stat(idac.c_str(), &st);
  std::string keyText = "ida-bench-preset/1\n" + resolveProgram(idac) + "\n" +
                        std::to_string(st.st_size) + "\n" +
                        std::to_string(st.st_mtime) + "\n";
  for (const std::string &f : flags)
    keyText += f + "\n";
  const std::string root = env::cacheDir() + "/bench";
  const std::string dir = root + "/" + sha256Hex(keyText).substr(0, 16);
  struct stat existing {};
  if (stat((dir + "/manifest.json").c_str(), &existing) == 0)
    return dir;

  makeDirs(root);
  // Written elsewhere, then renamed into place: a concurrent ida-bench sees
  // either no bundle or a whole one.
  const std::string tmp = uniqueTempPath(dir);
  std::vector<std::string> argv = {idac, "--preset"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"-q", "-o", tmp});
  env::log("writing the preset bundle: " + shellQuote(argv));
  ProcessResult r = runProcess(argv);
  if (r.exitCode != 0)
    throw Error("idac failed (exit code " + std::to_string(r.exitCode) +
                "): " + shellQuote(argv) + "\n" + r.output);
  if (std::rename(tmp.c_str(), dir.c_str()) != 0) {
    // Another process won the race; its bundle is the same.
    std::error_code ignored;
    std::filesystem::remove_all(tmp, ignored);
    if (stat((dir + "/manifest.json").c_str(), &existing) != 0)
      throw FileError("cannot move the bundle '" + tmp + "' to '" + dir + "'");
  }
  return dir;
}

} // namespace ida::benchtool

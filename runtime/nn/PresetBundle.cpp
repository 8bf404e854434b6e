//===- runtime/nn/PresetBundle.cpp - a mixer's bundle from idac -----------===//
#include "runtime/nn/PresetBundle.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Process.h"
#include "runtime/support/Sha256.h"

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ida::nn {

std::vector<std::string> presetArgs(const MixerConfig &cfg,
                                    const std::string &sourceTargets) {
  // "--preset --mixer NAME", not "--preset NAME": idac reads the latter's
  // NAME as a positional argument and takes it for a graph file when a file
  // of that name exists in the working directory.
  std::vector<std::string> a = {"--preset", "--mixer", mixerKindName(cfg.kind)};
  auto add = [&](const char *flag, const std::string &value) {
    a.push_back(flag);
    a.push_back(value);
  };
  if (!cfg.core.attention) {
    // Every op attribute is spelled out rather than left to the preset's
    // defaults, so the bundle depends on the model's flags alone.
    const ref::Config &ic = cfg.core.ida;
    add("--feature", ref::featureKindName(ic.feature));
    if (ref::featureHasWeights(ic.feature))
      add("--feature-dim", std::to_string(ic.featureParam));
    add("--basis", std::to_string(cfg.N));
    add("--basis-weights", ref::basisWeightsName(ic.basisWeights));
    add("--chunk", std::to_string(cfg.core.chunk));
  }
  add("--heads", std::to_string(cfg.H));
  add("--head-dim", std::to_string(cfg.D));
  add("--value-dim", std::to_string(cfg.P));
  if (!cfg.core.attention && cfg.core.ida.normalize)
    a.push_back("--normalize");
  add("--dtype", "f32");
  if (!cfg.core.attention)
    a.push_back("--no-decode"); // training runs forward and forward_vjp only
  add("--target", sourceTargets);
  return a;
}

std::string presetSourceTargets(const std::string &target) {
#ifdef IDA_WITH_CUDA
  return target == "cpu" ? "cpu" : "all";
#else
  (void)target;
  return "cpu";
#endif
}

std::string selfExecutableDir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

std::string findIdac(const std::string &besideDir) {
  if (auto env = env::get("IDA_IDAC")) {
    if (::access(env->c_str(), X_OK) != 0)
      throw Error("IDA_IDAC='" + *env + "' is not an executable program");
    return *env;
  }
  if (!besideDir.empty()) {
    const std::string beside = besideDir + "/idac";
    if (::access(beside.c_str(), X_OK) == 0)
      return beside;
  }
  std::string onPath = resolveProgram("idac");
  return onPath.find('/') == std::string::npos ? std::string() : onPath;
}

namespace {

/// What makes a cached bundle stale: the compiler binary itself. Its path,
/// size and modification time change with every rebuild or install.
std::string idacIdentity(const std::string &idac) {
  std::error_code ec;
  fs::path real = fs::canonical(idac, ec);
  if (ec)
    real = idac;
  std::string id = real.string();
  const auto size = fs::file_size(real, ec);
  if (!ec)
    id += ":" + std::to_string(size);
  const auto mtime = fs::last_write_time(real, ec);
  if (!ec)
    id += ":" + std::to_string(mtime.time_since_epoch().count());
  return id;
}

bool hasManifest(const std::string &dir) {
  std::error_code ec;
  return fs::is_regular_file(dir + "/manifest.json", ec);
}

} // namespace

PresetBundle presetBundle(const std::string &idac,
                          const std::vector<std::string> &args) {
  Sha256 h;
  h.updateField("ida-train-bundle/1");
  h.updateField(idacIdentity(idac));
  for (const std::string &a : args)
    h.updateField(a);
  const std::string key = h.hexDigest().substr(0, 32);
  const std::string root = env::cacheDir() + "/bundles";

  PresetBundle out;
  out.dir = root + "/" + key;
  out.command = "idac";
  for (const std::string &a : args)
    out.command += " " + a;
  if (hasManifest(out.dir))
    return out;

  makeDirs(root);
  const std::string tmp = uniqueTempPath(out.dir);
  std::vector<std::string> argv = {idac};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"-q", "-o", tmp});
  ProcessResult r = runProcess(argv);
  std::error_code ec;
  if (r.exitCode != 0) {
    fs::remove_all(tmp, ec);
    std::string first = r.output.substr(0, r.output.find('\n'));
    throw Error("idac failed (exit " + std::to_string(r.exitCode) + "): " +
                shellQuote(argv) + (first.empty() ? "" : ": " + first));
  }
  fs::rename(tmp, out.dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    // Another process renamed its bundle into place first; it is the same.
    if (!hasManifest(out.dir))
      throw FileError("cannot move the bundle idac wrote into '" + out.dir +
                      "'");
  }
  out.generated = true;
  return out;
}

} // namespace ida::nn

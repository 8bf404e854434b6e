//===- runtime/backend/cpu/HostCompiler.cpp - cached host builds ----------===//

#include "runtime/backend/cpu/HostCompiler.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Process.h"
#include "runtime/support/Sha256.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace ida {

namespace fs = std::filesystem;

namespace {

/// Bumped when the command line or the cache layout changes meaning.
constexpr const char *kKeyVersion = "ida-cpu-binary/1";

std::mutex &memoMutex() {
  static std::mutex m;
  return m;
}
/// binary path -> loaded binary
std::map<std::string, std::shared_ptr<CpuBinary>> &memo() {
  static std::map<std::string, std::shared_ptr<CpuBinary>> m;
  return m;
}
HostCompileStats &statsRef() {
  static HostCompileStats s;
  return s;
}

std::vector<std::string> splitWhitespace(const std::string &text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  std::string word;
  while (in >> word)
    out.push_back(word);
  return out;
}

std::string configLabel(const KernelBuildRequest &r) {
  return r.config.empty() ? "default" : configString(r.config);
}

} // namespace

HostCompilerOptions HostCompilerOptions::fromEnv() {
  HostCompilerOptions o;
  o.cacheDir = env::cacheDir();
  o.compiler = env::get("IDA_CXX").value_or("c++");
  if (auto flags = env::get("IDA_CXXFLAGS"))
    o.extraFlags = splitWhitespace(*flags);
  return o;
}

HostCompiler::HostCompiler(HostCompilerOptions options)
    : options_(std::move(options)) {}

std::string HostCompiler::binaryDir() const {
  return (fs::path(options_.cacheDir) / "cpu").string();
}

std::string HostCompiler::compilerIdentity(const std::string &compiler) {
  static std::mutex m;
  static std::map<std::string, std::string> known;
  std::lock_guard<std::mutex> lock(m);
  auto it = known.find(compiler);
  if (it != known.end())
    return it->second;
  ProcessResult r = runProcess({compiler, "--version"});
  if (r.exitCode != 0)
    throw CompileError("cannot run the host compiler '" + compiler +
                           "' (set IDA_CXX to a working C++ compiler): " +
                           r.output,
                       r.output, "");
  std::string first = r.output.substr(0, r.output.find('\n'));
  std::string identity = resolveProgram(compiler) + "\n" + first;
  known[compiler] = identity;
  return identity;
}

std::string HostCompiler::hostCpuIdentity() {
  static const std::string identity = [] {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model, flags;
    while (std::getline(in, line) && (model.empty() || flags.empty())) {
      if (model.empty() && line.rfind("model name", 0) == 0)
        model = line;
      else if (flags.empty() && (line.rfind("flags", 0) == 0 ||
                                 line.rfind("Features", 0) == 0))
        flags = line;
    }
    return model + "\n" + flags;
  }();
  return identity;
}

std::vector<std::string> HostCompiler::flags(const Config &config) const {
  std::vector<std::string> f = {"-O3",    "-march=native", "-fopenmp",
                                "-shared", "-fPIC",        "-std=c++17"};
  f.insert(f.end(), options_.extraFlags.begin(), options_.extraFlags.end());
  for (const auto &[key, value] : config) // std::map: sorted, deterministic
    f.push_back("-DIDA_CFG_" + key + "=" + std::to_string(value));
  return f;
}

std::string HostCompiler::cacheKey(const KernelBuildRequest &request) const {
  Sha256 h;
  h.updateField(kKeyVersion);
  h.updateField(request.source);
  for (const std::string &flag : flags(request.config))
    h.updateField(flag);
  h.updateField(compilerIdentity(options_.compiler));
  h.updateField(hostCpuIdentity());
  return h.hexDigest();
}

std::shared_ptr<CpuBinary>
HostCompiler::tryLoad(const std::string &key, const std::string &path,
                      const KernelBuildRequest &request,
                      std::string *whyNot) const {
  std::shared_ptr<SharedLibrary> lib;
  try {
    // Kernels are never unloaded (see SharedLibrary): binaries are small
    // and a process uses few of them.
    lib = std::make_shared<SharedLibrary>(path, /*neverUnload=*/true);
  } catch (const Error &e) {
    *whyNot = e.what();
    return nullptr;
  }
  auto bin = std::make_shared<CpuBinary>();
  bin->key = key;
  bin->path = path;
  bin->library = lib;
  for (const std::string &symbol : request.symbols) {
    void *fn = lib->find(symbol);
    if (!fn) {
      *whyNot = "it has no program symbol '" + symbol + "'";
      return nullptr;
    }
    bin->programs.push_back(reinterpret_cast<CpuProgramFn>(fn));
  }
  return bin;
}

std::shared_ptr<CpuBinary>
HostCompiler::compileAndLoad(const std::string &key,
                             const KernelBuildRequest &request) {
  std::string dir = binaryDir();
  std::string soPath = dir + "/" + key + ".so";
  std::string srcPath = dir + "/" + key + ".cpp";
  std::string logPath = dir + "/" + key + ".log";
  // The source is kept next to the binary so a failure can be reproduced
  // with the exact command from the log.
  writeFileAtomic(srcPath, request.source);
  std::string tmp = uniqueTempPath(soPath, ".so");
  std::vector<std::string> argv = {options_.compiler};
  for (const std::string &f : flags(request.config))
    argv.push_back(f);
  argv.insert(argv.end(), {"-o", tmp, srcPath});

  env::log("compiling kernel '" + request.kernelName + "' [" +
           configLabel(request) + "] -> " + soPath);
  ProcessResult r = runProcess(argv);
  {
    std::lock_guard<std::mutex> lock(memoMutex());
    ++statsRef().compilerRuns;
  }
  if (r.exitCode != 0) {
    removeFileQuietly(tmp);
    std::string command = shellQuote(argv);
    try {
      writeFileAtomic(logPath, "$ " + command + "\n" + r.output);
    } catch (const Error &) {
      // The log file is a convenience; the message below has everything.
    }
    throw CompileError(
        "compiling kernel '" + request.kernelName + "' [" +
            configLabel(request) + "] for cpu failed (exit code " +
            std::to_string(r.exitCode) + ")\n  bundle source: " +
            request.sourcePath + "\n  saved source: " + srcPath +
            "\n  command: " + command + "\n  compiler log:\n" + r.output,
        r.output, srcPath);
  }
  renameFile(tmp, soPath);
  std::string why;
  auto bin = tryLoad(key, soPath, request, &why);
  if (!bin)
    throw CompileError("kernel '" + request.kernelName + "' [" +
                           configLabel(request) +
                           "] compiled but cannot be used: " + why +
                           "\n  bundle source: " + request.sourcePath +
                           "\n  saved source: " + srcPath,
                       r.output, srcPath);
  return bin;
}

std::shared_ptr<const CpuBinary>
HostCompiler::build(const KernelBuildRequest &request) {
  std::string key = cacheKey(request);
  std::string dir = binaryDir();
  std::string soPath = dir + "/" + key + ".so";
  {
    std::lock_guard<std::mutex> lock(memoMutex());
    auto it = memo().find(soPath);
    if (it != memo().end()) {
      ++statsRef().memoryHits;
      return it->second;
    }
  }
  makeDirs(dir);

  auto remember = [&](std::shared_ptr<CpuBinary> bin) {
    std::lock_guard<std::mutex> lock(memoMutex());
    auto [it, inserted] = memo().emplace(soPath, bin);
    return std::shared_ptr<const CpuBinary>(it->second);
  };
  auto loadCached = [&]() -> std::shared_ptr<CpuBinary> {
    std::error_code ec;
    if (!fs::exists(soPath, ec))
      return nullptr;
    std::string why;
    if (auto bin = tryLoad(key, soPath, request, &why)) {
      std::lock_guard<std::mutex> lock(memoMutex());
      ++statsRef().diskHits;
      env::log("cache hit for kernel '" + request.kernelName + "' [" +
               configLabel(request) + "]: " + soPath);
      return bin;
    }
    env::log("cached binary " + soPath + " is unusable (" + why +
             "); rebuilding");
    removeFileQuietly(soPath);
    std::lock_guard<std::mutex> lock(memoMutex());
    ++statsRef().rebuilds;
    return nullptr;
  };

  if (auto bin = loadCached())
    return remember(bin);
  // One builder per key across processes; the others wait, then find the
  // finished binary on disk.
  FileLock lock(dir + "/locks/" + key + ".lock");
  if (auto bin = loadCached())
    return remember(bin);
  return remember(compileAndLoad(key, request));
}

HostCompileStats HostCompiler::stats() {
  std::lock_guard<std::mutex> lock(memoMutex());
  return statsRef();
}

void HostCompiler::resetStats() {
  std::lock_guard<std::mutex> lock(memoMutex());
  statsRef() = HostCompileStats();
}

void HostCompiler::clearMemoryCache() {
  std::lock_guard<std::mutex> lock(memoMutex());
  memo().clear();
}

} // namespace ida

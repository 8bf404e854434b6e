//===- runtime/tools/ida-cuda-check/main.cpp - NVRTC compile check --------===//
//
//   ida-cuda-check [--arch sm_90] FILE.cu [--config KEY=VALUE ...]
//                  [--symbol NAME ...] [--no-cache] [--log] [--fail-on-spill]
//   ida-cuda-check [--arch sm_90] BUNDLE/ [--fail-on-spill]
//
// Given a bundle directory, checks every CUDA kernel of it at its default
// configuration (what `idac --compile-check` runs after writing one).
//
// Compiles FILE.cu with NVRTC (the runtime's options, -DIDA_CFG_KEY=VALUE per
// --config) for the given arch and prints, per kernel symbol, the registers,
// spill stores/loads, stack frame and static shared memory ptxas reports. No
// GPU or driver is needed. Exit codes: 0 ok; 1 compile failure (the message
// with the NVRTC log and the saved source's path goes to stderr) or another
// error; 2 bad usage; 3 --fail-on-spill and some kernel spills.
//
//===----------------------------------------------------------------------===//

#include "runtime/backend/cuda/CompileCheck.h"
#include "runtime/backend/cuda/Nvrtc.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

int main(int argc, char **argv) {
  using namespace ida;
  CLI::App app{"Compile a CUDA kernel source with NVRTC and report each "
               "kernel's registers, spills and shared memory (no GPU needed)"};
  std::string arch = "sm_90";
  std::string file;
  std::vector<std::string> configs, symbols, includes;
  bool noCache = false, showLog = false, failOnSpill = false;
  app.add_option("--arch", arch, "target: sm_XY[a] (default sm_90)");
  app.add_option("file", file, "CUDA source file, or a bundle directory (every CUDA kernel)")
      ->required();
  app.add_option("--config", configs,
                 "tuning parameter KEY=VALUE (-DIDA_CFG_KEY=VALUE); repeatable, "
                 "or comma-separated");
  app.add_option("--symbol", symbols,
                 "kernel symbol to report (and require); repeatable. Default: "
                 "every kernel");
  app.add_option("--include", includes,
                 "extra include directory (before IDA_CUDA_INCLUDE/toolkit)");
  app.add_flag("--no-cache", noCache,
               "always run NVRTC (default: use $IDA_CACHE_DIR/cuda)");
  app.add_flag("--log", showLog, "also print the NVRTC/ptxas log");
  app.add_flag("--fail-on-spill", failOnSpill,
               "exit with 3 when a reported kernel spills registers");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (std::filesystem::is_directory(file)) {
    const int rc = compileCheckBundle(file, arch, std::cout, std::cerr);
    return rc == kCompileCheckSpills && !failOnSpill ? 0 : rc;
  }
  try {
    Config config;
    for (const std::string &c : configs)
      for (const auto &[key, value] : parseConfigString(c))
        config[key] = value;
    NvrtcOptions options = NvrtcOptions::fromEnv();
    options.includeDirs.insert(options.includeDirs.begin(), includes.begin(),
                               includes.end());
    std::string source = readFile(file);
    KernelBuildRequest request;
    request.kernelName = file.substr(file.find_last_of('/') + 1);
    request.source = source;
    request.sourcePath = file;
    request.config = config;
    request.symbols = symbols;

    NvrtcResult result;
    std::string binaryPath;
    if (noCache) {
      result = compileCuda(source, arch, config, options, symbols,
                           request.kernelName, file);
    } else {
      NvrtcCompiler compiler(options);
      auto binary = compiler.build(request, arch);
      result = binary->result;
      binaryPath = binary->path;
    }
    std::printf("%s for %s with NVRTC %s [%s]%s%s\n", file.c_str(),
                arch.c_str(), nvrtcVersionString().c_str(),
                config.empty() ? "default" : configString(config).c_str(),
                binaryPath.empty() ? "" : ": ", binaryPath.c_str());
    if (result.isPtx) {
      std::printf("PTX target: no ptxas report (resources are decided when "
                  "the driver loads it)\n");
      return 0;
    }
    std::fputs(formatResources(result.resources, symbols).c_str(), stdout);
    if (showLog)
      std::printf("\n%s\n", result.log.c_str());
    if (failOnSpill) {
      for (const auto &[name, r] : result.resources) {
        bool wanted = symbols.empty() ||
                      std::find(symbols.begin(), symbols.end(), name) !=
                          symbols.end();
        if (wanted && r.spills()) {
          std::fprintf(stderr,
                       "ida-cuda-check: kernel '%s' spills (%lld bytes "
                       "stored, %lld loaded)\n",
                       name.c_str(), static_cast<long long>(r.spillStores),
                       static_cast<long long>(r.spillLoads));
          return 3;
        }
      }
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ida-cuda-check: %s\n", e.what());
    return 1;
  }
}

//===- runtime/backend/cuda/Nvrtc.h - NVRTC builds and their cache -*- C++ -*-===//
//
// Compiles one CUDA kernel source for one configuration to a CUBIN with
// NVRTC, and reports each kernel symbol's resources (registers, spills,
// static shared memory) without needing a GPU: ptxas runs inside NVRTC, and
// with --ptxas-options=-v it writes its per-function summary into the
// program log, which parsePtxasInfo() reads (docs/cuda.md describes the
// format).
//
// Two layers:
//   - compileCuda(): one NVRTC run, no cache. The compile-check tool and the
//     compiler's `idac --compile-check` use this (or the cached layer).
//   - NvrtcCompiler: the cached build the CUDA device uses, like the CPU's
//     HostCompiler:
//       on disk   $IDA_CACHE_DIR/cuda/<key>.cubin   the binary, and
//                 $IDA_CACHE_DIR/cuda/<key>.info    its sha256 and the ptxas
//                                                   log (resources on a hit),
//       key     = sha256(key version, source, every option, NVRTC version and
//                 library identity, built-in headers, arch);
//       writes are atomic (temp file + rename) under a per-key flock; an
//       entry whose cubin does not match its recorded hash is rebuilt;
//       in process: key -> binary, so a configuration is built once.
// A failure throws CompileError with the NVRTC log and the path of the saved
// source ($IDA_CACHE_DIR/cuda/failed/<key>.cu, next to <key>.log).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BACKEND_CUDA_NVRTC_H
#define IDA_RUNTIME_BACKEND_CUDA_NVRTC_H

#include "runtime/backend/Device.h"
#include "runtime/bundle/Config.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ida {

/// What ptxas reported for one entry function (bytes unless stated).
struct KernelResources {
  int registers = -1;          // -1: not reported
  int barriers = -1;           // named barriers used (sm_70+ logs), -1: n/a
  int64_t staticSmem = 0;      // static __shared__ ("smem")
  int64_t stackFrame = 0;      // per-thread local memory of the frame
  int64_t spillStores = 0;    // -1: unknown (only from the CUBIN, with a frame)
  int64_t spillLoads = 0;     // -1: unknown
  int64_t cumulativeStack = 0; // incl. callees, when ptxas reports it
  int64_t constantMem = 0;     // cmem[0] (kernel parameters etc.)
  /// Where the numbers come from: "ptxas" (the -v log) or "cubin" (the
  /// binary's .nv.info attributes, when the log lacks the kernel).
  std::string origin = "ptxas";
  bool spills() const { return spillStores > 0 || spillLoads > 0; }
};

/// Symbol -> resources, parsed from a ptxas -v log. Only entry functions
/// (kernels) are listed; non-inlined device functions are ignored.
using ResourceReport = std::map<std::string, KernelResources>;

/// Parses the "ptxas info : ..." lines of an NVRTC program log.
ResourceReport parsePtxasInfo(const std::string &log);

/// Reads registers, stack frame and static shared memory of every entry
/// function from a CUBIN (ELF .nv.info attributes REGCOUNT and FRAME_SIZE,
/// .nv.shared.<kernel> sizes). Spills are 0 when the frame is 0, else -1
/// (unknown). Empty for anything that is not a 64-bit CUBIN.
ResourceReport cubinResources(const std::string &image);

/// parsePtxasInfo(log), completed from cubinResources(image) for kernels the
/// log does not describe.
ResourceReport kernelResources(const std::string &log, const std::string &image);

/// A fixed-width table, one row per symbol (`symbols`, or every kernel when
/// empty): symbol, registers, spill stores/loads, stack frame, static smem.
/// Shared by ida-cuda-check and idac --compile-check.
std::string formatResources(const ResourceReport &report,
                            const std::vector<std::string> &symbols = {});

/// Compile options beyond the arch and the configuration.
struct NvrtcOptions {
  /// Include directories for toolkit headers (cuda_bf16.h, cuda_fp16.h):
  /// $IDA_CUDA_INCLUDE (colon-separated) or the toolkit's include directory
  /// found at configure time.
  std::vector<std::string> includeDirs;
  /// --use_fast_math (off by default: accuracy first).
  bool fastMath = false;
  /// -lineinfo (on: costs nothing at run time, helps profilers).
  bool lineInfo = true;
  /// Extra options ($IDA_NVRTC_FLAGS, split on whitespace).
  std::vector<std::string> extraFlags;
  /// Root cache directory ($IDA_CACHE_DIR...); binaries go to <cacheDir>/cuda.
  std::string cacheDir;

  /// Options from the environment: IDA_CACHE_DIR, IDA_CUDA_INCLUDE,
  /// IDA_NVRTC_FLAGS, IDA_CUDA_FAST_MATH=1.
  static NvrtcOptions fromEnv();
  /// The configure-time default include directories (may be empty).
  static std::vector<std::string> defaultIncludeDirs();
};

/// The result of one compile: the binary image, per-symbol resources and the
/// NVRTC log.
struct NvrtcResult {
  std::string arch;       // "sm_90" or, for PTX, "compute_90"
  std::string image;      // CUBIN bytes (ELF), or PTX text for compute_XX
  bool isPtx = false;
  ResourceReport resources; // empty for PTX (ptxas did not run)
  std::string log;
};

/// The NVRTC command line for one build (deterministic; part of the key).
std::vector<std::string> nvrtcFlags(const std::string &arch,
                                    const Config &config,
                                    const NvrtcOptions &options);

/// One NVRTC compile, no cache. `arch` is "sm_XY[a]" (CUBIN) or
/// "compute_XY[a]" (PTX). Throws CompileError (log and, when options.cacheDir
/// is usable, the saved source path) on failure; `kernelName` and
/// `sourcePath` only label messages. Every symbol in `symbols` must be a
/// kernel of the result (checked for CUBIN builds).
NvrtcResult compileCuda(const std::string &source, const std::string &arch,
                        const Config &config,
                        const NvrtcOptions &options = NvrtcOptions::fromEnv(),
                        const std::vector<std::string> &symbols = {},
                        const std::string &kernelName = "kernel",
                        const std::string &sourcePath = "");

/// "13.0": NVRTC's version (nvrtcVersion).
std::string nvrtcVersionString();
/// The version plus the resolved libnvrtc path and size (a patch update of
/// the toolkit changes the size); cached per process. Part of every key.
std::string nvrtcIdentity();
/// The "sm_XY" targets this NVRTC can compile for, ascending.
std::vector<std::string> nvrtcSupportedArchs();
/// Whether `arch` ("sm_90", "sm_90a", "compute_80") is a well-formed target
/// name that this NVRTC supports.
bool nvrtcSupportsArch(const std::string &arch);

/// Headers the backend supplies to every NVRTC program (NVRTC has no C
/// library headers, and ida_abi.h includes <stdint.h>): name -> text.
const std::map<std::string, std::string> &nvrtcBuiltinHeaders();

/// A cached build: what the device loads.
struct CudaBinary {
  std::string key;
  std::string path;  // <cacheDir>/cuda/<key>.cubin (or .ptx)
  NvrtcResult result;
};

/// Process-wide counters for tests and IDA_VERBOSE logs.
struct NvrtcStats {
  uint64_t nvrtcRuns = 0;   // nvrtcCompileProgram calls (success or failure)
  uint64_t diskHits = 0;    // served from the disk cache without compiling
  uint64_t memoryHits = 0;  // served from the in-process memo
  uint64_t rebuilds = 0;    // unusable disk entries that were rebuilt
};

class NvrtcCompiler {
public:
  explicit NvrtcCompiler(NvrtcOptions options = NvrtcOptions::fromEnv());

  /// The binary of `request` for `arch`, compiling on a cache miss. Throws
  /// CompileError.
  std::shared_ptr<const CudaBinary> build(const KernelBuildRequest &request,
                                          const std::string &arch);
  /// The cache key (64 hex characters).
  std::string cacheKey(const std::string &source, const std::string &arch,
                       const Config &config) const;
  std::string cacheKey(const KernelBuildRequest &request,
                       const std::string &arch) const {
    return cacheKey(request.source, arch, request.config);
  }
  /// Drops a binary from both caches (used when the driver rejects it).
  void evict(const std::string &key);
  /// <cacheDir>/cuda
  std::string binaryDir() const;
  const NvrtcOptions &options() const { return options_; }

  static NvrtcStats stats();
  static void resetStats();
  /// Forgets every in-process binary (the next build reads the disk).
  static void clearMemoryCache();

private:
  std::shared_ptr<CudaBinary> loadCached(const std::string &key,
                                         const std::string &arch,
                                         const KernelBuildRequest &request);
  NvrtcOptions options_;
};

} // namespace ida

#endif // IDA_RUNTIME_BACKEND_CUDA_NVRTC_H

//===- runtime/backend/cuda/CompileCheck.cpp - NVRTC check of a bundle ----===//

#include "runtime/backend/cuda/CompileCheck.h"

#include "runtime/backend/cuda/Nvrtc.h"
#include "runtime/bundle/Bundle.h"

#include <exception>
#include <vector>

namespace ida {

namespace {

/// Builds one kernel; returns false (after printing why) when NVRTC fails.
bool checkKernel(const Bundle &bundle, const KernelSpec &kernel, const std::string &arch,
                 const NvrtcOptions &options, std::ostream &out, std::ostream &err,
                 bool &spills) {
  std::vector<std::string> symbols;
  for (const ProgramSpec &p : kernel.programs)
    symbols.push_back(p.symbol);
  out << "kernel " << kernel.name << " (template " << kernel.templateName
      << ", default config " << configString(kernel.defaultConfig, kernel.space.keys)
      << ")\n";
  try {
    NvrtcResult r = compileCuda(bundle.source(kernel.name, "cuda"), arch, kernel.defaultConfig,
                                options, symbols, kernel.name,
                                bundle.sourcePath(kernel.name, "cuda"));
    out << formatResources(r.resources, symbols);
    for (const ProgramSpec &p : kernel.programs) {
      auto it = r.resources.find(p.symbol);
      if (it != r.resources.end() && it->second.spills()) {
        spills = true;
        out << "  warning: " << p.symbol << " spills registers\n";
      }
      // Tiles live in the dynamic arena, sized at launch: ptxas cannot see
      // it, so the manifest's bound is what the launch will request.
      out << "  " << p.symbol << ": dynamic shared memory (tile arena) up to "
          << p.smem.text() << " bytes\n";
    }
    return true;
  } catch (const std::exception &e) {
    err << "idac: compile check of kernel " << kernel.name << " for " << arch
        << " failed:\n" << e.what() << "\n";
    return false;
  }
}

} // namespace

int compileCheckBundle(const std::string &bundleDir, const std::string &arch,
                       std::ostream &out, std::ostream &err) noexcept {
  try {
    std::shared_ptr<const Bundle> bundle = Bundle::load(bundleDir);
    const NvrtcOptions options = NvrtcOptions::fromEnv();
    out << "compile check: " << bundleDir << " for " << arch << " with NVRTC "
        << nvrtcVersionString() << "\n";
    bool failed = false, spills = false;
    int checked = 0;
    for (const auto &[name, kernel] : bundle->manifest().kernels) {
      if (!bundle->hasSource(name, "cuda"))
        continue;
      ++checked;
      failed |= !checkKernel(*bundle, kernel, arch, options, out, err, spills);
    }
    if (checked == 0) {
      err << "idac: the bundle " << bundleDir
          << " has no CUDA sources to check (write it with --target cuda or all)\n";
      return kCompileCheckFailed;
    }
    out << "compile check: " << checked << " kernel" << (checked == 1 ? "" : "s") << ", "
        << (failed ? "FAILED" : spills ? "ok, with spills" : "ok") << "\n";
    return failed ? kCompileCheckFailed : spills ? kCompileCheckSpills : kCompileCheckOk;
  } catch (const std::exception &e) {
    err << "idac: compile check: " << e.what() << "\n";
    return kCompileCheckFailed;
  } catch (...) {
    err << "idac: compile check: unknown error\n";
    return kCompileCheckFailed;
  }
}

} // namespace ida

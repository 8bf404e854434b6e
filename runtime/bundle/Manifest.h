//===- runtime/bundle/Manifest.h - typed bundle manifest --------*- C++ -*-===//
//
// manifest.json of a bundle (format "ida-bundle/1", docs/bundle-format.md)
// as typed structs. parseManifest() checks the structure and every cross
// reference, so a launcher that holds a Manifest never meets an unknown
// buffer, kernel or name at run time; errors say where in the manifest the
// problem is ("kernels.scan_fwd_0.args[3]: unknown buffer 'S1'").
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BUNDLE_MANIFEST_H
#define IDA_RUNTIME_BUNDLE_MANIFEST_H

#include "runtime/bundle/Config.h"
#include "runtime/bundle/Expr.h"
#include "runtime/tensor/DType.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ida {

/// The format string this runtime reads.
inline constexpr const char *kBundleFormat = "ida-bundle/1";

/// Names whose values are only known at launch and are bound from input
/// shapes (IdaKernelArgs carries them).
inline constexpr const char *kDynamicDims[] = {"B", "T", "H"};
bool isDynamicDim(const std::string &name);

/// A symbolic shape, e.g. [B, T, 4, 64].
using ShapeExpr = std::vector<Expr>;
/// "[B, T, 4, 64]".
std::string shapeExprString(const ShapeExpr &shape);

enum class BufferRole { Input, Output, Temp };
const char *bufferRoleName(BufferRole role);

struct BufferSpec {
  std::string name;
  BufferRole role = BufferRole::Input;
  DType dtype = DType::F32;
  ShapeExpr shape;
  /// Inputs only: may be absent at launch (the kernel sees nullptr).
  bool optional = false;
};

struct WorkspaceSpec {
  std::string name;
  DType dtype = DType::F32;
  ShapeExpr shape; // may use the kernel's configuration keys
  bool zero = false;
};

/// One element of a kernel's "args": an entry-level buffer or "@workspace".
struct KernelArg {
  enum class Kind { Buffer, Workspace } kind = Kind::Buffer;
  std::string name;
  std::string spelling() const {
    return kind == Kind::Workspace ? "@" + name : name;
  }
};

struct ProgramSpec {
  std::string symbol;
  Expr grid[3];
  /// Threads per program (CUDA block size); 1 when omitted.
  Expr threads;
  /// Dynamic shared memory in bytes (CUDA); 0 when omitted.
  Expr smem;
};

struct TuningSpace {
  std::vector<std::string> keys;
  std::vector<std::vector<int64_t>> configs;
  Config configAt(size_t i) const;
};

struct KernelSpec {
  std::string name;
  std::string templateName;
  std::string origin;
  /// target ("cpu", "cuda") -> path relative to the bundle directory.
  std::map<std::string, std::string> sources;
  std::vector<KernelArg> args;
  std::vector<WorkspaceSpec> workspaces;
  std::vector<ProgramSpec> programs;
  TuningSpace space;
  Config defaultConfig;

  const WorkspaceSpec *findWorkspace(const std::string &name) const;
};

struct StepSpec {
  std::string kernel;
};

struct EntrySpec {
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<StepSpec> steps;
  /// Entry-level buffers of role "temp" that its kernels use, derived.
  std::vector<std::string> temps;
};

struct Manifest {
  std::string format;
  std::string compilerVersion;
  std::string graphHash;
  std::string graph;
  /// Compile-time constants usable in every expression (e.g. H, D, P, N).
  Bindings statics;
  std::map<std::string, BufferSpec> buffers;
  std::map<std::string, KernelSpec> kernels;
  std::map<std::string, EntrySpec> entries;

  /// Throws ManifestError naming the known ones when absent.
  const BufferSpec &buffer(const std::string &name) const;
  const KernelSpec &kernel(const std::string &name) const;
  const EntrySpec &entry(const std::string &name) const;
};

/// Parses and validates manifest JSON text. `origin` (usually the file path)
/// prefixes every error message. Throws ManifestError.
Manifest parseManifest(const std::string &jsonText,
                       const std::string &origin = "manifest.json");

} // namespace ida

#endif // IDA_RUNTIME_BUNDLE_MANIFEST_H

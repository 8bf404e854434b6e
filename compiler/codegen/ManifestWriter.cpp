//===- ManifestWriter.cpp - manifest.json from kernel-level IR ------------===//
//
// Entries are the host functions (`ida.entry`), named after the function
// (forward, forward_vjp, decode, ...). Their buffers come from the
// `ida.buffer` argument attributes (inputs and outputs, in argument order)
// and from `ida.alloc` (temps). Buffer names are global in a bundle, so a
// name that two entries use with different specs (decode's q is [B, H, D],
// the forward's [B, T, H, D]) is renamed in the later entry to
// `<entry>_<name>`. Kernel args come from the launch operands (the launch is
// what binds buffers), with absent optional slots left out: the generated
// wrapper restores the template's buffer order (KernelSource.cpp).
//
// An input is `optional` when every kernel slot it feeds accepts null
// (initial states, final-state cotangents, `g` with uniform weights).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/ManifestWriter.h"

#include "compiler/codegen/KernelInfo.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SHA256.h"

#include <map>
#include <set>

using namespace mlir;
using namespace mlir::ida;
using namespace mlir::ida::codegen;

std::string codegen::sha256Hex(StringRef text) {
  std::array<uint8_t, 32> digest = llvm::SHA256::hash(
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(text.data()),
                        text.size()));
  return llvm::toHex(digest, /*LowerCase=*/true);
}

namespace {

bool isIdentifier(StringRef s) {
  if (s.empty() || !(llvm::isAlpha(s[0]) || s[0] == '_'))
    return false;
  return llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::string dtypeOf(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF64())
    return "f64";
  if (type.isBF16())
    return "bf16";
  if (type.isF16())
    return "f16";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(64))
    return "i64";
  return "";
}

struct BufferSpec {
  std::string role; // input, output, temp
  std::string dtype;
  std::vector<std::string> shape;
  bool optional = false;

  bool operator==(const BufferSpec &o) const {
    return role == o.role && dtype == o.dtype && shape == o.shape &&
           optional == o.optional;
  }
  JValue json() const {
    JValue v = JValue::object();
    v.set("role", role);
    v.set("dtype", dtype);
    JValue extents = JValue::array();
    for (const std::string &e : shape)
      extents.push(JValue::extent(e));
    v.set("shape", std::move(extents));
    if (optional)
      v.set("optional", true);
    return v;
  }
};

/// A buffer of one host function.
struct LocalBuffer {
  std::string name;
  BufferSpec spec;
  /// Every (kernel, slot) it is passed to; decides `optional`.
  bool allUsesNullable = true;
  bool used = false;
  std::string globalName;
};

struct Step {
  KernelOp kernel;
  KernelInfo info;
  /// Local buffer index of each passed buffer arg (workspaces: -1).
  std::vector<int> operands;
};

struct Entry {
  func::FuncOp func;
  std::string name;
  std::vector<LocalBuffer> buffers;
  std::vector<unsigned> inputs, outputs;
  std::vector<Step> steps;
};

class ManifestBuilder {
public:
  ManifestBuilder(ModuleOp module, const ManifestOptions &options)
      : module(module), options(options), symbols(module) {}

  FailureOr<ManifestResult> run();

private:
  LogicalResult readEntry(func::FuncOp func);
  LogicalResult nameBuffers();
  FailureOr<JValue> kernelJson(const Step &step, const Entry &entry);

  ModuleOp module;
  const ManifestOptions &options;
  SymbolTable symbols;
  std::vector<Entry> entries;
  /// Global buffer name -> spec, in first-use order.
  std::vector<std::pair<std::string, BufferSpec>> globals;
  ManifestResult result;
};

LogicalResult ManifestBuilder::readEntry(func::FuncOp func) {
  Entry entry;
  entry.func = func;
  entry.name = func.getSymName().str();
  if (!isIdentifier(entry.name))
    return func.emitOpError()
           << "name '" << entry.name
           << "' cannot name a bundle entry (letters, digits and '_', not "
              "starting with a digit)";
  llvm::DenseMap<Value, int> index;
  llvm::StringSet<> names;
  auto add = [&](Value value, LocalBuffer buffer, Operation *at) -> LogicalResult {
    if (!isIdentifier(buffer.name))
      return at->emitOpError() << "buffer name '" << buffer.name
                               << "' is not an identifier";
    if (!names.insert(buffer.name).second)
      return at->emitOpError()
             << "has two buffers named '" << buffer.name << "'";
    index[value] = entry.buffers.size();
    entry.buffers.push_back(std::move(buffer));
    return success();
  };

  for (BlockArgument arg : func.getArguments()) {
    auto attr = func.getArgAttrOfType<DictionaryAttr>(arg.getArgNumber(),
                                                      "ida.buffer");
    auto name = attr ? dyn_cast_or_null<StringAttr>(attr.get("name")) : nullptr;
    auto role = attr ? dyn_cast_or_null<StringAttr>(attr.get("role")) : nullptr;
    auto dtype = attr ? dyn_cast_or_null<StringAttr>(attr.get("dtype")) : nullptr;
    auto shape = attr ? dyn_cast_or_null<ArrayAttr>(attr.get("shape")) : nullptr;
    if (!name || !role || !dtype || !shape ||
        (role.getValue() != "input" && role.getValue() != "output"))
      return func.emitOpError()
             << "argument #" << arg.getArgNumber()
             << " has no valid 'ida.buffer' attribute {name, role = input | "
                "output, dtype, shape}; is this the output of --ida-pipeline?";
    LocalBuffer buffer;
    buffer.name = name.getValue().str();
    buffer.spec.role = role.getValue().str();
    buffer.spec.dtype = dtype.getValue().str();
    for (Attribute e : shape)
      buffer.spec.shape.push_back(cast<StringAttr>(e).getValue().str());
    (buffer.spec.role == "input" ? entry.inputs : entry.outputs)
        .push_back(entry.buffers.size());
    if (failed(add(arg, std::move(buffer), func)))
      return failure();
  }

  for (Operation &op : func.getBody().front()) {
    if (auto alloc = dyn_cast<AllocOp>(op)) {
      LocalBuffer buffer;
      buffer.name = alloc.getName().str();
      buffer.spec.role = "temp";
      buffer.spec.dtype = dtypeOf(alloc.getBuffer().getType().getElementType());
      for (Attribute e : alloc.getShape())
        buffer.spec.shape.push_back(cast<StringAttr>(e).getValue().str());
      if (buffer.spec.dtype.empty())
        return alloc.emitOpError() << "has an element type bundles cannot "
                                      "hold";
      if (failed(add(alloc.getBuffer(), std::move(buffer), alloc)))
        return failure();
      continue;
    }
    if (auto launch = dyn_cast<LaunchOp>(op)) {
      auto kernel = symbols.lookup<KernelOp>(launch.getKernel());
      if (!kernel)
        return launch.emitOpError()
               << "launches '" << launch.getKernel() << "', not an ida.kernel";
      FailureOr<KernelInfo> info = readKernel(kernel);
      if (failed(info))
        return failure();
      Step step{kernel, std::move(*info), {}};
      auto operands = launch.getBuffers();
      unsigned next = 0;
      StringRef basis = step.info.param("basis");
      for (const ArgSlot &arg : step.info.args) {
        if (arg.kind == ArgSlot::Kind::Absent)
          continue;
        if (arg.kind == ArgSlot::Kind::Workspace) {
          step.operands.push_back(-1);
          continue;
        }
        if (next >= operands.size())
          return launch.emitOpError()
                 << "passes " << operands.size() << " buffers, but @"
                 << step.info.symbol << " takes more";
        auto it = index.find(operands[next++]);
        if (it == index.end())
          return launch.emitOpError()
                 << "operand #" << (next - 1)
                 << " is neither an argument of the host function nor an "
                    "ida.alloc";
        LocalBuffer &buffer = entry.buffers[it->second];
        buffer.used = true;
        if (!isNullableSlot(*step.info.desc, arg.slotName, basis))
          buffer.allUsesNullable = false;
        step.operands.push_back(it->second);
      }
      if (next != operands.size())
        return launch.emitOpError()
               << "passes " << operands.size() << " buffers, but @"
               << step.info.symbol << " takes " << next;
      entry.steps.push_back(std::move(step));
      continue;
    }
    if (isa<func::ReturnOp>(op))
      continue;
    return op.emitOpError()
           << "cannot be part of a bundle entry (host functions hold only "
              "ida.alloc, ida.launch and return)";
  }
  if (entry.steps.empty())
    return func.emitOpError() << "launches no kernel";
  for (unsigned i : entry.inputs) {
    LocalBuffer &b = entry.buffers[i];
    b.spec.optional = !b.used || b.allUsesNullable;
  }
  entries.push_back(std::move(entry));
  return success();
}

LogicalResult ManifestBuilder::nameBuffers() {
  llvm::StringSet<> taken;
  for (Entry &entry : entries) {
    for (LocalBuffer &buffer : entry.buffers) {
      auto it = llvm::find_if(globals, [&](const auto &g) {
        return g.first == buffer.name;
      });
      if (it != globals.end() && it->second == buffer.spec) {
        buffer.globalName = buffer.name;
        continue;
      }
      std::string name = buffer.name;
      if (it != globals.end()) {
        name = entry.name + "_" + buffer.name;
        for (unsigned i = 2; taken.contains(name); ++i)
          name = entry.name + "_" + buffer.name + "_" + std::to_string(i);
      }
      taken.insert(name);
      buffer.globalName = name;
      globals.emplace_back(name, buffer.spec);
    }
  }
  return success();
}

FailureOr<JValue> ManifestBuilder::kernelJson(const Step &step, const Entry &entry) {
  const KernelInfo &k = step.info;
  KernelOp kernel = step.kernel;
  JValue v = JValue::object();
  v.set("template", k.desc->name);
  v.set("origin", k.origin.empty() ? std::string(k.desc->opName)
                                   : k.origin + " " + k.desc->opName.str());

  JValue sources = JValue::object();
  for (Target target : options.targets) {
    std::string reason = unsupportedReason(kernel, target);
    if (!reason.empty()) {
      kernel.emitWarning()
          << "no " << targetName(target) << " source: " << reason;
      continue;
    }
    std::string path = "kernels/" + k.symbol + sourceSuffix(target).str();
    sources.set(targetName(target), path);
    result.sources.push_back({kernel, target, path});
  }
  if (sources.getKind() == JValue::Kind::Object && !sources.find("cpu") &&
      !sources.find("cuda"))
    return kernel.emitOpError()
           << "has no source for any requested target";
  v.set("sources", std::move(sources));

  JValue args = JValue::array();
  unsigned operand = 0;
  for (const ArgSlot &arg : k.args) {
    if (arg.kind == ArgSlot::Kind::Absent)
      continue;
    int local = step.operands[operand++];
    if (arg.kind == ArgSlot::Kind::Workspace)
      args.push("@" + arg.name);
    else
      args.push(entry.buffers[local].globalName);
  }
  v.set("args", std::move(args));

  if (!k.workspaces.empty()) {
    JValue ws = JValue::object();
    for (const WorkspaceInfo &w : k.workspaces) {
      JValue spec = JValue::object();
      spec.set("dtype", w.dtype);
      JValue shape = JValue::array();
      for (const std::string &e : w.shape)
        shape.push(JValue::extent(e));
      spec.set("shape", std::move(shape));
      spec.set("zero", true);
      ws.set(w.name, std::move(spec));
    }
    v.set("workspaces", std::move(ws));
  }

  bool cuda = llvm::is_contained(options.targets, Target::CUDA);
  JValue programs = JValue::array();
  for (const ProgramInfo &p : k.programs) {
    JValue prog = JValue::object();
    prog.set("symbol", p.symbol);
    JValue grid = JValue::array();
    for (const std::string &g : p.grid)
      grid.push(JValue::extent(g));
    prog.set("grid", std::move(grid));
    prog.set("threads", JValue::extent(p.threads));
    std::string smem =
        p.smem == "0" && cuda ? std::to_string(options.cudaSmem) : p.smem;
    prog.set("smem", JValue::extent(smem));
    programs.push(std::move(prog));
  }
  v.set("programs", std::move(programs));

  if (!k.keys.empty()) {
    JValue space = JValue::object();
    JValue keys = JValue::array();
    for (const std::string &key : k.keys)
      keys.push(key);
    space.set("keys", std::move(keys));
    JValue configs = JValue::array();
    for (const std::vector<int64_t> &row : k.configs) {
      JValue values = JValue::array();
      for (int64_t value : row)
        values.push(value);
      configs.push(std::move(values));
    }
    space.set("configs", std::move(configs));
    v.set("space", std::move(space));
    JValue defaults = JValue::object();
    for (const auto &[key, value] : k.defaultConfig)
      defaults.set(key, value);
    v.set("default", std::move(defaults));
  }

  // Extension: the static parameters, for tools and tests.
  JValue params = JValue::object();
  for (const auto &[name, value] : k.params) {
    int64_t number;
    if (value == "true" || value == "false")
      params.set(name, value == "true");
    else if (!StringRef(value).getAsInteger(10, number))
      params.set(name, number);
    else
      params.set(name, value);
  }
  v.set("x-static", std::move(params));
  return v;
}

FailureOr<ManifestResult> ManifestBuilder::run() {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func->hasAttr("ida.entry"))
      continue;
    if (failed(readEntry(func)))
      return failure();
  }
  if (entries.empty())
    return module.emitError()
           << "no entry functions: the module has no func.func marked "
              "'ida.entry' (run --ida-pipeline first)";

  // H is a launch argument every kernel reads; one graph has one H.
  std::optional<int64_t> heads;
  KernelOp headsFrom;
  for (auto kernel : module.getOps<KernelOp>()) {
    auto h = dyn_cast_or_null<IntegerAttr>(kernel.getStaticParams().get("H"));
    if (!h)
      return kernel.emitOpError() << "static_params has no integer 'H'";
    if (heads && *heads != h.getInt()) {
      InFlightDiagnostic diag =
          kernel.emitOpError()
          << "has H = " << h.getInt() << ", but @" << headsFrom.getSymName()
          << " has H = " << *heads
          << "; a bundle binds one head count (IdaKernelArgs::H) for every "
             "kernel";
      return diag;
    }
    heads = h.getInt();
    headsFrom = kernel;
  }
  if (failed(nameBuffers()))
    return failure();

  JValue &m = result.manifest;
  m = JValue::object();
  m.set("format", "ida-bundle/1");
  m.set("compiler_version", compilerVersion());
  if (!options.graphHash.empty())
    m.set("graph_hash", options.graphHash);
  if (!options.graphPath.empty())
    m.set("graph", options.graphPath);
  JValue statics = JValue::object();
  if (heads)
    statics.set("H", *heads);
  m.set("static", std::move(statics));

  JValue buffers = JValue::object();
  for (const auto &[name, spec] : globals)
    buffers.set(name, spec.json());
  m.set("buffers", std::move(buffers));

  JValue kernels = JValue::object();
  llvm::StringMap<std::string> kernelEntry;
  for (const Entry &entry : entries)
    for (const Step &step : entry.steps) {
      auto [it, fresh] = kernelEntry.try_emplace(step.info.symbol, entry.name);
      if (!fresh) {
        if (it->second != entry.name)
          return KernelOp(step.kernel).emitOpError()
                 << "is launched by two entries ('" << it->second << "' and '"
                 << entry.name << "'); give each its own kernel";
        continue;
      }
      FailureOr<JValue> json = kernelJson(step, entry);
      if (failed(json))
        return failure();
      kernels.set(step.info.symbol, std::move(*json));
    }
  m.set("kernels", std::move(kernels));

  JValue entriesJson = JValue::object();
  for (const Entry &entry : entries) {
    JValue e = JValue::object();
    JValue inputs = JValue::array(), outputs = JValue::array(),
           steps = JValue::array();
    for (unsigned i : entry.inputs)
      inputs.push(entry.buffers[i].globalName);
    for (unsigned i : entry.outputs)
      outputs.push(entry.buffers[i].globalName);
    for (const Step &step : entry.steps) {
      JValue s = JValue::object();
      s.set("kernel", step.info.symbol);
      steps.push(std::move(s));
    }
    e.set("inputs", std::move(inputs));
    e.set("outputs", std::move(outputs));
    e.set("steps", std::move(steps));
    entriesJson.set(entry.name, std::move(e));
  }
  m.set("entries", std::move(entriesJson));
  for (const auto &[key, value] : options.extensions)
    m.set(key, value);
  return std::move(result);
}

} // namespace

FailureOr<ManifestResult>
codegen::buildManifest(ModuleOp module, const ManifestOptions &options) {
  return ManifestBuilder(module, options).run();
}

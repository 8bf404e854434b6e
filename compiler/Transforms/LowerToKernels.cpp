//===- LowerToKernels.cpp - ida-lower-to-kernels --------------------------===//
//
// Turns each planned ida.fused group into ida.kernel symbols (from the
// template catalog) and each function into a host function over memrefs that
// allocates temporaries and sequences ida.launch (docs/compiler.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/TemplateCatalog.h"
#include "compiler/Transforms/Passes.h"
#include "dialect/IdaOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

namespace mlir::ida {
#define GEN_PASS_DEF_IDALOWERTOKERNELS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::ida

using namespace mlir;
using namespace mlir::ida;

namespace {

/// "file:line:col" of a location (the first file location inside it).
std::string originOf(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue() << ":" << file.getLine() << ":"
       << file.getColumn();
    return text;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations()) {
      std::string found = originOf(inner);
      if (!found.empty())
        return found;
    }
    return "";
  }
  if (auto name = dyn_cast<NameLoc>(loc))
    return originOf(name.getChildLoc());
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return originOf(call.getCallee());
  return "";
}

MemRefType toMemRef(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

class FunctionLowering {
public:
  FunctionLowering(ModuleOp module, func::FuncOp func,
                   llvm::StringMap<std::string> &registry)
      : module(module), func(func), builder(func.getContext()),
        registry(registry) {}

  LogicalResult run() {
    Block &body = func.getBody().front();
    SmallVector<FusedOp> groups;
    for (Operation &op : body) {
      if (auto group = dyn_cast<FusedOp>(op)) {
        groups.push_back(group);
        continue;
      }
      if (isa<func::ReturnOp>(op))
        continue;
      return op.emitOpError()
             << "is not supported by ida-lower-to-kernels: only fused ida "
                "groups become kernels (elementwise ops such as residual "
                "sums belong to the host program or the runtime's layers)";
    }
    if (groups.empty())
      return success();
    for (Type type : func.getFunctionType().getResults())
      if (!isa<RankedTensorType>(type))
        return func.emitOpError()
               << "result type " << type
               << " is not supported by ida-lower-to-kernels (expected "
                  "ranked tensors)";
    for (Type type : func.getFunctionType().getInputs())
      if (!isa<RankedTensorType>(type))
        return func.emitOpError()
               << "argument type " << type
               << " is not supported by ida-lower-to-kernels (expected "
                  "ranked tensors)";

    // The host function: inputs, then one output buffer per result.
    FunctionType type = func.getFunctionType();
    SmallVector<Type> args;
    for (Type input : type.getInputs())
      args.push_back(toMemRef(input));
    for (Type result : type.getResults())
      args.push_back(toMemRef(result));
    builder.setInsertionPoint(func);
    host = builder.create<func::FuncOp>(func.getLoc(),
                                        (func.getName() + ".host").str(),
                                        builder.getFunctionType(args, {}));
    host.setVisibility(func.getVisibility());
    Block *entry = host.addEntryBlock();
    for (auto [oldArg, newArg] :
         llvm::zip(body.getArguments(), entry->getArguments()))
      buffers[oldArg] = newArg;

    auto ret = cast<func::ReturnOp>(body.getTerminator());
    for (auto [index, value] : llvm::enumerate(ret.getOperands())) {
      if (isa<BlockArgument>(value))
        return ret.emitOpError()
               << "returns input #" << cast<BlockArgument>(value).getArgNumber()
               << " directly; ida-lower-to-kernels needs every result to be "
                  "written by a kernel";
      if (returned.count(value))
        return ret.emitOpError() << "returns the same value twice (results #"
                                 << returned[value] << " and #" << index
                                 << "); each output needs its own buffer";
      returned[value] = index;
    }

    builder.setInsertionPointToStart(entry);
    for (auto [index, group] : llvm::enumerate(groups))
      if (failed(lowerGroup(group, index)))
        return failure();
    builder.create<func::ReturnOp>(func.getLoc());

    // Name and describe every buffer argument.
    for (unsigned i = 0; i < entry->getNumArguments(); ++i) {
      BlockArgument arg = entry->getArgument(i);
      bool output = i >= type.getNumInputs();
      std::string name = names.lookup(arg);
      std::vector<std::string> shape = shapes.lookup(arg);
      auto memref = cast<MemRefType>(arg.getType());
      if (name.empty()) {
        unsigned dynamic = 0;
        shape.clear();
        for (int64_t dim : memref.getShape())
          shape.push_back(ShapedType::isDynamic(dim)
                              ? std::string(dynamic++ == 0 ? "B" : "T")
                              : std::to_string(dim));
        name = unique(output ? "out" + std::to_string(i - type.getNumInputs())
                             : "in" + std::to_string(i),
                      output ? "output" : "input", memref.getElementType(),
                      shape);
      }
      SmallVector<Attribute> extents;
      for (const std::string &e : shape)
        extents.push_back(builder.getStringAttr(e));
      host.setArgAttr(
          i, "ida.buffer",
          builder.getDictionaryAttr(
              {builder.getNamedAttr("name", builder.getStringAttr(name)),
               builder.getNamedAttr("role", builder.getStringAttr(
                                                output ? "output" : "input")),
               builder.getNamedAttr(
                   "dtype", builder.getStringAttr(catalog::dtypeName(
                                memref.getElementType()))),
               builder.getNamedAttr("shape", builder.getArrayAttr(extents))}));
    }
    host->setAttr("ida.entry", builder.getUnitAttr());
    StringRef name = func.getName();
    std::string keep = name.str();
    func.erase();
    host.setName(keep);
    return success();
  }

private:
  /// A buffer name for `base` that is unique in this function and, across
  /// the module, is shared only by buffers with the same role, dtype and
  /// shape (the manifest has one buffer namespace for all entries).
  std::string unique(StringRef base, StringRef role, Type element,
                     ArrayRef<std::string> shape) {
    std::string signature =
        (role + "|" + catalog::dtypeName(element) + "|").str();
    for (const std::string &e : shape)
      signature += e + ",";
    std::string name = base.str();
    for (unsigned i = 1;; ++i) {
      auto it = registry.find(name);
      if (!used.contains(name) &&
          (it == registry.end() || it->second == signature))
        break;
      name = (base + "_" + Twine(i)).str();
    }
    used.insert(name);
    registry[name] = signature;
    return name;
  }

  /// The `ida.name` a graph gives an argument or result, else `fallback`.
  static StringRef userName(DictionaryAttr attrs, StringRef fallback) {
    if (attrs)
      if (auto name = dyn_cast_or_null<StringAttr>(attrs.get("ida.name")))
        return name.getValue();
    return fallback;
  }

  /// The host buffer of group result `result` written through `slot`.
  Value outputBuffer(Value result, StringRef slot, const catalog::GroupInfo &info) {
    auto it = buffers.find(result);
    if (it != buffers.end())
      return it->second;
    Value buffer;
    std::string name;
    auto ret = returned.find(result);
    if (ret != returned.end()) {
      buffer = host.getArgument(func.getNumArguments() + ret->second);
      name = unique(userName(func.getResultAttrDict(ret->second), slot),
                    "output", getElementTypeOrSelf(result.getType()),
                    catalog::slotShape(info, slot));
    } else {
      name = unique(("tmp_" + slot).str(), "temp",
                    getElementTypeOrSelf(result.getType()),
                    catalog::slotShape(info, slot));
      buffer = builder.create<AllocOp>(
          result.getLoc(), toMemRef(result.getType()),
          builder.getStringAttr(name),
          builder.getStrArrayAttr(
              llvm::to_vector_of<StringRef>(catalog::slotShape(info, slot))));
    }
    names[buffer] = name;
    shapes[buffer] = catalog::slotShape(info, slot);
    buffers[result] = buffer;
    return buffer;
  }

  LogicalResult lowerGroup(FusedOp group, unsigned index) {
    FailureOr<catalog::GroupInfo> info = catalog::analyzeGroup(group);
    if (failed(info))
      return failure();
    DictionaryAttr plan = group.getPlanAttr();
    if (!plan)
      return group.emitOpError() << "has no plan; run ida-plan before "
                                    "ida-lower-to-kernels";
    auto strategy = cast<StringAttr>(plan.get("strategy")).getValue();
    auto space = cast<DictionaryAttr>(plan.get("space"));
    auto defaults = cast<DictionaryAttr>(plan.get("default"));
    auto planKeys = cast<ArrayAttr>(space.get("keys"));
    auto planConfigs = cast<ArrayAttr>(space.get("configs"));

    llvm::StringMap<Value> temps;
    for (const catalog::KernelDesc &desc :
         catalog::kernelsFor(*info, strategy)) {
      std::string symbol = (func.getName() + "_" + desc.templateName + "_" +
                            Twine(index))
                               .str();
      SmallVector<Attribute> argNames;
      SmallVector<Value> operands;
      for (const std::string &slotText : desc.slots) {
        StringRef slot = slotText;
        if (slot.starts_with("@")) {
          argNames.push_back(builder.getStringAttr(slot));
          continue;
        }
        Value buffer;
        if (slot.consume_front("tmp:")) {
          Value &temp = temps[slot];
          if (!temp) {
            std::vector<std::string> shape = catalog::slotShape(*info, slot);
            SmallVector<int64_t> dims;
            int64_t heads = info->role.rfind("softmax", 0) == 0
                                ? info->attn.H
                                : info->scan.H;
            for (const std::string &e : shape) {
              int64_t value;
              if (e == "H")
                dims.push_back(heads);
              else
                dims.push_back(StringRef(e).getAsInteger(10, value)
                                   ? ShapedType::kDynamic
                                   : value);
            }
            Type element =
                catalog::slotDType(*info, slot) == "f32"
                    ? builder.getF32Type()
                    : (info->role.rfind("softmax", 0) == 0 ? info->attn.inT
                                                           : info->scan.inT);
            std::string name =
                unique(("tmp_" + slot).str(), "temp", element, shape);
            temp = builder.create<AllocOp>(
                group.getLoc(), MemRefType::get(dims, element),
                builder.getStringAttr(name),
                builder.getStrArrayAttr(
                    llvm::to_vector_of<StringRef>(shape)));
            names[temp] = name;
          }
          buffer = temp;
        } else if (auto in = info->inputs.find(slot);
                   in != info->inputs.end()) {
          auto it = buffers.find(in->second);
          if (it == buffers.end())
            return group.emitOpError()
                   << "input '" << slot
                   << "' is not a buffer of the host function";
          buffer = it->second;
          if (!names.count(buffer)) {
            shapes[buffer] = catalog::slotShape(*info, slot);
            DictionaryAttr attrs;
            if (auto arg = dyn_cast<BlockArgument>(in->second))
              attrs = func.getArgAttrDict(arg.getArgNumber());
            names[buffer] =
                unique(userName(attrs, slot), "input",
                       getElementTypeOrSelf(buffer.getType()), shapes[buffer]);
          }
        } else if (auto out = info->outputs.find(slot);
                   out != info->outputs.end()) {
          buffer = outputBuffer(group.getResult(out->second), slot, *info);
        }
        if (!buffer) {
          argNames.push_back(builder.getStringAttr(""));
          continue;
        }
        if (llvm::is_contained(operands, buffer))
          return group.emitOpError()
                 << "buffer '" << names[buffer] << "' would be passed to "
                 << "kernel '" << symbol << "' twice (again as '" << slot
                 << "'); a bundle kernel takes each buffer once, so pass "
                    "separate function arguments";
        argNames.push_back(builder.getStringAttr(names[buffer]));
        operands.push_back(buffer);
      }
      // Trailing absent slots are dropped.
      while (!argNames.empty() &&
             cast<StringAttr>(argNames.back()).getValue().empty())
        argNames.pop_back();

      // Project the group's space onto this kernel's keys.
      SmallVector<unsigned> positions;
      SmallVector<Attribute> keys;
      for (const std::string &key : desc.keys)
        for (auto [i, planKey] : llvm::enumerate(planKeys))
          if (cast<StringAttr>(planKey).getValue() == key) {
            positions.push_back(i);
            keys.push_back(planKey);
          }
      SmallVector<Attribute> configs;
      std::set<std::vector<int64_t>> seen;
      for (Attribute config : planConfigs) {
        auto values = cast<ArrayAttr>(config);
        std::vector<int64_t> projected;
        for (unsigned p : positions)
          projected.push_back(cast<IntegerAttr>(values[p]).getInt());
        if (seen.insert(projected).second)
          configs.push_back(builder.getI64ArrayAttr(projected));
      }
      SmallVector<NamedAttribute> defaultConfig;
      for (Attribute key : keys)
        defaultConfig.push_back(builder.getNamedAttr(
            cast<StringAttr>(key), defaults.get(cast<StringAttr>(key))));

      SmallVector<Attribute> workspaces;
      for (const catalog::Workspace &ws : desc.workspaces)
        workspaces.push_back(builder.getDictionaryAttr(
            {builder.getNamedAttr("name", builder.getStringAttr(ws.name)),
             builder.getNamedAttr("dtype", builder.getStringAttr(ws.dtype)),
             builder.getNamedAttr(
                 "shape", builder.getStrArrayAttr(
                              llvm::to_vector_of<StringRef>(ws.shape)))}));
      bool hasWarps = llvm::is_contained(desc.keys, "NUM_WARPS");
      SmallVector<Attribute> programs;
      for (const catalog::Program &program : desc.programs)
        programs.push_back(builder.getDictionaryAttr(
            {builder.getNamedAttr(
                 "symbol", builder.getStringAttr(symbol + "_" + program.suffix)),
             builder.getNamedAttr("program",
                                  builder.getStringAttr(program.programClass)),
             builder.getNamedAttr(
                 "grid", builder.getStrArrayAttr({program.grid[0],
                                                  program.grid[1],
                                                  program.grid[2]})),
             builder.getNamedAttr("threads",
                                  builder.getStringAttr(
                                      hasWarps ? "32 * NUM_WARPS" : "128")),
             builder.getNamedAttr("smem", builder.getStringAttr("0"))}));

      OpBuilder moduleBuilder(host);
      auto kernel = moduleBuilder.create<KernelOp>(
          group.getLoc(), builder.getStringAttr(symbol),
          builder.getStringAttr(desc.templateName),
          builder.getStringAttr(originOf(info->origin)),
          catalog::staticParams(builder, *info),
          builder.getArrayAttr(argNames), builder.getArrayAttr(workspaces),
          builder.getArrayAttr(programs),
          builder.getDictionaryAttr(
              {builder.getNamedAttr("keys", builder.getArrayAttr(keys)),
               builder.getNamedAttr("configs", builder.getArrayAttr(configs))}),
          builder.getDictionaryAttr(defaultConfig));
      if (failed(kernel.verify()))
        return failure();
      builder.create<LaunchOp>(group.getLoc(),
                               FlatSymbolRefAttr::get(kernel.getSymNameAttr()),
                               operands);
    }
    for (auto [i, result] : llvm::enumerate(group.getResults()))
      if (!buffers.count(result))
        return group.emitOpError()
               << "result #" << i << " is not written by any kernel";
    return success();
  }

  ModuleOp module;
  func::FuncOp func;
  func::FuncOp host;
  OpBuilder builder;
  llvm::DenseMap<Value, Value> buffers; // tensor value -> host memref
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Value, std::vector<std::string>> shapes;
  llvm::DenseMap<Value, unsigned> returned; // value -> result position
  llvm::StringSet<> used;
  /// Module-wide: buffer name -> "role|dtype|shape".
  llvm::StringMap<std::string> &registry;
};

struct LowerToKernelsPass
    : public ida::impl::IdaLowerToKernelsBase<LowerToKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    llvm::StringMap<std::string> registry;
    for (func::FuncOp func : funcs)
      if (failed(FunctionLowering(module, func, registry).run()))
        return signalPassFailure();
  }
};

} // namespace

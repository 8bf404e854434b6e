//===- IdaKernelOps.cpp - Fusion groups and kernel-level ops ---------------===//
//
// Verifiers of ida.fused, ida.yield, ida.kernel, ida.launch and ida.alloc,
// and the checker of the runtime's expression language (shapes, grids).
//
//===----------------------------------------------------------------------===//

#include "dialect/IdaOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cctype>

using namespace mlir;
using namespace mlir::ida;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

namespace {

/// Recursive-descent checker of the runtime's expression language:
///   expr := term (('+' | '-') term)*
///   term := unary (('*' | '/' | '%') unary)*
///   unary := '-' unary | atom
///   atom := integer | name | name '(' expr ',' expr ')' | '(' expr ')'
/// where a call is one of cdiv, min, max.
class ExprChecker {
public:
  ExprChecker(StringRef text, const llvm::StringSet<> &names)
      : text(text), names(names) {}

  bool check(std::string &why) {
    if (!parseExpr(why))
      return false;
    skip();
    if (pos != text.size()) {
      why = "unexpected '" + text.substr(pos, 1).str() + "' at column " +
            std::to_string(pos + 1);
      return false;
    }
    return true;
  }

private:
  void skip() {
    while (pos < text.size() && text[pos] == ' ')
      ++pos;
  }
  bool peek(char c) {
    skip();
    return pos < text.size() && text[pos] == c;
  }
  bool parseExpr(std::string &why) {
    if (!parseTerm(why))
      return false;
    while (peek('+') || peek('-')) {
      ++pos;
      if (!parseTerm(why))
        return false;
    }
    return true;
  }
  bool parseTerm(std::string &why) {
    if (!parseUnary(why))
      return false;
    while (peek('*') || peek('/') || peek('%')) {
      ++pos;
      if (!parseUnary(why))
        return false;
    }
    return true;
  }
  bool parseUnary(std::string &why) {
    if (peek('-')) {
      ++pos;
      return parseUnary(why);
    }
    return parseAtom(why);
  }
  bool parseAtom(std::string &why) {
    skip();
    if (pos >= text.size()) {
      why = "unexpected end of expression";
      return false;
    }
    char c = text[pos];
    if (c == '(') {
      ++pos;
      if (!parseExpr(why))
        return false;
      if (!peek(')')) {
        why = "expected ')' at column " + std::to_string(pos + 1);
        return false;
      }
      ++pos;
      return true;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      while (pos < text.size() &&
             std::isdigit(static_cast<unsigned char>(text[pos])))
        ++pos;
      return true;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = pos;
      while (pos < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[pos])) ||
              text[pos] == '_'))
        ++pos;
      StringRef name = text.slice(start, pos);
      if (peek('(')) {
        if (name != "cdiv" && name != "min" && name != "max") {
          why = "unknown function '" + name.str() +
                "' (expected cdiv, min or max)";
          return false;
        }
        ++pos;
        if (!parseExpr(why))
          return false;
        if (!peek(',')) {
          why = "expected ',' in call to '" + name.str() + "'";
          return false;
        }
        ++pos;
        if (!parseExpr(why))
          return false;
        if (!peek(')')) {
          why = "expected ')' closing call to '" + name.str() + "'";
          return false;
        }
        ++pos;
        return true;
      }
      if (!names.contains(name)) {
        why = "unknown name '" + name.str() + "'";
        return false;
      }
      return true;
    }
    why = "unexpected '" + std::string(1, c) + "' at column " +
          std::to_string(pos + 1);
    return false;
  }

  StringRef text;
  const llvm::StringSet<> &names;
  size_t pos = 0;
};

} // namespace

bool mlir::ida::checkExpression(StringRef text, ArrayRef<StringRef> extraNames,
                                std::string &why) {
  llvm::StringSet<> names;
  for (StringRef dim : {"B", "T", "H"})
    names.insert(dim);
  for (StringRef name : extraNames)
    names.insert(name);
  return ExprChecker(text, names).check(why);
}

//===----------------------------------------------------------------------===//
// Tuning spaces
//===----------------------------------------------------------------------===//

LogicalResult mlir::ida::verifyTuningSpace(Operation *op, DictionaryAttr space,
                                           DictionaryAttr defaultConfig,
                                           StringRef what) {
  auto keys = llvm::dyn_cast_or_null<ArrayAttr>(space.get("keys"));
  auto configs = llvm::dyn_cast_or_null<ArrayAttr>(space.get("configs"));
  if (!keys || !configs)
    return op->emitOpError() << "expected " << what
                             << " to have array entries 'keys' and 'configs'";
  llvm::StringSet<> seen;
  for (Attribute key : keys) {
    auto name = llvm::dyn_cast<StringAttr>(key);
    if (!name || name.getValue().empty())
      return op->emitOpError()
             << "expected " << what << " keys to be non-empty strings";
    if (!seen.insert(name.getValue()).second)
      return op->emitOpError() << "tuning key '" << name.getValue()
                               << "' appears twice in " << what;
  }
  if (configs.empty())
    return op->emitOpError() << "expected " << what
                             << " to hold at least one configuration";
  int64_t defaultIndex = -1;
  for (auto [index, config] : llvm::enumerate(configs)) {
    auto values = llvm::dyn_cast<ArrayAttr>(config);
    if (!values || values.size() != keys.size())
      return op->emitOpError()
             << "expected configuration #" << index << " of " << what
             << " to have " << keys.size() << " integer(s), one per key";
    bool isDefault = static_cast<bool>(defaultConfig);
    for (auto [key, value] : llvm::zip(keys, values)) {
      auto integer = llvm::dyn_cast<IntegerAttr>(value);
      if (!integer)
        return op->emitOpError() << "expected configuration #" << index
                                 << " of " << what << " to hold integers";
      if (!defaultConfig)
        continue;
      auto chosen = llvm::dyn_cast_or_null<IntegerAttr>(
          defaultConfig.get(llvm::cast<StringAttr>(key).getValue()));
      if (!chosen || chosen.getInt() != integer.getInt())
        isDefault = false;
    }
    if (isDefault && defaultIndex < 0)
      defaultIndex = index;
  }
  if (!defaultConfig)
    return success();
  if (defaultConfig.size() != keys.size() || defaultIndex < 0)
    return op->emitOpError() << "expected the default configuration "
                             << defaultConfig << " to be one of the "
                             << configs.size() << " configuration(s) of "
                             << what;
  return success();
}

//===----------------------------------------------------------------------===//
// FusedOp / YieldOp
//===----------------------------------------------------------------------===//

bool FusedOp::isKnownRole(StringRef role) {
  return llvm::is_contained({"scan_fwd", "scan_bwd", "decode",
                             "softmax_attn_fwd", "softmax_attn_bwd"},
                            role);
}

LogicalResult FusedOp::verify() {
  if (!isKnownRole(getRole()))
    return emitOpError() << "unknown role '" << getRole()
                         << "' (expected scan_fwd, scan_bwd, decode, "
                            "softmax_attn_fwd or softmax_attn_bwd)";
  Block &body = getBodyBlock();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "expected " << getInputs().size()
                         << " block argument(s), one per input, got "
                         << body.getNumArguments();
  for (auto [index, input, arg] :
       llvm::enumerate(getInputs(), body.getArguments()))
    if (input.getType() != arg.getType())
      return emitOpError() << "expected block argument #" << index
                           << " to have type " << input.getType() << ", got "
                           << arg.getType();
  auto yield = llvm::dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "expected the body to end with ida.yield";
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "expected ida.yield to yield the result types "
                         << getResultTypes();
  if (DictionaryAttr plan = getPlanAttr()) {
    auto strategy = llvm::dyn_cast_or_null<StringAttr>(plan.get("strategy"));
    auto space = llvm::dyn_cast_or_null<DictionaryAttr>(plan.get("space"));
    auto defaults = llvm::dyn_cast_or_null<DictionaryAttr>(plan.get("default"));
    if (!strategy || !space || !defaults)
      return emitOpError() << "expected 'plan' to hold 'strategy' (string), "
                              "'space' and 'default' (dictionaries)";
    return verifyTuningSpace(*this, space, defaults, "the plan's space");
  }
  return success();
}

LogicalResult YieldOp::verify() { return success(); }

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

unsigned KernelOp::getNumBufferArgs() {
  unsigned count = 0;
  for (StringRef arg : getArgs().getAsValueRange<StringAttr>())
    if (!arg.empty() && !arg.starts_with("@"))
      ++count;
  return count;
}

LogicalResult KernelOp::verify() {
  if (getTemplateName().empty())
    return emitOpError() << "expected a non-empty 'template_name'";

  auto keys = llvm::dyn_cast_or_null<ArrayAttr>(getSpace().get("keys"));
  SmallVector<StringRef> names;
  if (keys)
    for (Attribute key : keys)
      if (auto name = llvm::dyn_cast<StringAttr>(key))
        names.push_back(name.getValue());
  if (failed(verifyTuningSpace(*this, getSpace(), getDefaultConfig(),
                               "'space'")))
    return failure();

  auto checkExpr = [&](Attribute attr, const Twine &where) -> LogicalResult {
    auto text = llvm::dyn_cast_or_null<StringAttr>(attr);
    if (!text)
      return emitOpError() << "expected " << where
                           << " to be an expression string";
    std::string why;
    if (checkExpression(text.getValue(), names, why))
      return success();
    return emitOpError() << "bad expression '" << text.getValue() << "' in "
                         << where << ": " << why;
  };

  llvm::StringSet<> workspaceNames;
  for (auto [index, attr] : llvm::enumerate(getWorkspaces())) {
    auto ws = llvm::dyn_cast<DictionaryAttr>(attr);
    auto name = ws ? llvm::dyn_cast_or_null<StringAttr>(ws.get("name"))
                   : StringAttr();
    auto shape =
        ws ? llvm::dyn_cast_or_null<ArrayAttr>(ws.get("shape")) : ArrayAttr();
    if (!name || !shape || !llvm::isa_and_nonnull<StringAttr>(ws.get("dtype")))
      return emitOpError() << "expected workspace #" << index
                           << " to be {name, dtype, shape}";
    if (!workspaceNames.insert(name.getValue()).second)
      return emitOpError() << "workspace '" << name.getValue()
                           << "' is declared twice";
    for (auto [dim, extent] : llvm::enumerate(shape))
      if (failed(checkExpr(extent, "workspace '" + name.getValue() +
                                       "' extent #" + Twine(dim))))
        return failure();
  }

  llvm::StringSet<> seen;
  for (auto [index, arg] :
       llvm::enumerate(getArgs().getAsValueRange<StringAttr>())) {
    if (arg.empty())
      continue;
    if (!seen.insert(arg).second)
      return emitOpError() << "argument '" << arg << "' is passed twice";
    if (arg.starts_with("@") && !workspaceNames.contains(arg.drop_front()))
      return emitOpError() << "argument #" << index << " names unknown workspace '"
                           << arg << "'";
  }
  for (const auto &ws : workspaceNames)
    if (!seen.contains(("@" + ws.getKey()).str()))
      return emitOpError() << "workspace '" << ws.getKey()
                           << "' is never passed to the kernel";

  if (getPrograms().empty())
    return emitOpError() << "expected at least one program";
  for (auto [index, attr] : llvm::enumerate(getPrograms())) {
    auto program = llvm::dyn_cast<DictionaryAttr>(attr);
    auto grid = program ? llvm::dyn_cast_or_null<ArrayAttr>(program.get("grid"))
                        : ArrayAttr();
    if (!program || !llvm::isa_and_nonnull<StringAttr>(program.get("symbol")) ||
        !grid || grid.size() != 3)
      return emitOpError() << "expected program #" << index
                           << " to be {symbol, program, grid = [x, y, z], "
                              "threads, smem}";
    for (auto [dim, extent] : llvm::enumerate(grid))
      if (failed(checkExpr(extent, "program #" + Twine(index) + " grid[" +
                                       Twine(dim) + "]")))
        return failure();
    for (StringRef key : {"threads", "smem"})
      if (Attribute value = program.get(key))
        if (failed(checkExpr(value, "program #" + Twine(index) + " " + key)))
          return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LaunchOp
//===----------------------------------------------------------------------===//

LogicalResult LaunchOp::verify() { return success(); }

LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel =
      symbolTable.lookupNearestSymbolFrom<KernelOp>(*this, getKernelAttr());
  if (!kernel)
    return emitOpError() << "'" << getKernel()
                         << "' does not reference an ida.kernel";
  unsigned expected = kernel.getNumBufferArgs();
  if (getBuffers().size() != expected)
    return emitOpError() << "expected " << expected
                         << " buffer(s) for kernel '" << getKernel()
                         << "' (its args without workspaces and absent "
                            "slots), got "
                         << getBuffers().size();
  return success();
}

//===----------------------------------------------------------------------===//
// AllocOp
//===----------------------------------------------------------------------===//

LogicalResult AllocOp::verify() {
  auto type = llvm::cast<MemRefType>(getBuffer().getType());
  if (getName().empty())
    return emitOpError() << "expected a non-empty buffer name";
  if (static_cast<int64_t>(getShape().size()) != type.getRank())
    return emitOpError() << "expected " << type.getRank()
                         << " shape expression(s), one per dimension, got "
                         << getShape().size();
  for (auto [dim, extent] :
       llvm::enumerate(getShape().getAsValueRange<StringAttr>())) {
    std::string why;
    if (!checkExpression(extent, {}, why))
      return emitOpError() << "bad expression '" << extent << "' in extent #"
                           << dim << ": " << why;
  }
  return success();
}

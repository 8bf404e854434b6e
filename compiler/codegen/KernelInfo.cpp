//===- KernelInfo.cpp - An ida.kernel read as a template instance ---------===//
//
// The template table below restates docs/templates.md ("Kernel programs",
// "Concatenation order"); the buffer orders are the ones the programs index
// (idak::ScanFwdBuf, ScanBwdBuf, AttnBuf).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/KernelInfo.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::ida;
using namespace mlir::ida::codegen;

namespace {

const char *const kScanFwdSlots[] = {
    "q",  "k",   "v",   "dt",       "g",       "A_log", "dt_bias", "W",
    "S0", "Z0",  "y",   "S_T",      "Z_T",     "ws_state", "ws_decay"};
const char *const kDecodeSlots[] = {"q",       "k", "v", "dt", "g",
                                    "A_log",   "dt_bias", "W", "S", "Z",
                                    "y",       "S_new",   "Z_new"};
const char *const kScanBwdSlots[] = {
    "q",   "k",    "v",    "dt", "g",  "A_log", "dt_bias", "W",
    "S0",  "Z0",   "dy",   "dS_T", "dZ_T", "dq", "dk",   "dv",
    "ddt", "dg",   "dS0",  "dZ0",  "ws_state", "ws_param"};
const char *const kReduceSlots[] = {"ws_param", "dA_log", "ddt_bias", "dW"};
const char *const kAttnFwdSlots[] = {"q", "k", "v", "y", "lse"};
const char *const kAttnBwdSlots[] = {"q",  "k",  "v",  "y", "lse",
                                     "dy", "dq", "dk", "dv"};

const char *const kOnePassProgs[] = {"ScanFwdOnePassProgram"};
const char *const kTwoPassProgs[] = {"ScanChunkStatesProgram",
                                     "ScanStatePassingProgram",
                                     "ScanChunkOutputProgram"};
const char *const kDecodeProgs[] = {"ScanDecodeProgram"};
const char *const kBwdProgs[] = {"ScanBwdProgram"};
const char *const kReduceProgs[] = {"ScanBwdParamReduceProgram"};
const char *const kAttnFwdProgs[] = {"SoftmaxAttnFwdProgram"};
const char *const kAttnBwdProgs[] = {"SoftmaxAttnBwdDKDVProgram",
                                     "SoftmaxAttnBwdDQProgram"};

const char *const kOnePassHeaders[] = {"kernels/scan_fwd_onepass.h"};
const char *const kTwoPassHeaders[] = {"kernels/scan_fwd_twopass.h"};
const char *const kDecodeHeaders[] = {"kernels/scan_fwd_onepass.h",
                                      "kernels/scan_decode.h"};
const char *const kBwdHeaders[] = {"kernels/scan_prologue_bwd.h",
                                   "kernels/scan_bwd.h"};
const char *const kAttnFwdHeaders[] = {"kernels/softmax_attn_fwd.h"};
const char *const kAttnBwdHeaders[] = {"kernels/softmax_attn_fwd.h",
                                       "kernels/softmax_attn_bwd.h"};

const TemplateDesc kTemplates[] = {
    {"scan_fwd_onepass", ParamKind::Scan, kScanFwdSlots, kOnePassProgs,
     kOnePassHeaders, false, "ida.scan (forward, onepass)"},
    {"scan_fwd_twopass", ParamKind::Scan, kScanFwdSlots, kTwoPassProgs,
     kTwoPassHeaders, false, "ida.scan (forward, twopass)"},
    {"scan_decode", ParamKind::Scan, kDecodeSlots, kDecodeProgs,
     kDecodeHeaders, true, "ida.decode_step"},
    {"scan_bwd", ParamKind::Scan, kScanBwdSlots, kBwdProgs, kBwdHeaders,
     false, "ida.scan_grad (VJP of ida.scan)"},
    {"scan_bwd_param_reduce", ParamKind::Scan, kReduceSlots, kReduceProgs,
     kBwdHeaders, false, "ida.scan_grad (parameter-gradient reduction)"},
    {"softmax_attn_fwd", ParamKind::Attention, kAttnFwdSlots, kAttnFwdProgs,
     kAttnFwdHeaders, false, "ida.softmax_attention"},
    {"softmax_attn_bwd", ParamKind::Attention, kAttnBwdSlots, kAttnBwdProgs,
     kAttnBwdHeaders, false, "ida.softmax_attention_grad"},
};

std::string attrText(Attribute attr) {
  if (auto i = dyn_cast<IntegerAttr>(attr)) {
    if (i.getType().isInteger(1))
      return i.getValue().getBoolValue() ? "true" : "false";
    return std::to_string(i.getInt());
  }
  if (auto b = dyn_cast<BoolAttr>(attr))
    return b.getValue() ? "true" : "false";
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.getValue().str();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << attr;
  return text;
}

} // namespace

const TemplateDesc *codegen::lookupTemplate(StringRef name) {
  for (const TemplateDesc &desc : kTemplates)
    if (desc.name == name)
      return &desc;
  return nullptr;
}

std::string codegen::knownTemplateNames() {
  std::string names;
  for (const TemplateDesc &desc : kTemplates)
    names += (names.empty() ? "" : ", ") + desc.name.str();
  return names;
}

bool codegen::isNullableSlot(const TemplateDesc &desc, StringRef slot,
                             StringRef basis) {
  if (desc.params != ParamKind::Scan)
    return false;
  if (slot == "g")
    return basis == "uniform" && desc.name != "scan_bwd_param_reduce";
  return llvm::is_contained({"S0", "Z0", "S", "Z", "dS_T", "dZ_T"}, slot);
}

StringRef KernelInfo::param(StringRef name) const {
  for (const auto &[key, value] : params)
    if (key == name)
      return value;
  return "";
}

std::vector<const ArgSlot *> KernelInfo::passedArgs() const {
  std::vector<const ArgSlot *> passed;
  for (const ArgSlot &arg : args)
    if (arg.kind != ArgSlot::Kind::Absent)
      passed.push_back(&arg);
  return passed;
}

bool KernelInfo::needsRemap() const {
  std::vector<const ArgSlot *> passed = passedArgs();
  for (auto [i, arg] : llvm::enumerate(passed))
    if (arg->slot != i)
      return true;
  return false;
}

FailureOr<KernelInfo> codegen::readKernel(KernelOp kernel) {
  KernelInfo info;
  info.symbol = kernel.getSymName().str();
  info.desc = lookupTemplate(kernel.getTemplateName());
  if (!info.desc)
    return kernel.emitOpError()
           << "uses kernel template '" << kernel.getTemplateName()
           << "', which codegen does not know (known: " << knownTemplateNames()
           << ")";
  const TemplateDesc &desc = *info.desc;
  info.origin = kernel.getOrigin().str();
  for (NamedAttribute attr : kernel.getStaticParams())
    info.params.emplace_back(attr.getName().str(), attrText(attr.getValue()));

  ArrayAttr args = kernel.getArgs();
  if (args.size() > desc.slots.size())
    return kernel.emitOpError()
           << "has " << args.size() << " args, but template '" << desc.name
           << "' has " << desc.slots.size() << " buffer slots";
  for (auto [i, attr] : llvm::enumerate(args)) {
    StringRef text = cast<StringAttr>(attr).getValue();
    ArgSlot arg;
    arg.slot = i;
    arg.slotName = desc.slots[i];
    if (text.consume_front("@")) {
      arg.kind = ArgSlot::Kind::Workspace;
      arg.name = text.str();
    } else if (!text.empty()) {
      arg.kind = ArgSlot::Kind::Buffer;
      arg.name = text.str();
    }
    info.args.push_back(arg);
  }

  for (Attribute attr : kernel.getWorkspaces()) {
    auto dict = cast<DictionaryAttr>(attr);
    WorkspaceInfo ws;
    ws.name = cast<StringAttr>(dict.get("name")).getValue().str();
    ws.dtype = cast<StringAttr>(dict.get("dtype")).getValue().str();
    for (Attribute e : cast<ArrayAttr>(dict.get("shape")))
      ws.shape.push_back(attrText(e));
    info.workspaces.push_back(std::move(ws));
  }

  ArrayAttr programs = kernel.getPrograms();
  if (programs.size() != desc.programs.size())
    return kernel.emitOpError()
           << "has " << programs.size() << " programs, but template '"
           << desc.name << "' launches " << desc.programs.size();
  for (auto [i, attr] : llvm::enumerate(programs)) {
    auto dict = cast<DictionaryAttr>(attr);
    ProgramInfo program;
    program.symbol = cast<StringAttr>(dict.get("symbol")).getValue().str();
    program.programClass =
        cast<StringAttr>(dict.get("program")).getValue().str();
    if (program.programClass != desc.programs[i])
      return kernel.emitOpError()
             << "program #" << i << " is '" << program.programClass
             << "', but template '" << desc.name << "' runs '"
             << desc.programs[i] << "' there";
    auto grid = cast<ArrayAttr>(dict.get("grid"));
    for (unsigned g = 0; g < 3 && g < grid.size(); ++g)
      program.grid[g] = attrText(grid[g]);
    program.threads =
        dict.get("threads") ? attrText(dict.get("threads")) : "1";
    program.smem = dict.get("smem") ? attrText(dict.get("smem")) : "0";
    info.programs.push_back(std::move(program));
  }

  DictionaryAttr space = kernel.getSpace();
  if (auto keys = dyn_cast_or_null<ArrayAttr>(space.get("keys")))
    for (Attribute key : keys)
      info.keys.push_back(cast<StringAttr>(key).getValue().str());
  if (auto configs = dyn_cast_or_null<ArrayAttr>(space.get("configs")))
    for (Attribute row : configs) {
      std::vector<int64_t> values;
      for (Attribute v : cast<ArrayAttr>(row))
        values.push_back(cast<IntegerAttr>(v).getInt());
      // The empty configuration of a kernel without tuning keys is implied.
      if (!values.empty() || !info.keys.empty())
        info.configs.push_back(std::move(values));
    }
  DictionaryAttr defaults = kernel.getDefaultConfig();
  for (const std::string &key : info.keys) {
    auto value = dyn_cast_or_null<IntegerAttr>(defaults.get(key));
    if (!value)
      return kernel.emitOpError()
             << "default_config has no value for tuning key '" << key << "'";
    info.defaultConfig.emplace_back(key, value.getInt());
  }
  return info;
}

//===- Presets.cpp - The standard graphs of `idac --preset` ---------------===//

#include "compiler/codegen/Presets.h"

#include "compiler/codegen/Codegen.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::ida::codegen;

namespace {

struct MixerDefaults {
  const char *name;
  bool attention;
  const char *feature;
  int64_t N;
  const char *weights;
  bool normalize;
  const char *summary;
};

const MixerDefaults kMixers[] = {
    {"ida", false, "elu1", 4, "softmax", false,
     "Interdomain Attention (spec §3): N exponential basis functions, "
     "query-conditioned weights over the basis"},
    {"ssm", false, "identity", 4, "uniform", false,
     "multi-timescale SSM (spec §7): N basis functions with uniform "
     "weights, the same state size as IDA"},
    {"mamba2", false, "identity", 1, "uniform", false,
     "Mamba-2 / SSD scalar-decay SSM (spec §7): q plays C, k plays B"},
    {"linear", false, "elu1", 1, "uniform", true,
     "linear attention (spec §7); no decay and a constant step are "
     "parameter values (A_log = -inf, dt = 0 with a frozen dt_bias)"},
    {"retnet", false, "identity", 1, "uniform", false,
     "RetNet-style retention (spec §7); the fixed step is a parameter "
     "value (dt = 0, frozen dt_bias and A_log)"},
    {"softmax", true, "", 0, "", false,
     "causal softmax attention, scale 1/sqrt(D) (the baseline of spec §1)"},
};

const char *const kFeatures[] = {"identity", "elu1", "relu",
                                 "taylor2",  "prf",  "hedgehog"};
const char *const kWeights[] = {"softmax", "sigmoid", "uniform"};
const char *const kDTypes[] = {"f32", "bf16", "f16"};

bool hasWeights(llvm::StringRef feature) {
  return feature == "prf" || feature == "hedgehog";
}

std::string join(llvm::ArrayRef<const char *> items) {
  std::string out;
  for (const char *item : items)
    out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

std::string tensor(std::initializer_list<int64_t> dims, llvm::StringRef elem) {
  std::string out = "tensor<";
  for (int64_t d : dims)
    out += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return out + elem.str() + ">";
}

using NamedTypes = std::vector<std::pair<std::string, std::string>>;

/// Prints `%a, %b` (names) or `ta, tb` (types) of a list, separated by `sep`.
void printList(llvm::raw_ostream &os, const NamedTypes &list, bool names,
               llvm::StringRef sep = ", ") {
  for (auto [i, item] : llvm::enumerate(list))
    os << (i ? sep : "") << (names ? "%" + item.first : item.second);
}

/// Prints `func.func @name(args) -> (results) { results = OP : types; return }`
/// where `op` is the op's text up to its attribute dictionary and `attrs`
/// that dictionary's entries.
void printFunc(llvm::raw_ostream &os, llvm::StringRef name,
               const NamedTypes &args, const NamedTypes &results,
               llvm::StringRef op, llvm::StringRef attrs) {
  std::string header = ("func.func @" + name + "(").str();
  std::string argSep = ",\n" + std::string(header.size(), ' ');
  os << header;
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? argSep : "") << "%" << a.first << ": " << a.second;
  os << ")\n    -> (";
  printList(os, results, /*names=*/false);
  os << ") {\n  ";
  printList(os, results, /*names=*/true);
  os << " = " << op << "\n      {" << attrs << "}\n      : (";
  printList(os, args, /*names=*/false, ",\n         ");
  os << ")\n      -> (";
  printList(os, results, /*names=*/false);
  os << ")\n  return ";
  printList(os, results, /*names=*/true);
  os << " : ";
  printList(os, results, /*names=*/false);
  os << "\n}\n";
}

} // namespace

const std::vector<std::string> &mlir::ida::codegen::presetMixers() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const MixerDefaults &m : kMixers)
      v.push_back(m.name);
    return v;
  }();
  return names;
}

std::optional<Preset>
mlir::ida::codegen::resolvePreset(const PresetFlags &flags,
                                  std::string &error) {
  const MixerDefaults *defaults = nullptr;
  for (const MixerDefaults &m : kMixers)
    if (flags.mixer == m.name)
      defaults = &m;
  if (!defaults) {
    std::string names;
    for (const std::string &n : presetMixers())
      names += (names.empty() ? "" : "|") + n;
    error = "unknown mixer '" + flags.mixer + "' (expected " + names + ")";
    return std::nullopt;
  }
  Preset p;
  p.mixer = defaults->name;
  p.attention = defaults->attention;
  p.H = flags.heads.value_or(8);
  p.D = flags.headDim.value_or(64);
  p.P = flags.valueDim.value_or(p.D);
  p.dtype = flags.dtype;
  p.decode = flags.decode;
  auto positive = [&](const char *flag, int64_t value) {
    if (value >= 1)
      return true;
    error = std::string("--") + flag + " must be >= 1, got " +
            std::to_string(value);
    return false;
  };
  if (!positive("heads", p.H) || !positive("head-dim", p.D) ||
      !positive("value-dim", p.P))
    return std::nullopt;
  if (!llvm::is_contained(kDTypes, p.dtype)) {
    error =
        "unknown --dtype '" + p.dtype + "' (expected " + join(kDTypes) + ")";
    return std::nullopt;
  }

  if (p.attention) {
    const char *unused = flags.feature        ? "--feature"
                         : flags.featureDim   ? "--feature-dim"
                         : flags.basis        ? "--basis"
                         : flags.basisWeights ? "--basis-weights"
                         : flags.chunk        ? "--chunk"
                         : flags.normalize    ? "--normalize"
                                              : nullptr;
    if (unused) {
      error = std::string(unused) +
              " does not apply to --mixer softmax (causal softmax attention "
              "has no feature map, basis or chunk)";
      return std::nullopt;
    }
    p.window = flags.window.value_or(0);
    if (p.window < 0) {
      error = "--window must be >= 0";
      return std::nullopt;
    }
    p.decode = false;
    return p;
  }
  if (flags.window) {
    error = "--window applies to --mixer softmax only";
    return std::nullopt;
  }

  p.feature = flags.feature.value_or(defaults->feature);
  if (!llvm::is_contained(kFeatures, p.feature)) {
    error = "unknown --feature '" + p.feature + "' (expected " +
            join(kFeatures) + ")";
    return std::nullopt;
  }
  if (hasWeights(p.feature)) {
    p.featureParam = flags.featureDim.value_or(p.D);
    if (!positive("feature-dim", p.featureParam))
      return std::nullopt;
    p.F = p.feature == "prf" ? p.featureParam : 2 * p.featureParam;
  } else {
    p.F = p.feature == "taylor2" ? 1 + p.D + p.D * p.D : p.D;
    if (flags.featureDim && *flags.featureDim != p.F) {
      error = "--feature-dim sets F' (the rows of W) of prf and hedgehog; " +
              p.feature + " has F = " + std::to_string(p.F) +
              " from D = " + std::to_string(p.D);
      return std::nullopt;
    }
  }
  p.N = flags.basis.value_or(defaults->N);
  if (!positive("basis", p.N))
    return std::nullopt;
  p.basisWeights = flags.basisWeights.value_or(defaults->weights);
  if (!llvm::is_contained(kWeights, p.basisWeights)) {
    error = "unknown --basis-weights '" + p.basisWeights + "' (expected " +
            join(kWeights) + ")";
    return std::nullopt;
  }
  p.normalize = flags.normalize.value_or(defaults->normalize);
  p.chunk = flags.chunk.value_or(64);
  if (!positive("chunk", p.chunk))
    return std::nullopt;
  return p;
}

std::string Preset::commandLine() const {
  std::string out = "--preset " + mixer;
  if (!attention) {
    out += " --feature " + feature;
    if (hasWeights(feature))
      out += " --feature-dim " + std::to_string(featureParam);
    out += " --basis " + std::to_string(N) + " --basis-weights " +
           basisWeights + " --chunk " + std::to_string(chunk);
  }
  out += " --heads " + std::to_string(H) + " --head-dim " + std::to_string(D) +
         " --value-dim " + std::to_string(P);
  if (attention && window)
    out += " --window " + std::to_string(window);
  if (normalize)
    out += " --normalize";
  out += " --dtype " + dtype;
  if (!attention && !decode)
    out += " --no-decode";
  return out;
}

JValue Preset::json() const {
  JValue v = JValue::object();
  v.set("mixer", mixer);
  if (attention) {
    v.set("window", window);
  } else {
    v.set("feature", feature);
    v.set("feature_param", featureParam);
    v.set("F", F);
    v.set("N", N);
    v.set("basis_weights", basisWeights);
    v.set("normalize", normalize);
    v.set("chunk", chunk);
  }
  v.set("H", H);
  v.set("D", D);
  v.set("P", P);
  v.set("dtype", dtype);
  v.set("command", "idac " + commandLine());
  return v;
}

std::string mlir::ida::codegen::presetGraph(const Preset &p) {
  std::string text;
  llvm::raw_string_ostream os(text);
  const MixerDefaults *defaults = nullptr;
  for (const MixerDefaults &m : kMixers)
    if (p.mixer == m.name)
      defaults = &m;
  std::string act = p.dtype;
  int64_t H = p.H, D = p.D, P = p.P, N = p.N, F = p.F;

  os << "// Preset graph written by idac " << compilerVersion() << ":\n"
     << "//   idac " << p.commandLine() << "\n"
     << "// " << defaults->summary << ".\n";
  if (p.attention) {
    os << "// H = " << H << " heads, D = " << D << ", P = " << P
       << ", window = " << p.window << " (0: full causal), " << act
       << ", dynamic B and T.\n\n";
    std::string qk = tensor({-1, -1, H, D}, act);
    std::string vy = tensor({-1, -1, H, P}, act);
    os << "/// The layer's core: y = softmax(q k^T / sqrt(D), causal) v.\n"
       << "func.func @forward(%q: " << qk << ", %k: " << qk << ",\n"
       << "                   %v: " << vy << ") -> " << vy << " {\n"
       << "  %y = ida.softmax_attention %q, %k, %v";
    if (p.window)
      os << " {window = " << p.window << "}";
    os << "\n      : (" << qk << ", " << qk << ", " << vy << ")\n"
       << "      -> " << vy << "\n"
       << "  return %y : " << vy << "\n}\n";
    return text;
  }

  bool weighted = hasWeights(p.feature);
  os << "// H = " << H << " heads, D = " << D << ", P = " << P << ", "
     << p.feature << " features (F = " << F;
  if (weighted)
    os << ", F' = " << p.featureParam;
  os << "), N = " << N << " basis functions with " << p.basisWeights
     << " weights, chunk " << p.chunk << (p.normalize ? ", normalized" : "")
     << ",\n// " << act << " activations (A_log, dt_bias"
     << (weighted ? ", W" : "") << " and states are f32), dynamic B and T.\n\n";

  std::string featureAttr = weighted ? "#ida.feature<" + p.feature + ", " +
                                           std::to_string(p.featureParam) + ">"
                                     : "#ida.feature<" + p.feature + ">";
  std::string basisAttr =
      "#ida.basis<" + std::to_string(N) + ", " + p.basisWeights + ">";
  std::string f32 = "f32";
  std::string aLog = tensor({H, N}, f32), dtBias = tensor({H}, f32),
              w = tensor({H, p.featureParam, D}, f32),
              s = tensor({-1, H, N, F, P}, f32), z = tensor({-1, H, N, F}, f32);

  // forward
  {
    std::string qk = tensor({-1, -1, H, D}, act),
                vy = tensor({-1, -1, H, P}, act), dt = tensor({-1, -1, H}, act),
                g = tensor({-1, -1, H, N}, act);
    NamedTypes args = {{"q", qk},          {"k", qk}, {"v", vy},
                       {"dt", dt},         {"g", g},  {"A_log", aLog},
                       {"dt_bias", dtBias}};
    if (weighted)
      args.push_back({"W", w});
    args.push_back({"S0", s});
    if (p.normalize)
      args.push_back({"Z0", z});
    NamedTypes results = {{"y", vy}, {"S_T", s}};
    if (p.normalize)
      results.push_back({"Z_T", z});

    os << "/// Training forward and prefill: y and the final state from an "
          "initial\n/// state (optional in the bundle: absent means zero).\n";
    std::string op = "ida.attention %q, %k, %v, %dt, %g, %A_log, %dt_bias";
    if (weighted)
      op += " weights(%W)";
    op += " init(%S0)";
    if (p.normalize)
      op += " init_norm(%Z0)";
    std::string attrs = "feature = " + featureAttr + ", basis = " + basisAttr +
                        ",\n       chunk = " + std::to_string(p.chunk) +
                        (p.normalize ? ", normalize = true" : "");
    printFunc(os, "forward", args, results, op, attrs);
  }

  if (!p.decode)
    return text;
  {
    std::string qk = tensor({-1, H, D}, act), vy = tensor({-1, H, P}, act),
                dt = tensor({-1, H}, act), g = tensor({-1, H, N}, act);
    NamedTypes args = {{"q", qk},          {"k", qk}, {"v", vy},
                       {"dt", dt},         {"g", g},  {"A_log", aLog},
                       {"dt_bias", dtBias}};
    if (weighted)
      args.push_back({"W", w});
    args.push_back({"S", s});
    if (p.normalize)
      args.push_back({"Z", z});
    NamedTypes results = {{"y", vy}, {"S_new", s}};
    if (p.normalize)
      results.push_back({"Z_new", z});

    os << "\n/// One token from the carried state (spec §8): q, k [B, H, D], "
          "v [B, H, P].\n";
    std::string op = "ida.decode_step %q, %k, %v, %dt, %g, %A_log, %dt_bias";
    if (weighted)
      op += " weights(%W)";
    op += std::string(" state(%S") + (p.normalize ? ", %Z" : "") + ")";
    std::string attrs = "feature = " + featureAttr + ", basis = " + basisAttr +
                        (p.normalize ? ", normalize = true" : "");
    printFunc(os, "decode", args, results, op, attrs);
  }
  return text;
}

//===- runtime/bundle/Manifest.cpp - parse and validate manifest.json -----===//
//
// Parsing is strict: unknown keys are errors (a misspelt "workspace" must not
// silently vanish), except keys starting with "x-", which are reserved for
// extensions and ignored.
//
//===----------------------------------------------------------------------===//

#include "runtime/bundle/Manifest.h"

#include "runtime/support/Error.h"
#include "templates/common/ida_abi.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace ida {

using json = nlohmann::json;

bool isDynamicDim(const std::string &name) {
  return std::any_of(std::begin(kDynamicDims), std::end(kDynamicDims),
                     [&](const char *d) { return name == d; });
}

std::string shapeExprString(const ShapeExpr &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + shape[i].text();
  return out + "]";
}

const char *bufferRoleName(BufferRole role) {
  switch (role) {
  case BufferRole::Input: return "input";
  case BufferRole::Output: return "output";
  case BufferRole::Temp: return "temp";
  }
  return "?";
}

Config TuningSpace::configAt(size_t i) const {
  Config c;
  for (size_t k = 0; k < keys.size(); ++k)
    c[keys[k]] = configs.at(i).at(k);
  return c;
}

const WorkspaceSpec *KernelSpec::findWorkspace(const std::string &n) const {
  for (const WorkspaceSpec &w : workspaces)
    if (w.name == n)
      return &w;
  return nullptr;
}

template <typename Map>
static std::string knownNames(const Map &map) {
  std::string out;
  for (const auto &item : map)
    out += (out.empty() ? "" : ", ") + item.first;
  return out.empty() ? "none" : out;
}

const BufferSpec &Manifest::buffer(const std::string &name) const {
  auto it = buffers.find(name);
  if (it == buffers.end())
    throw ManifestError("bundle has no buffer '" + name +
                        "' (buffers: " + knownNames(buffers) + ")");
  return it->second;
}

const KernelSpec &Manifest::kernel(const std::string &name) const {
  auto it = kernels.find(name);
  if (it == kernels.end())
    throw ManifestError("bundle has no kernel '" + name +
                        "' (kernels: " + knownNames(kernels) + ")");
  return it->second;
}

const EntrySpec &Manifest::entry(const std::string &name) const {
  auto it = entries.find(name);
  if (it == entries.end())
    throw ManifestError("bundle has no entry '" + name +
                        "' (entries: " + knownNames(entries) + ")");
  return it->second;
}

namespace {

bool isIdentifier(const std::string &s) {
  if (s.empty() || !(std::isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum((unsigned char)c) || c == '_';
  });
}

const char *jsonTypeName(const json &j) {
  switch (j.type()) {
  case json::value_t::null: return "null";
  case json::value_t::object: return "an object";
  case json::value_t::array: return "an array";
  case json::value_t::string: return "a string";
  case json::value_t::boolean: return "a boolean";
  case json::value_t::number_integer:
  case json::value_t::number_unsigned: return "an integer";
  case json::value_t::number_float: return "a number";
  default: return "a value";
  }
}

/// Walks the JSON with the dotted path of the current node for messages.
class Parser {
public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string &path, const std::string &why) {
    throw ManifestError(origin_ + ": " + (path.empty() ? "" : path + ": ") +
                        why);
  }

  void checkKeys(const json &obj, const std::string &path,
                 std::initializer_list<const char *> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string &key = it.key();
      if (key.rfind("x-", 0) == 0)
        continue;
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](const char *a) { return key == a; })) {
        std::string list;
        for (const char *a : allowed)
          list += (list.empty() ? "" : ", ") + std::string(a);
        fail(path, "unknown key '" + key + "' (expected " + list + ")");
      }
    }
  }

  const json &member(const json &obj, const std::string &path,
                     const char *key) {
    auto it = obj.find(key);
    if (it == obj.end())
      fail(path, std::string("missing required key '") + key + "'");
    return *it;
  }

  const json &object(const json &j, const std::string &path) {
    if (!j.is_object())
      fail(path, std::string("expected an object, got ") + jsonTypeName(j));
    return j;
  }
  const json &array(const json &j, const std::string &path) {
    if (!j.is_array())
      fail(path, std::string("expected an array, got ") + jsonTypeName(j));
    return j;
  }
  std::string string(const json &j, const std::string &path) {
    if (!j.is_string())
      fail(path, std::string("expected a string, got ") + jsonTypeName(j));
    return j.get<std::string>();
  }
  int64_t integer(const json &j, const std::string &path) {
    if (!j.is_number_integer())
      fail(path, std::string("expected an integer, got ") + jsonTypeName(j));
    if (j.is_number_unsigned() &&
        j.get<uint64_t>() > uint64_t(INT64_MAX))
      fail(path, "integer out of range");
    return j.get<int64_t>();
  }
  bool boolean(const json &j, const std::string &path) {
    if (!j.is_boolean())
      fail(path, std::string("expected true or false, got ") +
                     jsonTypeName(j));
    return j.get<bool>();
  }
  std::string identifier(const std::string &s, const std::string &path,
                         const char *what) {
    if (!isIdentifier(s))
      fail(path, std::string("bad ") + what + " name '" + s +
                     "' (expected letters, digits and '_', not starting "
                     "with a digit)");
    return s;
  }

  /// An int or an expression string.
  Expr expr(const json &j, const std::string &path) {
    if (j.is_number_integer())
      return Expr::constant(integer(j, path));
    if (!j.is_string())
      fail(path, std::string("expected an integer or an expression string, "
                             "got ") +
                     jsonTypeName(j));
    try {
      return Expr::parse(j.get<std::string>());
    } catch (const ExprError &e) {
      fail(path, e.what());
    }
  }

  ShapeExpr shape(const json &j, const std::string &path) {
    ShapeExpr out;
    array(j, path);
    for (size_t i = 0; i < j.size(); ++i)
      out.push_back(expr(j[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  DType dtype(const json &j, const std::string &path) {
    std::string name = string(j, path);
    try {
      return parseDType(name);
    } catch (const Error &e) {
      fail(path, e.what());
    }
  }

  /// Every name `e` uses must be in `allowed`.
  void checkNames(const Expr &e, const std::string &path,
                  const std::set<std::string> &allowed,
                  const std::string &allowedWhat) {
    for (const std::string &n : e.names())
      if (!allowed.count(n)) {
        std::string list;
        for (const std::string &a : allowed)
          list += (list.empty() ? "" : ", ") + a;
        fail(path, "expression '" + e.text() + "' uses unknown name '" + n +
                       "' (" + allowedWhat + ": " +
                       (list.empty() ? "none" : list) + ")");
      }
  }

  Manifest parse(const json &root);

private:
  void parseStatics(const json &j, Manifest &m);
  void parseBuffers(const json &j, Manifest &m);
  KernelSpec parseKernel(const json &j, const std::string &name,
                         const Manifest &m);
  EntrySpec parseEntry(const json &j, const std::string &name,
                       const Manifest &m);
  void checkEntryBindings(const EntrySpec &e, const Manifest &m);

  std::string origin_;
};

void Parser::parseStatics(const json &j, Manifest &m) {
  object(j, "static");
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string path = "static." + it.key();
    identifier(it.key(), path, "static");
    if (it.key() == "B" || it.key() == "T")
      fail(path, "'" + it.key() +
                     "' is always dynamic and cannot be made static");
    m.statics[it.key()] = integer(it.value(), path);
  }
}

void Parser::parseBuffers(const json &j, Manifest &m) {
  object(j, "buffers");
  // Shapes of entry-level buffers use dynamic dims and statics only.
  std::set<std::string> allowed(std::begin(kDynamicDims),
                                std::end(kDynamicDims));
  for (const auto &[name, value] : m.statics)
    allowed.insert(name);
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string path = "buffers." + it.key();
    const json &b = object(it.value(), path);
    checkKeys(b, path, {"role", "dtype", "shape", "optional"});
    BufferSpec spec;
    spec.name = identifier(it.key(), path, "buffer");
    std::string role = string(member(b, path, "role"), path + ".role");
    if (role == "input")
      spec.role = BufferRole::Input;
    else if (role == "output")
      spec.role = BufferRole::Output;
    else if (role == "temp")
      spec.role = BufferRole::Temp;
    else
      fail(path + ".role",
           "unknown role '" + role + "' (expected input, output or temp)");
    spec.dtype = dtype(member(b, path, "dtype"), path + ".dtype");
    spec.shape = shape(member(b, path, "shape"), path + ".shape");
    for (size_t i = 0; i < spec.shape.size(); ++i)
      checkNames(spec.shape[i], path + ".shape[" + std::to_string(i) + "]",
                 allowed, "buffer shapes may use");
    if (b.contains("optional")) {
      spec.optional = boolean(b["optional"], path + ".optional");
      if (spec.optional && spec.role != BufferRole::Input)
        fail(path + ".optional", "only inputs can be optional");
    }
    m.buffers[spec.name] = std::move(spec);
  }
}

KernelSpec Parser::parseKernel(const json &j, const std::string &name,
                               const Manifest &m) {
  std::string path = "kernels." + name;
  object(j, path);
  checkKeys(j, path,
            {"template", "origin", "sources", "args", "workspaces", "programs",
             "space", "default"});
  KernelSpec k;
  k.name = identifier(name, path, "kernel");
  if (j.contains("template"))
    k.templateName = string(j["template"], path + ".template");
  if (j.contains("origin"))
    k.origin = string(j["origin"], path + ".origin");

  // Sources: relative paths inside the bundle.
  const json &sources = object(member(j, path, "sources"), path + ".sources");
  if (sources.empty())
    fail(path + ".sources", "a kernel needs at least one source");
  for (auto it = sources.begin(); it != sources.end(); ++it) {
    std::string spath = path + ".sources." + it.key();
    std::string file = string(it.value(), spath);
    if (file.empty() || file[0] == '/' ||
        file.find("..") != std::string::npos)
      fail(spath, "source path '" + file +
                      "' must be relative to the bundle and stay inside it");
    k.sources[it.key()] = file;
  }

  // Tuning space first: its keys are names the other expressions may use.
  std::set<std::string> allowed(std::begin(kDynamicDims),
                                std::end(kDynamicDims));
  for (const auto &[sname, value] : m.statics)
    allowed.insert(sname);
  if (j.contains("space")) {
    std::string sp = path + ".space";
    const json &space = object(j["space"], sp);
    checkKeys(space, sp, {"keys", "configs"});
    const json &keys = array(member(space, sp, "keys"), sp + ".keys");
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string kp = sp + ".keys[" + std::to_string(i) + "]";
      std::string key = identifier(string(keys[i], kp), kp, "tuning key");
      if (allowed.count(key))
        fail(kp, "tuning key '" + key +
                     "' clashes with a dynamic dimension or static constant");
      if (std::count(k.space.keys.begin(), k.space.keys.end(), key))
        fail(kp, "duplicate tuning key '" + key + "'");
      k.space.keys.push_back(key);
    }
    const json &configs =
        array(member(space, sp, "configs"), sp + ".configs");
    for (size_t i = 0; i < configs.size(); ++i) {
      std::string cp = sp + ".configs[" + std::to_string(i) + "]";
      array(configs[i], cp);
      if (configs[i].size() != k.space.keys.size())
        fail(cp, "has " + std::to_string(configs[i].size()) +
                     " values for " + std::to_string(k.space.keys.size()) +
                     " keys");
      std::vector<int64_t> values;
      for (size_t v = 0; v < configs[i].size(); ++v)
        values.push_back(
            integer(configs[i][v], cp + "[" + std::to_string(v) + "]"));
      k.space.configs.push_back(std::move(values));
    }
  }
  if (k.space.configs.empty() && k.space.keys.empty())
    k.space.configs.push_back({}); // the one empty configuration
  if (k.space.configs.empty())
    fail(path + ".space.configs", "the tuning space has no configurations");
  for (const std::string &key : k.space.keys)
    allowed.insert(key);

  if (j.contains("default")) {
    std::string dp = path + ".default";
    const json &d = object(j["default"], dp);
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!std::count(k.space.keys.begin(), k.space.keys.end(), it.key()))
        fail(dp, "'" + it.key() + "' is not a key of the tuning space");
      k.defaultConfig[it.key()] = integer(it.value(), dp + "." + it.key());
    }
  } else if (!k.space.keys.empty()) {
    // Without an explicit default the first configuration is the default.
    k.defaultConfig = k.space.configAt(0);
  }
  for (const std::string &key : k.space.keys)
    if (!k.defaultConfig.count(key))
      fail(path + ".default", "missing tuning key '" + key + "'");

  if (j.contains("workspaces")) {
    std::string wp = path + ".workspaces";
    const json &ws = object(j["workspaces"], wp);
    for (auto it = ws.begin(); it != ws.end(); ++it) {
      std::string p = wp + "." + it.key();
      const json &w = object(it.value(), p);
      checkKeys(w, p, {"dtype", "shape", "zero"});
      WorkspaceSpec spec;
      spec.name = identifier(it.key(), p, "workspace");
      spec.dtype = dtype(member(w, p, "dtype"), p + ".dtype");
      spec.shape = shape(member(w, p, "shape"), p + ".shape");
      for (size_t i = 0; i < spec.shape.size(); ++i)
        checkNames(spec.shape[i], p + ".shape[" + std::to_string(i) + "]",
                   allowed, "kernel expressions may use");
      if (w.contains("zero"))
        spec.zero = boolean(w["zero"], p + ".zero");
      k.workspaces.push_back(std::move(spec));
    }
  }

  const json &args = array(member(j, path, "args"), path + ".args");
  if (args.size() > IDA_MAX_KERNEL_BUFFERS)
    fail(path + ".args", "has " + std::to_string(args.size()) +
                             " arguments; the ABI allows at most " +
                             std::to_string(IDA_MAX_KERNEL_BUFFERS));
  std::set<std::string> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string ap = path + ".args[" + std::to_string(i) + "]";
    std::string a = string(args[i], ap);
    if (!seen.insert(a).second)
      fail(ap, "argument '" + a + "' is passed twice");
    KernelArg arg;
    if (!a.empty() && a[0] == '@') {
      arg.kind = KernelArg::Kind::Workspace;
      arg.name = a.substr(1);
      if (!k.findWorkspace(arg.name))
        fail(ap, "unknown workspace '" + a + "' (workspaces of this kernel: " +
                     [&] {
                       std::string l;
                       for (const auto &w : k.workspaces)
                         l += (l.empty() ? "@" : ", @") + w.name;
                       return l.empty() ? std::string("none") : l;
                     }() +
                     ")");
    } else {
      arg.name = a;
      if (!m.buffers.count(a))
        fail(ap, "unknown buffer '" + a + "' (buffers: " +
                     knownNames(m.buffers) + ")");
    }
    k.args.push_back(arg);
  }
  for (const WorkspaceSpec &w : k.workspaces)
    if (!seen.count("@" + w.name))
      fail(path + ".workspaces." + w.name,
           "workspace is never passed to the kernel (add '@" + w.name +
               "' to args)");

  const json &programs =
      array(member(j, path, "programs"), path + ".programs");
  if (programs.empty())
    fail(path + ".programs", "a kernel needs at least one program");
  for (size_t i = 0; i < programs.size(); ++i) {
    std::string pp = path + ".programs[" + std::to_string(i) + "]";
    const json &p = object(programs[i], pp);
    checkKeys(p, pp, {"symbol", "grid", "threads", "smem"});
    ProgramSpec prog;
    prog.symbol = identifier(string(member(p, pp, "symbol"), pp + ".symbol"),
                             pp + ".symbol", "symbol");
    const json &grid = array(member(p, pp, "grid"), pp + ".grid");
    if (grid.size() != 3)
      fail(pp + ".grid", "expected 3 extents (x, y, z), got " +
                             std::to_string(grid.size()));
    for (int g = 0; g < 3; ++g) {
      std::string gp = pp + ".grid[" + std::to_string(g) + "]";
      prog.grid[g] = expr(grid[g], gp);
      checkNames(prog.grid[g], gp, allowed, "kernel expressions may use");
    }
    prog.threads = p.contains("threads") ? expr(p["threads"], pp + ".threads")
                                         : Expr::constant(1);
    checkNames(prog.threads, pp + ".threads", allowed,
               "kernel expressions may use");
    prog.smem = p.contains("smem") ? expr(p["smem"], pp + ".smem")
                                   : Expr::constant(0);
    checkNames(prog.smem, pp + ".smem", allowed, "kernel expressions may use");
    k.programs.push_back(std::move(prog));
  }
  return k;
}

EntrySpec Parser::parseEntry(const json &j, const std::string &name,
                             const Manifest &m) {
  std::string path = "entries." + name;
  object(j, path);
  checkKeys(j, path, {"inputs", "outputs", "steps"});
  EntrySpec e;
  e.name = identifier(name, path, "entry");
  std::set<std::string> seen;
  auto names = [&](const char *key, BufferRole role,
                   std::vector<std::string> &out) {
    std::string lp = path + "." + key;
    const json &list = array(member(j, path, key), lp);
    for (size_t i = 0; i < list.size(); ++i) {
      std::string ip = lp + "[" + std::to_string(i) + "]";
      std::string b = string(list[i], ip);
      auto it = m.buffers.find(b);
      if (it == m.buffers.end())
        fail(ip, "unknown buffer '" + b + "' (buffers: " +
                     knownNames(m.buffers) + ")");
      if (it->second.role != role)
        fail(ip, "buffer '" + b + "' has role '" +
                     bufferRoleName(it->second.role) + "', expected '" +
                     bufferRoleName(role) + "'");
      if (!seen.insert(b).second)
        fail(ip, "buffer '" + b + "' is listed twice");
      out.push_back(b);
    }
  };
  names("inputs", BufferRole::Input, e.inputs);
  names("outputs", BufferRole::Output, e.outputs);

  const json &steps = array(member(j, path, "steps"), path + ".steps");
  if (steps.empty())
    fail(path + ".steps", "an entry needs at least one step");
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string sp = path + ".steps[" + std::to_string(i) + "]";
    const json &s = object(steps[i], sp);
    checkKeys(s, sp, {"kernel"});
    StepSpec step;
    step.kernel = string(member(s, sp, "kernel"), sp + ".kernel");
    auto kit = m.kernels.find(step.kernel);
    if (kit == m.kernels.end())
      fail(sp + ".kernel", "unknown kernel '" + step.kernel +
                               "' (kernels: " + knownNames(m.kernels) + ")");
    for (const KernelArg &a : kit->second.args) {
      if (a.kind != KernelArg::Kind::Buffer || seen.count(a.name))
        continue;
      const BufferSpec &b = m.buffers.at(a.name);
      if (b.role == BufferRole::Temp) {
        if (!std::count(e.temps.begin(), e.temps.end(), a.name))
          e.temps.push_back(a.name);
        continue;
      }
      fail(sp, "kernel '" + step.kernel + "' uses " + bufferRoleName(b.role) +
                   " buffer '" + a.name + "', which is not among the entry's " +
                   (b.role == BufferRole::Input ? "inputs" : "outputs"));
    }
    e.steps.push_back(step);
  }
  checkEntryBindings(e, m);
  return e;
}

/// Every dynamic dimension an entry's expressions use must be bound by a
/// bare-name extent of one of its inputs (H may instead be static).
void Parser::checkEntryBindings(const EntrySpec &e, const Manifest &m) {
  std::set<std::string> bindable;
  for (const std::string &in : e.inputs)
    for (const Expr &d : m.buffers.at(in).shape)
      if (auto n = d.asName())
        bindable.insert(*n);
  for (const auto &[name, value] : m.statics)
    bindable.insert(name);
  // Kernels read IdaKernelArgs.H, so it must come from somewhere; a silent
  // default would run a multi-head kernel over one head.
  if (!bindable.count("H"))
    fail("entries." + e.name,
         "H is neither a static constant nor an extent of any input; kernels "
         "read IdaKernelArgs.H, so add \"static\": {\"H\": <heads>} or use "
         "\"H\" in an input shape");
  auto check = [&](const Expr &x, const std::string &where) {
    for (const std::string &n : x.names())
      if (isDynamicDim(n) && !bindable.count(n))
        fail("entries." + e.name,
             "'" + n + "' (used by " + where + ": '" + x.text() +
                 "') is not an extent of any input, so it cannot be bound "
                 "at launch");
  };
  for (const std::string &in : e.inputs)
    for (const Expr &d : m.buffers.at(in).shape)
      check(d, "input '" + in + "'");
  for (const std::string &out : e.outputs)
    for (const Expr &d : m.buffers.at(out).shape)
      check(d, "output '" + out + "'");
  for (const std::string &t : e.temps)
    for (const Expr &d : m.buffers.at(t).shape)
      check(d, "temp '" + t + "'");
  for (const StepSpec &s : e.steps) {
    const KernelSpec &k = m.kernels.at(s.kernel);
    for (const WorkspaceSpec &w : k.workspaces)
      for (const Expr &d : w.shape)
        check(d, "workspace '" + k.name + ".@" + w.name + "'");
    for (const ProgramSpec &p : k.programs) {
      for (const Expr &g : p.grid)
        check(g, "the grid of '" + p.symbol + "'");
      check(p.threads, "the threads of '" + p.symbol + "'");
      check(p.smem, "the smem of '" + p.symbol + "'");
    }
  }
}

Manifest Parser::parse(const json &root) {
  object(root, "");
  checkKeys(root, "",
            {"format", "compiler_version", "graph_hash", "graph", "static",
             "buffers", "kernels", "entries"});
  Manifest m;
  m.format = string(member(root, "", "format"), "format");
  if (m.format != kBundleFormat)
    fail("format", "unsupported bundle format '" + m.format +
                       "' (this runtime reads " + kBundleFormat + ")");
  if (root.contains("compiler_version"))
    m.compilerVersion = string(root["compiler_version"], "compiler_version");
  if (root.contains("graph_hash"))
    m.graphHash = string(root["graph_hash"], "graph_hash");
  if (root.contains("graph"))
    m.graph = string(root["graph"], "graph");
  if (root.contains("static"))
    parseStatics(root["static"], m);
  parseBuffers(member(root, "", "buffers"), m);
  const json &kernels = object(member(root, "", "kernels"), "kernels");
  for (auto it = kernels.begin(); it != kernels.end(); ++it)
    m.kernels[it.key()] = parseKernel(it.value(), it.key(), m);
  const json &entries = object(member(root, "", "entries"), "entries");
  if (entries.empty())
    fail("entries", "a bundle needs at least one entry");
  for (auto it = entries.begin(); it != entries.end(); ++it)
    m.entries[it.key()] = parseEntry(it.value(), it.key(), m);
  return m;
}

} // namespace

Manifest parseManifest(const std::string &jsonText, const std::string &origin) {
  json root;
  try {
    root = json::parse(jsonText);
  } catch (const json::parse_error &e) {
    throw ManifestError(origin + ": invalid JSON: " + e.what());
  }
  return Parser(origin).parse(root);
}

std::string configString(const Config &config,
                         const std::vector<std::string> &keyOrder) {
  std::string out;
  std::set<std::string> done;
  auto add = [&](const std::string &key, int64_t value) {
    out += (out.empty() ? "" : ",") + key + "=" + std::to_string(value);
    done.insert(key);
  };
  for (const std::string &key : keyOrder) {
    auto it = config.find(key);
    if (it != config.end())
      add(key, it->second);
  }
  for (const auto &[key, value] : config)
    if (!done.count(key))
      add(key, value);
  return out;
}

Config parseConfigString(const std::string &text) {
  Config out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    std::string item = text.substr(start, end - start);
    start = end + 1;
    auto trim = [](std::string s) {
      size_t b = s.find_first_not_of(" \t");
      size_t e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    item = trim(item);
    if (item.empty()) {
      if (end == text.size())
        break;
      continue;
    }
    size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw ConfigError("bad configuration item '" + item +
                        "' (expected KEY=VALUE)");
    std::string key = trim(item.substr(0, eq));
    std::string value = trim(item.substr(eq + 1));
    char *endp = nullptr;
    errno = 0;
    long long v = std::strtoll(value.c_str(), &endp, 10);
    if (key.empty() || value.empty() || *endp != '\0' || errno == ERANGE)
      throw ConfigError("bad configuration item '" + item +
                        "' (expected KEY=INTEGER)");
    out[key] = v;
  }
  return out;
}

} // namespace ida

//===- runtime/launcher/ShapeBinder.cpp - bind and check inputs -----------===//

#include "runtime/launcher/ShapeBinder.h"

#include "runtime/support/Error.h"

#include <algorithm>
#include <vector>

namespace ida {

namespace {

struct Binder {
  const Manifest &manifest;
  Bindings values;
  /// dynamic dim -> the input that bound it
  std::map<std::string, std::string> sources;

  /// "(B=2, T=100 from 'q')" for the dynamic names of `shape`, grouping
  /// consecutive names bound by the same input.
  std::string provenance(const ShapeExpr &shape) const {
    std::vector<std::string> names;
    for (const Expr &d : shape)
      for (const std::string &n : d.names())
        if (!std::count(names.begin(), names.end(), n) && values.count(n))
          names.push_back(n);
    if (names.empty())
      return "";
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string &n = names[i];
      out += (i ? ", " : "") + n + "=" + std::to_string(values.at(n));
      std::string src =
          sources.count(n) ? "from '" + sources.at(n) + "'" : "static";
      std::string next;
      if (i + 1 < names.size())
        next = sources.count(names[i + 1])
                   ? "from '" + sources.at(names[i + 1]) + "'"
                   : "static";
      if (next != src)
        out += " " + src;
    }
    return " (" + out + ")";
  }

  [[noreturn]] void shapeError(const std::string &name, const BufferSpec &b,
                               const Tensor &t, const std::string &extra = "") {
    throw ArgumentError("input '" + name + "': expected shape " +
                        shapeExprString(b.shape) + provenance(b.shape) +
                        ", got " + shapeString(t.shape()) + extra);
  }

  void check(const std::string &name, const BufferSpec &b, const Tensor &t) {
    if (t.dtype() != b.dtype)
      throw ArgumentError("input '" + name + "': expected dtype " +
                          dtypeName(b.dtype) + ", got " +
                          dtypeName(t.dtype()) + " (shape " +
                          shapeExprString(b.shape) + ")");
    if (t.rank() != b.shape.size())
      shapeError(name, b, t);
    // Bind first, so the message for a later mismatch can cite this input.
    for (size_t i = 0; i < b.shape.size(); ++i) {
      auto n = b.shape[i].asName();
      if (n && isDynamicDim(*n) && !values.count(*n)) {
        values[*n] = t.dim(i);
        sources[*n] = name;
      }
    }
    for (size_t i = 0; i < b.shape.size(); ++i) {
      int64_t want;
      try {
        want = b.shape[i].eval(values);
      } catch (const ExprError &e) {
        throw ArgumentError("input '" + name + "': cannot check extent " +
                            std::to_string(i) + " of shape " +
                            shapeExprString(b.shape) + ": " + e.what());
      }
      if (want != t.dim(i))
        shapeError(name, b, t);
    }
  }
};

std::string listNames(const std::vector<std::string> &names) {
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

} // namespace

Bindings bindEntryInputs(const Manifest &manifest, const EntrySpec &entry,
                         const InputRefs &inputs) {
  for (const auto &[name, tensor] : inputs) {
    if (!tensor)
      continue;
    if (std::count(entry.inputs.begin(), entry.inputs.end(), name))
      continue;
    std::string why =
        std::count(entry.outputs.begin(), entry.outputs.end(), name)
            ? "; it is an output"
            : "";
    throw ArgumentError("entry '" + entry.name + "' has no input '" + name +
                        "'" + why + " (inputs: " + listNames(entry.inputs) +
                        ")");
  }
  Binder binder{manifest, manifest.statics, {}};
  for (const std::string &name : entry.inputs) {
    const BufferSpec &b = manifest.buffer(name);
    auto it = inputs.find(name);
    const Tensor *t = it == inputs.end() ? nullptr : it->second;
    if (!t) {
      if (b.optional)
        continue;
      throw ArgumentError("missing input '" + name + "' of entry '" +
                          entry.name + "' (expected " + dtypeName(b.dtype) +
                          " " + shapeExprString(b.shape) + ")");
    }
    binder.check(name, b, *t);
  }
  // B and T an entry never mentions are 0 for the kernels. H is always
  // bound by validation, unless only an absent optional input carries it.
  if (!binder.values.count("H"))
    throw ArgumentError("entry '" + entry.name +
                        "': H cannot be bound because no input that gives it "
                        "was passed");
  for (const char *dim : {"B", "T"})
    binder.values.emplace(dim, 0);
  return binder.values;
}

Shape evalShape(const ShapeExpr &shape, const Bindings &names,
                const std::string &what) {
  Shape out;
  for (const Expr &d : shape) {
    int64_t v;
    try {
      v = d.eval(names);
    } catch (const ExprError &e) {
      throw ArgumentError(what + ": cannot evaluate shape " +
                          shapeExprString(shape) + ": " + e.what());
    }
    if (v < 0)
      throw ArgumentError(what + ": shape " + shapeExprString(shape) +
                          " has a negative extent (" + d.text() + " = " +
                          std::to_string(v) + ")");
    out.push_back(v);
  }
  return out;
}

} // namespace ida

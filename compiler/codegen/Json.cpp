//===- Json.cpp - Ordered JSON values and a readable printer --------------===//

#include "compiler/codegen/Json.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir::ida::codegen;

namespace {
/// Containers whose one-line form is at most this long stay on one line.
constexpr size_t kInlineWidth = 100;
} // namespace

std::string mlir::ida::codegen::jsonQuote(llvm::StringRef text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += llvm::hexdigit(c >> 4, /*LowerCase=*/true);
        out += llvm::hexdigit(c & 15, /*LowerCase=*/true);
      } else {
        out += char(c);
      }
    }
  }
  return out + "\"";
}

JValue JValue::extent(llvm::StringRef text) {
  uint64_t value;
  if (!text.empty() && llvm::all_of(text, llvm::isDigit) &&
      !text.getAsInteger(10, value) && value <= uint64_t(INT64_MAX))
    return JValue(int64_t(value));
  return JValue(text);
}

JValue &JValue::push(JValue value) {
  items.push_back(std::move(value));
  return items.back();
}

JValue &JValue::set(llvm::StringRef key, JValue value) {
  for (auto &[k, v] : members)
    if (k == key) {
      v = std::move(value);
      return v;
    }
  members.emplace_back(key.str(), std::move(value));
  return members.back().second;
}

JValue *JValue::find(llvm::StringRef key) {
  for (auto &[k, v] : members)
    if (k == key)
      return &v;
  return nullptr;
}

bool JValue::isScalar() const {
  return kind != Kind::Array && kind != Kind::Object;
}

bool JValue::printInline(std::string &out) const {
  switch (kind) {
  case Kind::Null: out += "null"; return true;
  case Kind::Bool: out += boolean ? "true" : "false"; return true;
  case Kind::Int: out += std::to_string(integer); return true;
  case Kind::String: out += jsonQuote(string); return true;
  case Kind::Array:
    out += "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i)
        out += ", ";
      if (!items[i].printInline(out))
        return false;
    }
    out += "]";
    return true;
  case Kind::Object:
    out += "{";
    for (size_t i = 0; i < members.size(); ++i) {
      if (i)
        out += ", ";
      out += jsonQuote(members[i].first) + ": ";
      if (!members[i].second.printInline(out))
        return false;
    }
    out += "}";
    return true;
  }
  return false;
}

void JValue::print(std::string &out, unsigned indent) const {
  if (isScalar()) {
    printInline(out);
    return;
  }
  std::string flat;
  if (printInline(flat) && indent + flat.size() <= kInlineWidth) {
    out += flat;
    return;
  }
  std::string pad(indent + 2, ' ');
  if (kind == Kind::Array) {
    out += "[\n";
    for (size_t i = 0; i < items.size(); ++i) {
      out += pad;
      items[i].print(out, indent + 2);
      out += i + 1 < items.size() ? ",\n" : "\n";
    }
    out += std::string(indent, ' ') + "]";
    return;
  }
  out += "{\n";
  for (size_t i = 0; i < members.size(); ++i) {
    out += pad + jsonQuote(members[i].first) + ": ";
    members[i].second.print(out, indent + 2);
    out += i + 1 < members.size() ? ",\n" : "\n";
  }
  out += std::string(indent, ' ') + "}";
}

std::string JValue::print() const {
  std::string out;
  print(out, 0);
  return out + "\n";
}

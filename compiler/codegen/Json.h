//===- Json.h - Ordered JSON values and a readable printer ------*- C++ -*-===//
//
// llvm::json::Object does not keep insertion order, and the manifest is
// meant to be read by people: keys appear in a fixed, documented order and
// short arrays/objects (shapes, buffer specs, configuration rows) stay on
// one line. The printed text is checked with llvm::json::parse.
//
//===----------------------------------------------------------------------===//

#ifndef IDA_COMPILER_CODEGEN_JSON_H
#define IDA_COMPILER_CODEGEN_JSON_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir::ida::codegen {

class JValue {
public:
  enum class Kind { Null, Bool, Int, String, Array, Object };

  JValue() = default;
  JValue(bool b) : kind(Kind::Bool), boolean(b) {}
  JValue(int64_t i) : kind(Kind::Int), integer(i) {}
  JValue(int i) : kind(Kind::Int), integer(i) {}
  JValue(const char *s) : kind(Kind::String), string(s) {}
  JValue(std::string s) : kind(Kind::String), string(std::move(s)) {}
  JValue(llvm::StringRef s) : kind(Kind::String), string(s.str()) {}

  static JValue array() {
    JValue v;
    v.kind = Kind::Array;
    return v;
  }
  static JValue object() {
    JValue v;
    v.kind = Kind::Object;
    return v;
  }
  /// An integer when `text` is a non-negative decimal literal, else the
  /// string (shape and grid extents).
  static JValue extent(llvm::StringRef text);

  /// Arrays: appends.
  JValue &push(JValue value);
  /// Objects: sets `key` (replacing an earlier value, keeping its place).
  JValue &set(llvm::StringRef key, JValue value);
  /// Objects: the value of `key`, or null.
  JValue *find(llvm::StringRef key);

  Kind getKind() const { return kind; }
  const std::vector<JValue> &getItems() const { return items; }

  /// Pretty text: two-space indentation, short containers on one line.
  std::string print() const;

private:
  void print(std::string &out, unsigned indent) const;
  bool printInline(std::string &out) const;
  bool isScalar() const;

  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0;
  std::string string;
  std::vector<JValue> items;
  std::vector<std::pair<std::string, JValue>> members;
};

/// `text` as a JSON string literal (quotes included).
std::string jsonQuote(llvm::StringRef text);

} // namespace mlir::ida::codegen

#endif // IDA_COMPILER_CODEGEN_JSON_H

//===- runtime/bundle/Expr.h - manifest size expressions --------*- C++ -*-===//
//
// The tiny integer language of bundle shapes, grids, threads and shared
// memory sizes (docs/bundle-format.md): integer literals, names, unary -,
// + - * / %, parentheses, cdiv(a, b), min(a, b), max(a, b).
//   - `/` is floor division and `%` takes the sign of the divisor (Python's
//     rules), so cdiv(a, b) == -((-a) / b) holds for every sign.
//   - Overflow and division by zero are errors, never wrap-around.
// An Expr keeps its source text for messages ("expected shape [B, T, 4]").
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BUNDLE_EXPR_H
#define IDA_RUNTIME_BUNDLE_EXPR_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace ida {

/// Values of the names an expression may use (B, T, H, static constants,
/// configuration keys).
using Bindings = std::map<std::string, int64_t, std::less<>>;

class Expr {
public:
  struct Node;

  /// The constant 0.
  Expr();
  static Expr constant(int64_t value);
  /// Parses `text`; throws ExprError "bad expression 'TEXT': WHY at column N".
  static Expr parse(std::string_view text);

  /// Evaluates with `names`; throws ExprError naming the expression for an
  /// unbound name, a division by zero or an overflow.
  int64_t eval(const Bindings &names) const;

  /// Adds every name the expression mentions to `out`.
  void collectNames(std::set<std::string> &out) const;
  std::set<std::string> names() const;
  /// The name when the expression is exactly one name ("T"), else nullopt.
  std::optional<std::string> asName() const;
  /// The value when the expression has no names, else nullopt.
  std::optional<int64_t> asConstant() const;
  /// The source text, or the decimal value for constants.
  const std::string &text() const { return text_; }

private:
  Expr(std::shared_ptr<const Node> root, std::string text);

  std::shared_ptr<const Node> root_;
  std::string text_;
};

/// Floor division and Python-style modulo; throw ExprError (quoting `context`)
/// on a zero divisor or overflow. Exposed for tests.
int64_t floorDiv(int64_t a, int64_t b, std::string_view context = "");
int64_t floorMod(int64_t a, int64_t b, std::string_view context = "");
int64_t ceilDiv(int64_t a, int64_t b, std::string_view context = "");

} // namespace ida

#endif // IDA_RUNTIME_BUNDLE_EXPR_H

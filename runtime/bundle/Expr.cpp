//===- runtime/bundle/Expr.cpp - manifest size expressions ----------------===//
//
// A recursive-descent parser into an immutable tree, shared between copies.
//
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/' | '%') unary)*
//   unary   := '-' unary | primary
//   primary := INT | NAME | FUNC '(' expr ',' expr ')' | '(' expr ')'
//
//===----------------------------------------------------------------------===//

#include "runtime/bundle/Expr.h"

#include "runtime/support/Error.h"

#include <cctype>
#include <limits>
#include <vector>

namespace ida {

struct Expr::Node {
  enum class Kind { Const, Name, Neg, Add, Sub, Mul, Div, Mod, CDiv, Min, Max };
  Kind kind = Kind::Const;
  int64_t value = 0;
  std::string name;
  std::shared_ptr<const Node> lhs, rhs;
};

using Node = Expr::Node;
using NodePtr = std::shared_ptr<const Node>;

namespace {

std::string quoted(std::string_view context) {
  return "expression '" + std::string(context) + "'";
}

[[noreturn]] void overflow(std::string_view context) {
  throw ExprError(quoted(context) + ": integer overflow");
}

class Parser {
public:
  explicit Parser(std::string_view text) : text_(text) {}

  NodePtr parseAll() {
    NodePtr root = parseSum();
    skipSpace();
    if (pos_ != text_.size())
      fail(std::string("unexpected '") + text_[pos_] + "'");
    return root;
  }

private:
  [[noreturn]] void fail(const std::string &why) const {
    throw ExprError("bad expression '" + std::string(text_) + "': " + why +
                    " at column " + std::to_string(pos_ + 1));
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace((unsigned char)text_[pos_]))
      ++pos_;
  }

  bool accept(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!accept(c)) {
      if (pos_ >= text_.size())
        fail(std::string("expected '") + c + "' but the expression ended");
      fail(std::string("expected '") + c + "'");
    }
  }

  static NodePtr binary(Node::Kind kind, NodePtr lhs, NodePtr rhs) {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->lhs = std::move(lhs);
    node->rhs = std::move(rhs);
    return node;
  }

  NodePtr parseSum() {
    NodePtr lhs = parseProduct();
    for (;;) {
      if (accept('+'))
        lhs = binary(Node::Kind::Add, lhs, parseProduct());
      else if (accept('-'))
        lhs = binary(Node::Kind::Sub, lhs, parseProduct());
      else
        return lhs;
    }
  }

  NodePtr parseProduct() {
    NodePtr lhs = parseUnary();
    for (;;) {
      if (accept('*'))
        lhs = binary(Node::Kind::Mul, lhs, parseUnary());
      else if (accept('/'))
        lhs = binary(Node::Kind::Div, lhs, parseUnary());
      else if (accept('%'))
        lhs = binary(Node::Kind::Mod, lhs, parseUnary());
      else
        return lhs;
    }
  }

  NodePtr parseUnary() {
    if (accept('-')) {
      auto node = std::make_shared<Node>();
      node->kind = Node::Kind::Neg;
      node->lhs = parseUnary();
      return node;
    }
    return parsePrimary();
  }

  NodePtr parsePrimary() {
    skipSpace();
    if (pos_ >= text_.size())
      fail(text_.empty() ? "empty expression"
                         : "expected a number, name or '(' but the "
                           "expression ended");
    char c = text_[pos_];
    if (accept('(')) {
      NodePtr inner = parseSum();
      expect(')');
      return inner;
    }
    if (std::isdigit((unsigned char)c))
      return parseNumber();
    if (std::isalpha((unsigned char)c) || c == '_')
      return parseNameOrCall();
    fail(std::string("unexpected '") + c + "'");
  }

  NodePtr parseNumber() {
    int64_t value = 0;
    size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit((unsigned char)text_[pos_])) {
      int digit = text_[pos_] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        pos_ = start;
        fail("integer literal too large");
      }
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ < text_.size() &&
        (std::isalpha((unsigned char)text_[pos_]) || text_[pos_] == '_' ||
         text_[pos_] == '.'))
      fail("malformed number");
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Const;
    node->value = value;
    return node;
  }

  NodePtr parseNameOrCall() {
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum((unsigned char)text_[pos_]) || text_[pos_] == '_'))
      ++pos_;
    std::string name(text_.substr(start, pos_ - start));
    if (!accept('(')) {
      auto node = std::make_shared<Node>();
      node->kind = Node::Kind::Name;
      node->name = std::move(name);
      return node;
    }
    Node::Kind kind;
    if (name == "cdiv")
      kind = Node::Kind::CDiv;
    else if (name == "min")
      kind = Node::Kind::Min;
    else if (name == "max")
      kind = Node::Kind::Max;
    else {
      pos_ = start;
      fail("unknown function '" + name + "' (known: cdiv, min, max)");
    }
    NodePtr lhs = parseSum();
    if (!accept(','))
      fail(name + "() takes two arguments");
    NodePtr rhs = parseSum();
    if (!accept(')'))
      fail(name + "() takes two arguments");
    return binary(kind, lhs, rhs);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

int64_t evalNode(const Node &n, const Bindings &names,
                 std::string_view context) {
  int64_t out = 0;
  switch (n.kind) {
  case Node::Kind::Const:
    return n.value;
  case Node::Kind::Name: {
    auto it = names.find(n.name);
    if (it == names.end()) {
      std::string known;
      for (const auto &[name, value] : names)
        known += (known.empty() ? "" : ", ") + name;
      throw ExprError(quoted(context) + ": unknown name '" + n.name +
                      "' (known: " + (known.empty() ? "none" : known) + ")");
    }
    return it->second;
  }
  case Node::Kind::Neg: {
    int64_t v = evalNode(*n.lhs, names, context);
    if (__builtin_sub_overflow(int64_t(0), v, &out))
      overflow(context);
    return out;
  }
  default:
    break;
  }
  int64_t a = evalNode(*n.lhs, names, context);
  int64_t b = evalNode(*n.rhs, names, context);
  switch (n.kind) {
  case Node::Kind::Add:
    if (__builtin_add_overflow(a, b, &out))
      overflow(context);
    return out;
  case Node::Kind::Sub:
    if (__builtin_sub_overflow(a, b, &out))
      overflow(context);
    return out;
  case Node::Kind::Mul:
    if (__builtin_mul_overflow(a, b, &out))
      overflow(context);
    return out;
  case Node::Kind::Div:
    return floorDiv(a, b, context);
  case Node::Kind::Mod:
    return floorMod(a, b, context);
  case Node::Kind::CDiv:
    return ceilDiv(a, b, context);
  case Node::Kind::Min:
    return a < b ? a : b;
  case Node::Kind::Max:
    return a > b ? a : b;
  default:
    throw ExprError(quoted(context) + ": internal error: bad node");
  }
}

void collect(const Node &n, std::set<std::string> &out) {
  if (n.kind == Node::Kind::Name)
    out.insert(n.name);
  if (n.lhs)
    collect(*n.lhs, out);
  if (n.rhs)
    collect(*n.rhs, out);
}

} // namespace

int64_t floorDiv(int64_t a, int64_t b, std::string_view context) {
  if (b == 0)
    throw ExprError(quoted(context) + ": division by zero");
  if (a == std::numeric_limits<int64_t>::min() && b == -1)
    overflow(context);
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

int64_t floorMod(int64_t a, int64_t b, std::string_view context) {
  if (b == 0)
    throw ExprError(quoted(context) + ": modulo by zero");
  if (b == -1)
    return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

int64_t ceilDiv(int64_t a, int64_t b, std::string_view context) {
  if (b == 0)
    throw ExprError(quoted(context) + ": division by zero in cdiv");
  if (a == std::numeric_limits<int64_t>::min())
    overflow(context);
  return -floorDiv(-a, b, context);
}

Expr::Expr() : Expr(constant(0)) {}

Expr::Expr(NodePtr root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

Expr Expr::constant(int64_t value) {
  auto node = std::make_shared<Node>();
  node->kind = Node::Kind::Const;
  node->value = value;
  return Expr(node, std::to_string(value));
}

Expr Expr::parse(std::string_view text) {
  NodePtr root = Parser(text).parseAll();
  // Trim for display; the tree is independent of spacing.
  size_t b = text.find_first_not_of(" \t\n");
  size_t e = text.find_last_not_of(" \t\n");
  return Expr(root, std::string(text.substr(b, e - b + 1)));
}

int64_t Expr::eval(const Bindings &names) const {
  return evalNode(*root_, names, text_);
}

void Expr::collectNames(std::set<std::string> &out) const {
  collect(*root_, out);
}

std::set<std::string> Expr::names() const {
  std::set<std::string> out;
  collectNames(out);
  return out;
}

std::optional<std::string> Expr::asName() const {
  if (root_->kind == Node::Kind::Name)
    return root_->name;
  return std::nullopt;
}

std::optional<int64_t> Expr::asConstant() const {
  if (!names().empty())
    return std::nullopt;
  return eval({});
}

} // namespace ida

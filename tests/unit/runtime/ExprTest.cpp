//===- tests/unit/runtime/ExprTest.cpp - the size expression language ----===//

#include "runtime/bundle/Expr.h"
#include "runtime/support/Error.h"

#include <gtest/gtest.h>

#include <limits>

using namespace ida;

namespace {
int64_t ev(const char *text, const Bindings &b = {}) {
  return Expr::parse(text).eval(b);
}
std::string parseError(const char *text) {
  try {
    Expr::parse(text);
  } catch (const ExprError &e) {
    return e.what();
  }
  return "<no error>";
}
std::string evalError(const char *text, const Bindings &b = {}) {
  try {
    Expr::parse(text).eval(b);
  } catch (const ExprError &e) {
    return e.what();
  }
  return "<no error>";
}
} // namespace

TEST(Expr, PrecedenceAndAssociativity) {
  EXPECT_EQ(ev("1 + 2 * 3"), 7);
  EXPECT_EQ(ev("(1 + 2) * 3"), 9);
  EXPECT_EQ(ev("10 - 4 - 3"), 3);
  EXPECT_EQ(ev("100 / 10 / 5"), 2);
  EXPECT_EQ(ev("7 % 4 * 2"), 6);
  EXPECT_EQ(ev("-3 + 5"), 2);
  EXPECT_EQ(ev("- -3"), 3);
  EXPECT_EQ(ev("2*-3"), -6);
  EXPECT_EQ(ev("  42  "), 42);
}

TEST(Expr, FloorDivisionAndModuloFollowPython) {
  EXPECT_EQ(ev("7 / 2"), 3);
  EXPECT_EQ(ev("-7 / 2"), -4);
  EXPECT_EQ(ev("7 / -2"), -4);
  EXPECT_EQ(ev("-7 / -2"), 3);
  EXPECT_EQ(ev("7 % 3"), 1);
  EXPECT_EQ(ev("-7 % 3"), 2);
  EXPECT_EQ(ev("7 % -3"), -2);
  EXPECT_EQ(ev("-6 % 3"), 0);
}

TEST(Expr, Functions) {
  EXPECT_EQ(ev("cdiv(100, 64)"), 2);
  EXPECT_EQ(ev("cdiv(128, 64)"), 2);
  EXPECT_EQ(ev("cdiv(0, 64)"), 0);
  EXPECT_EQ(ev("cdiv(1, 64)"), 1);
  EXPECT_EQ(ev("cdiv(-5, 2)"), -2);
  EXPECT_EQ(ev("min(3, max(1, 2))"), 2);
  EXPECT_EQ(ev("max(-1, min(-3, -2))"), -1);
  EXPECT_EQ(ev("cdiv(T, C) * C", {{"T", 100}, {"C", 64}}), 128);
}

TEST(Expr, NamesAndBindings) {
  Bindings b{{"B", 2}, {"T", 100}, {"NUM_WARPS", 4}};
  EXPECT_EQ(ev("B*4", b), 8);
  EXPECT_EQ(ev("32*NUM_WARPS", b), 128);
  Expr e = Expr::parse("cdiv(T, C) + B");
  EXPECT_EQ(e.names(), (std::set<std::string>{"B", "C", "T"}));
  EXPECT_EQ(Expr::parse("T").asName(), std::optional<std::string>("T"));
  EXPECT_FALSE(Expr::parse("T+0").asName());
  EXPECT_EQ(Expr::parse("4*16").asConstant(), std::optional<int64_t>(64));
  EXPECT_FALSE(Expr::parse("4*T").asConstant());
  EXPECT_EQ(Expr::parse(" cdiv(T, C) ").text(), "cdiv(T, C)");
  EXPECT_EQ(Expr::constant(64).text(), "64");
  EXPECT_EQ(Expr().eval({}), 0);
}

TEST(Expr, ParseErrorsQuoteTheTextAndColumn) {
  EXPECT_EQ(parseError(""), "bad expression '': empty expression at column 1");
  EXPECT_NE(parseError("1 +").find("expression ended"), std::string::npos);
  EXPECT_NE(parseError("(1 + 2").find("expected ')'"), std::string::npos);
  EXPECT_NE(parseError("foo(1, 2)").find("unknown function 'foo'"),
            std::string::npos);
  EXPECT_NE(parseError("cdiv(1)").find("cdiv() takes two arguments"),
            std::string::npos);
  EXPECT_NE(parseError("min(1, 2, 3)").find("takes two arguments"),
            std::string::npos);
  EXPECT_NE(parseError("2x").find("malformed number"), std::string::npos);
  EXPECT_NE(parseError("1.5").find("malformed number"), std::string::npos);
  EXPECT_NE(parseError("T ** 2").find("unexpected '*'"), std::string::npos);
  EXPECT_NE(parseError("T C").find("unexpected 'C' at column 3"),
            std::string::npos);
  EXPECT_NE(parseError("99999999999999999999").find("too large"),
            std::string::npos);
  EXPECT_NE(parseError("B $ 2").find("bad expression 'B $ 2'"),
            std::string::npos);
}

TEST(Expr, EvaluationErrors) {
  EXPECT_EQ(evalError("T / C", {{"T", 1}}),
            "expression 'T / C': unknown name 'C' (known: T)");
  EXPECT_NE(evalError("T / 0", {{"T", 1}}).find("division by zero"),
            std::string::npos);
  EXPECT_NE(evalError("T % (T - T)", {{"T", 1}}).find("modulo by zero"),
            std::string::npos);
  EXPECT_NE(evalError("cdiv(T, 0)", {{"T", 1}}).find("division by zero"),
            std::string::npos);
  EXPECT_NE(evalError("9223372036854775807 + 1").find("overflow"),
            std::string::npos);
  EXPECT_NE(evalError("4611686018427387904 * 2").find("overflow"),
            std::string::npos);
  EXPECT_EQ(floorDiv(std::numeric_limits<int64_t>::min(), 1),
            std::numeric_limits<int64_t>::min());
  EXPECT_THROW(floorDiv(std::numeric_limits<int64_t>::min(), -1), ExprError);
  EXPECT_EQ(floorMod(std::numeric_limits<int64_t>::min(), -1), 0);
}

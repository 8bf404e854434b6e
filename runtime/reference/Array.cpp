//===- runtime/reference/Array.cpp - dense float64 array ------------------===//
#include "runtime/reference/Reference.h"

#include <sstream>
#include <stdexcept>

namespace ida::ref {

static int64_t productOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw std::invalid_argument("Array: negative dimension in shape");
    n *= d;
  }
  return n;
}

Array::Array(std::vector<int64_t> shapeIn, double fill)
    : shape(std::move(shapeIn)),
      data(static_cast<size_t>(productOf(shape)), fill) {}

int64_t Array::numel() const { return productOf(shape); }

std::string Array::shapeString() const {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

} // namespace ida::ref

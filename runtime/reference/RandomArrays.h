//===- runtime/reference/RandomArrays.h - seeded random inputs --*- C++ -*-===//
//
// Fresh random float64 arrays from one seeded generator, for the tests, the
// GPU check and ida-bench (header-only: tests/gpu builds without the
// reference library's CMake target).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_REFERENCE_RANDOMARRAYS_H
#define IDA_RUNTIME_REFERENCE_RANDOMARRAYS_H

#include "runtime/reference/Reference.h"

#include <cstdint>
#include <random>
#include <vector>

namespace ida::ref {

class RandomArrays {
public:
  explicit RandomArrays(uint64_t seed) : gen_(seed) {}
  Array normal(std::vector<int64_t> shape, double mean = 0.0, double sd = 1.0) {
    Array a(std::move(shape));
    std::normal_distribution<double> d(mean, sd);
    for (double &x : a.data)
      x = d(gen_);
    return a;
  }
  Array uniform(std::vector<int64_t> shape, double lo, double hi) {
    Array a(std::move(shape));
    std::uniform_real_distribution<double> d(lo, hi);
    for (double &x : a.data)
      x = d(gen_);
    return a;
  }

private:
  std::mt19937_64 gen_;
};

} // namespace ida::ref

#endif // IDA_RUNTIME_REFERENCE_RANDOMARRAYS_H

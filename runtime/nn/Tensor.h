//===- runtime/nn/Tensor.h - dense host tensor for the nn layers -*- C++ -*-===//
//
// A deliberately small owning tensor: a shape and a contiguous row-major
// std::vector. The layers are templated on the scalar type so the same code
// runs in float (training) and double (finite-difference tests); this type
// carries no device or dtype tag because the nn layers only ever run on the
// host. The launcher's device tensors are converted at the MixerCore boundary.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_NN_TENSOR_H
#define IDA_RUNTIME_NN_TENSOR_H

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace ida::nn {

template <class T> struct Tensor {
  std::vector<int64_t> shape;
  std::vector<T> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> dims, T fill = T(0))
      : shape(std::move(dims)), data(static_cast<size_t>(count(shape)), fill) {}

  static int64_t count(const std::vector<int64_t> &dims) {
    int64_t n = 1;
    for (int64_t d : dims)
      n *= d;
    return n;
  }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  bool empty() const { return data.empty(); }
  T *ptr() { return data.data(); }
  const T *ptr() const { return data.data(); }
  T &operator[](int64_t i) { return data[static_cast<size_t>(i)]; }
  const T &operator[](int64_t i) const { return data[static_cast<size_t>(i)]; }

  /// Resizes to `dims` and zero-fills (contents are never preserved).
  void reset(std::vector<int64_t> dims) {
    shape = std::move(dims);
    data.assign(static_cast<size_t>(count(shape)), T(0));
  }
  void zero() { std::fill(data.begin(), data.end(), T(0)); }

  std::string shapeString() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  }
};

/// Elementwise conversion between scalar types (same shape).
template <class To, class From> Tensor<To> castTensor(const Tensor<From> &x) {
  Tensor<To> y;
  y.shape = x.shape;
  y.data.assign(x.data.begin(), x.data.end());
  return y;
}

} // namespace ida::nn

#endif // IDA_RUNTIME_NN_TENSOR_H

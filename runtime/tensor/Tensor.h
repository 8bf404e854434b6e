//===- runtime/tensor/Tensor.h - host tensors -------------------*- C++ -*-===//
//
// A dense, row-major (C order) host array that owns its memory: what callers
// hand to the launcher and get back. Memory is 64-byte aligned (cache lines,
// AVX-512 loads) and zero-filled on creation. Move-only: copies of large
// activations should be explicit (clone()).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TENSOR_TENSOR_H
#define IDA_RUNTIME_TENSOR_TENSOR_H

#include "runtime/tensor/DType.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ida {

using Shape = std::vector<int64_t>;

/// "[2, 100, 4, 64]".
std::string shapeString(const Shape &shape);
/// Product of the extents (1 for a scalar); throws ida::Error on a negative
/// extent or overflow.
int64_t shapeNumel(const Shape &shape);

namespace detail {
/// Frees owned tensor memory; does nothing for views. (At namespace scope:
/// a nested class with default arguments is not default-constructible
/// inside its enclosing class, which unique_ptr needs.)
struct FreeDeleter {
  FreeDeleter(bool ownsMemory = true) : owns(ownsMemory) {}
  bool owns;
  void operator()(void *p) const;
};
} // namespace detail

class Tensor {
public:
  /// An empty f32 tensor of shape [0].
  Tensor();
  /// Zero-filled.
  Tensor(DType dtype, Shape shape);
  /// A tensor holding a copy of `values`, converted to `dtype`.
  static Tensor fromDoubles(DType dtype, Shape shape,
                            const std::vector<double> &values);

  /// A non-owning view of caller memory (numpy, DLPack, a training loop's
  /// buffers): no copy, no alignment guarantee; the memory must outlive the
  /// view and every run that uses it.
  static Tensor view(void *data, DType dtype, Shape shape);
  /// Whether this tensor owns its memory (false for view()).
  bool ownsMemory() const { return data_.get_deleter().owns; }

  Tensor(Tensor &&) noexcept = default;
  Tensor &operator=(Tensor &&) noexcept = default;
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  Tensor clone() const;

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return size_t(numel_) * dtypeSize(dtype_); }

  void *data() { return data_.get(); }
  const void *data() const { return data_.get(); }
  /// Typed access; throws ida::Error when T does not match dtype() (16-bit
  /// floats are accessed as uint16_t).
  template <typename T> T *data() {
    checkType(sizeof(T), isFloatType<T>());
    return static_cast<T *>(data());
  }
  template <typename T> const T *data() const {
    checkType(sizeof(T), isFloatType<T>());
    return static_cast<const T *>(data());
  }

  /// A converted copy (f64 -> f32, f32 -> bf16, ...); float -> int truncates
  /// toward zero. Converting to the same dtype is clone().
  Tensor to(DType dtype) const;
  /// Element i as double, whatever the dtype.
  double at(int64_t i) const;
  /// Every element as double (for tests and references).
  std::vector<double> toDoubles() const;
  /// "f32[2, 3]".
  std::string description() const;

private:
  struct ViewTag {};
  Tensor(ViewTag, void *data, DType dtype, Shape shape);
  template <typename T> static constexpr bool isFloatType() {
    return T(0.5) != T(0);
  }
  void checkType(size_t size, bool floating) const;
  void set(int64_t i, double value);

  DType dtype_ = DType::F32;
  Shape shape_;
  int64_t numel_ = 0;
  std::unique_ptr<void, detail::FreeDeleter> data_;
};

} // namespace ida

#endif // IDA_RUNTIME_TENSOR_TENSOR_H

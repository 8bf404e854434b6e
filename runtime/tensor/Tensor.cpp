//===- runtime/tensor/Tensor.cpp - host tensors ---------------------------===//

#include "runtime/tensor/Tensor.h"

#include "runtime/support/Error.h"
#include "runtime/tensor/Half.h"

#include <cstdlib>
#include <cstring>

namespace ida {

std::string shapeString(const Shape &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

int64_t shapeNumel(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw Error("negative extent in shape " + shapeString(shape));
    if (__builtin_mul_overflow(n, d, &n))
      throw Error("shape " + shapeString(shape) + " has too many elements");
  }
  return n;
}

void detail::FreeDeleter::operator()(void *p) const {
  if (owns)
    std::free(p);
}

Tensor::Tensor(ViewTag, void *data, DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shapeNumel(shape_)),
      data_(data, detail::FreeDeleter(false)) {}

Tensor Tensor::view(void *data, DType dtype, Shape shape) {
  if (!data)
    throw Error("Tensor::view of a null pointer");
  return Tensor(ViewTag{}, data, dtype, std::move(shape));
}

Tensor::Tensor() : Tensor(DType::F32, Shape{0}) {}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shapeNumel(shape_)) {
  size_t bytes = nbytes();
  // aligned_alloc needs a multiple of the alignment; keep at least one line
  // so an empty tensor still has a distinct non-null address.
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0)
    rounded = 64;
  void *p = std::aligned_alloc(64, rounded);
  if (!p)
    throw Error("out of host memory allocating " + description() + " (" +
                std::to_string(bytes) + " bytes)");
  std::memset(p, 0, rounded);
  data_.reset(p);
}

Tensor Tensor::fromDoubles(DType dtype, Shape shape,
                           const std::vector<double> &values) {
  Tensor t(dtype, std::move(shape));
  if (int64_t(values.size()) != t.numel())
    throw Error("Tensor::fromDoubles: " + std::to_string(values.size()) +
                " values for shape " + shapeString(t.shape()));
  for (int64_t i = 0; i < t.numel(); ++i)
    t.set(i, values[size_t(i)]);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  std::memcpy(t.data(), data(), nbytes());
  return t;
}

void Tensor::checkType(size_t size, bool floating) const {
  bool ok = size == dtypeSize(dtype_) &&
            (floating == isFloating(dtype_) ||
             // 16-bit floats are stored as raw uint16_t bits.
             (size == 2 && !floating));
  if (!ok)
    throw Error("tensor " + description() +
                ": typed access with a mismatched element type");
}

double Tensor::at(int64_t i) const {
  const void *p = data();
  switch (dtype_) {
  case DType::F32: return static_cast<const float *>(p)[i];
  case DType::F64: return static_cast<const double *>(p)[i];
  case DType::BF16: return bfloat16ToFloat(static_cast<const uint16_t *>(p)[i]);
  case DType::F16: return halfToFloat(static_cast<const uint16_t *>(p)[i]);
  case DType::I32: return static_cast<const int32_t *>(p)[i];
  case DType::I64: return double(static_cast<const int64_t *>(p)[i]);
  }
  return 0;
}

void Tensor::set(int64_t i, double v) {
  void *p = data();
  switch (dtype_) {
  case DType::F32: static_cast<float *>(p)[i] = float(v); break;
  case DType::F64: static_cast<double *>(p)[i] = v; break;
  case DType::BF16:
    static_cast<uint16_t *>(p)[i] = floatToBFloat16(float(v));
    break;
  case DType::F16: static_cast<uint16_t *>(p)[i] = floatToHalf(float(v)); break;
  case DType::I32: static_cast<int32_t *>(p)[i] = int32_t(v); break;
  case DType::I64: static_cast<int64_t *>(p)[i] = int64_t(v); break;
  }
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_)
    return clone();
  Tensor out(dtype, shape_);
  // i64 -> i64-like paths would lose precision through double; integers
  // between the two integer types are copied exactly.
  if (dtype_ == DType::I64 && dtype == DType::I32) {
    for (int64_t i = 0; i < numel_; ++i)
      out.data<int32_t>()[i] = int32_t(data<int64_t>()[i]);
    return out;
  }
  for (int64_t i = 0; i < numel_; ++i)
    out.set(i, at(i));
  return out;
}

std::vector<double> Tensor::toDoubles() const {
  std::vector<double> out(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i)
    out[size_t(i)] = at(i);
  return out;
}

std::string Tensor::description() const {
  return std::string(dtypeName(dtype_)) + shapeString(shape_);
}

} // namespace ida

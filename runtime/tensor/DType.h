//===- runtime/tensor/DType.h - element types -------------------*- C++ -*-===//
//
// The element types bundles and tensors use, with their manifest spellings:
// f32, f64, bf16, f16, i32, i64.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TENSOR_DTYPE_H
#define IDA_RUNTIME_TENSOR_DTYPE_H

#include <cstddef>
#include <string>
#include <string_view>

namespace ida {

enum class DType { F32, F64, BF16, F16, I32, I64 };

/// "f32", "f64", "bf16", "f16", "i32", "i64".
const char *dtypeName(DType dtype);
/// Inverse of dtypeName; throws ida::Error listing the accepted names.
DType parseDType(std::string_view name);
/// Bytes per element.
size_t dtypeSize(DType dtype);
bool isFloating(DType dtype);

} // namespace ida

#endif // IDA_RUNTIME_TENSOR_DTYPE_H

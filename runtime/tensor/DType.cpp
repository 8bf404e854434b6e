//===- runtime/tensor/DType.cpp - element types ---------------------------===//

#include "runtime/tensor/DType.h"

#include "runtime/support/Error.h"

namespace ida {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::BF16: return "bf16";
  case DType::F16: return "f16";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  }
  return "?";
}

DType parseDType(std::string_view name) {
  for (DType d : {DType::F32, DType::F64, DType::BF16, DType::F16, DType::I32,
                  DType::I64})
    if (name == dtypeName(d))
      return d;
  throw Error("unknown dtype '" + std::string(name) +
              "' (expected f32, f64, bf16, f16, i32 or i64)");
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32: case DType::I32: return 4;
  case DType::F64: case DType::I64: return 8;
  case DType::BF16: case DType::F16: return 2;
  }
  return 0;
}

bool isFloating(DType dtype) {
  return dtype != DType::I32 && dtype != DType::I64;
}

} // namespace ida

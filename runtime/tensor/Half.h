//===- runtime/tensor/Half.h - 16-bit float conversions ---------*- C++ -*-===//
//
// IEEE binary16 and bfloat16 <-> float, rounding to nearest even, with
// infinities and NaN preserved. Host-side only: tensors store the raw bits.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TENSOR_HALF_H
#define IDA_RUNTIME_TENSOR_HALF_H

#include <cstdint>

namespace ida {

uint16_t floatToHalf(float value);
float halfToFloat(uint16_t bits);
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t bits);

} // namespace ida

#endif // IDA_RUNTIME_TENSOR_HALF_H

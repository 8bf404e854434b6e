//===- runtime/io/Npy.h - strict .npy reader and writer ---------*- C++ -*-===//
//
// Small and strict on purpose: the reference tools and tests exchange arrays
// with numpy through .npy files, and a silently misread file is worse than
// an error. Supported:
//   - format versions 1.0, 2.0 and 3.0 (3.0 differs only in header encoding);
//     writing picks 1.0 unless the header needs 2.0;
//   - little-endian float32 '<f4', float64 '<f8', int32 '<i4', int64 '<i8',
//     and uint16 '<u2', which this project always reads as bfloat16 bits;
//   - C (row-major) order only.
// Everything else throws std::runtime_error naming the file: bad magic,
// unknown version, malformed header, unsupported dtype, big-endian data,
// Fortran order, and files shorter or longer than the header promises.
//
// bfloat16 convention: a '<u2' array holds raw bfloat16 bits, i.e. the upper
// 16 bits of the IEEE float32. Decoding shifts them up (exact); encoding
// rounds the float32 to nearest, ties to even (NaN stays a quiet NaN). The
// numpy side of the same convention is in tests/python/ida_numpy_ref.py
// (to_bf16_bits / from_bf16_bits).
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_IO_NPY_H
#define IDA_RUNTIME_IO_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace ida::io {

enum class DType { Float32, Float64, BFloat16, Int32, Int64 };

/// "float32", "float64", "bfloat16", "int32", "int64".
const char *dtypeName(DType dtype);
/// numpy descr written for the dtype: "<f4", "<f8", "<u2", "<i4", "<i8".
const char *dtypeDescr(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);

/// An array as stored: raw little-endian element bytes in C order.
struct NpyArray {
  DType dtype = DType::Float64;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t numel() const;
};

NpyArray readNpy(const std::string &path);
void writeNpy(const std::string &path, const NpyArray &array);

/// Element values widened to float64 (bfloat16 decoded, integers converted).
std::vector<double> toFloat64(const NpyArray &array);
/// Encodes values as `dtype` (float32 and bfloat16 round to nearest even;
/// integer dtypes require integral values in range and throw otherwise).
NpyArray fromFloat64(std::vector<int64_t> shape, const std::vector<double> &values,
                     DType dtype);

/// Shorthands for the common case.
std::vector<double> readNpyFloat64(const std::string &path,
                                   std::vector<int64_t> *shape);
void writeNpyFloat64(const std::string &path, const std::vector<int64_t> &shape,
                     const std::vector<double> &values,
                     DType dtype = DType::Float64);

/// bfloat16 bit conversions (see the convention above).
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t bits);

} // namespace ida::io

#endif // IDA_RUNTIME_IO_NPY_H

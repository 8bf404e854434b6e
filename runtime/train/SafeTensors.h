//===- runtime/train/SafeTensors.h - minimal safetensors I/O ----*- C++ -*-===//
//
// The format: 8-byte little-endian header length n, then n bytes of JSON
// {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
//  "__metadata__": {"key": "string value", ...}}, then the raw little-endian
// data, offsets relative to the end of the header. The header is padded with
// spaces to a multiple of 8 so the data is aligned. Writes go to a temporary
// file in the same directory that is renamed over the target, so a reader
// never sees a half-written file.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TRAIN_SAFETENSORS_H
#define IDA_RUNTIME_TRAIN_SAFETENSORS_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ida::train {

struct StoredTensor {
  std::string dtype; // "F32", "F64", "I64", "U8"
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

struct SafeTensorsFile {
  std::map<std::string, std::string> metadata;
  std::map<std::string, StoredTensor> tensors;

  void putF32(const std::string &name, const std::vector<int64_t> &shape,
              const float *data);
  /// Copies a tensor out; throws std::runtime_error naming it when it is
  /// missing, not F32, or of another shape.
  void getF32(const std::string &name, const std::vector<int64_t> &shape,
              float *data) const;
  const std::string &meta(const std::string &key) const; // throws if missing
};

/// Throws std::runtime_error (naming the path) on any I/O or format error.
void writeSafeTensors(const std::string &path, const SafeTensorsFile &file);
SafeTensorsFile readSafeTensors(const std::string &path);

} // namespace ida::train

#endif // IDA_RUNTIME_TRAIN_SAFETENSORS_H

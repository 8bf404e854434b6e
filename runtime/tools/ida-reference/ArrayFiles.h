//===- runtime/tools/ida-reference/ArrayFiles.h - arrays in a folder ------===//
//
// The tool's I/O convention: every array is DIR/<name>.npy. Inputs of any
// dtype ida_io reads are widened to float64; outputs are written in the
// dtype chosen on the command line.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_TOOLS_IDA_REFERENCE_ARRAYFILES_H
#define IDA_RUNTIME_TOOLS_IDA_REFERENCE_ARRAYFILES_H

#include "runtime/io/Npy.h"
#include "runtime/reference/Reference.h"

#include <optional>
#include <string>

namespace ida::tools {

class ArrayFolder {
public:
  explicit ArrayFolder(std::string dir) : dir_(std::move(dir)) {}

  /// DIR/name.npy; throws std::runtime_error naming the file when missing.
  ref::Array require(const std::string &name) const;
  /// DIR/name.npy when it exists.
  std::optional<ref::Array> optional(const std::string &name) const;
  /// Writes DIR/name.npy unless `array` is empty (an absent output).
  void write(const std::string &name, const ref::Array &array,
             io::DType dtype) const;

private:
  std::string path(const std::string &name) const;
  std::string dir_;
};

} // namespace ida::tools

#endif

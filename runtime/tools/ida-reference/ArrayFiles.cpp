//===- runtime/tools/ida-reference/ArrayFiles.cpp -------------------------===//
#include "runtime/tools/ida-reference/ArrayFiles.h"

#include <filesystem>
#include <stdexcept>

namespace ida::tools {

std::string ArrayFolder::path(const std::string &name) const {
  return (std::filesystem::path(dir_) / (name + ".npy")).string();
}

ref::Array ArrayFolder::require(const std::string &name) const {
  std::optional<ref::Array> a = optional(name);
  if (!a)
    throw std::runtime_error("missing input " + path(name));
  return *a;
}

std::optional<ref::Array> ArrayFolder::optional(const std::string &name) const {
  if (!std::filesystem::exists(path(name)))
    return std::nullopt;
  ref::Array a;
  a.data = io::readNpyFloat64(path(name), &a.shape);
  return a;
}

void ArrayFolder::write(const std::string &name, const ref::Array &array,
                        io::DType dtype) const {
  if (array.shape.empty() && array.data.empty())
    return;
  io::writeNpyFloat64(path(name), array.shape, array.data, dtype);
}

} // namespace ida::tools

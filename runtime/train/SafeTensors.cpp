//===- runtime/train/SafeTensors.cpp - minimal safetensors I/O ------------===//
#include "runtime/train/SafeTensors.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace ida::train {

namespace {
size_t dtypeSize(const std::string &dtype) {
  if (dtype == "F32" || dtype == "I32")
    return 4;
  if (dtype == "F64" || dtype == "I64")
    return 8;
  if (dtype == "U8")
    return 1;
  throw std::runtime_error("safetensors: unsupported dtype '" + dtype + "'");
}

int64_t count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string shapeString(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}
} // namespace

void SafeTensorsFile::putF32(const std::string &name,
                             const std::vector<int64_t> &shape,
                             const float *data) {
  StoredTensor t;
  t.dtype = "F32";
  t.shape = shape;
  t.bytes.resize(size_t(count(shape)) * 4);
  std::memcpy(t.bytes.data(), data, t.bytes.size()); // host is little-endian
  tensors[name] = std::move(t);
}

void SafeTensorsFile::getF32(const std::string &name,
                             const std::vector<int64_t> &shape,
                             float *data) const {
  auto it = tensors.find(name);
  if (it == tensors.end())
    throw std::runtime_error("checkpoint has no tensor '" + name + "'");
  const StoredTensor &t = it->second;
  if (t.dtype != "F32" || t.shape != shape)
    throw std::runtime_error("checkpoint tensor '" + name + "' is " + t.dtype +
                             " " + shapeString(t.shape) + ", expected F32 " +
                             shapeString(shape));
  std::memcpy(data, t.bytes.data(), t.bytes.size());
}

const std::string &SafeTensorsFile::meta(const std::string &key) const {
  auto it = metadata.find(key);
  if (it == metadata.end())
    throw std::runtime_error("checkpoint metadata has no '" + key + "'");
  return it->second;
}

void writeSafeTensors(const std::string &path, const SafeTensorsFile &file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty())
    header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto &[name, t] : file.tensors) {
    if (t.bytes.size() != size_t(count(t.shape)) * dtypeSize(t.dtype))
      throw std::runtime_error("safetensors: tensor '" + name +
                               "' has the wrong byte count");
    header[name] = {{"dtype", t.dtype},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint8_t len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = uint8_t(uint64_t(text.size()) >> (8 * i));

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw std::runtime_error("cannot write '" + tmp + "'");
    out.write(reinterpret_cast<const char *>(len), 8);
    out.write(text.data(), std::streamsize(text.size()));
    for (const auto &[name, t] : file.tensors)
      out.write(reinterpret_cast<const char *>(t.bytes.data()),
                std::streamsize(t.bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write '" + tmp + "' (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "'");
  }
}

SafeTensorsFile readSafeTensors(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open checkpoint '" + path + "'");
  in.seekg(0, std::ios::end);
  const uint64_t fileSize = uint64_t(in.tellg());
  in.seekg(0);
  uint8_t len[8];
  if (fileSize < 8 || !in.read(reinterpret_cast<char *>(len), 8))
    throw std::runtime_error("'" + path + "' is not a safetensors file (too short)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(len[i]) << (8 * i);
  if (n > fileSize - 8)
    throw std::runtime_error("'" + path + "' is not a safetensors file (bad header length)");
  std::string text(n, '\0');
  in.read(text.data(), std::streamsize(n));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const std::exception &e) {
    throw std::runtime_error("'" + path + "': bad safetensors header: " + e.what());
  }
  const uint64_t dataSize = fileSize - 8 - n;
  std::vector<uint8_t> data(dataSize);
  in.read(reinterpret_cast<char *>(data.data()), std::streamsize(dataSize));
  if (!in)
    throw std::runtime_error("'" + path + "': truncated data");

  SafeTensorsFile file;
  try {
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        file.metadata = it.value().get<std::map<std::string, std::string>>();
        continue;
      }
      StoredTensor t;
      t.dtype = it.value().at("dtype").get<std::string>();
      t.shape = it.value().at("shape").get<std::vector<int64_t>>();
      const auto off = it.value().at("data_offsets").get<std::vector<uint64_t>>();
      if (off.size() != 2 || off[0] > off[1] || off[1] > dataSize ||
          off[1] - off[0] != uint64_t(count(t.shape)) * dtypeSize(t.dtype))
        throw std::runtime_error("tensor '" + it.key() + "' has bad data_offsets");
      t.bytes.assign(data.begin() + off[0], data.begin() + off[1]);
      file.tensors[it.key()] = std::move(t);
    }
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error("'" + path + "': bad safetensors header: " + e.what());
  } catch (const std::runtime_error &e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
  return file;
}

} // namespace ida::train

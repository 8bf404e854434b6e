//===- runtime/io/Npy.cpp - strict .npy reader and writer -----------------===//
#include "runtime/io/Npy.h"

#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <stdexcept>

namespace ida::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct DTypeInfo {
  DType dtype;
  const char *name;
  const char *descr;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::Float32, "float32", "<f4", 4}, {DType::Float64, "float64", "<f8", 8},
    {DType::BFloat16, "bfloat16", "<u2", 2}, {DType::Int32, "int32", "<i4", 4},
    {DType::Int64, "int64", "<i8", 8}};

const DTypeInfo &info(DType dtype) {
  for (const auto &entry : kDTypes)
    if (entry.dtype == dtype)
      return entry;
  throw std::invalid_argument("npy: unknown dtype enum");
}

[[noreturn]] void fail(const std::string &path, const std::string &what) {
  throw std::runtime_error("npy: " + path + ": " + what);
}

bool hostIsLittleEndian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

/// Parser for the one Python literal numpy writes as header:
///   {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
public:
  HeaderParser(const std::string &text, const std::string &path)
      : s_(text), path_(path) {}

  struct Header {
    std::string descr;
    bool fortranOrder = false;
    std::vector<int64_t> shape;
  };

  Header parse() {
    Header h;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}')
        break;
      const std::string key = quoted();
      expect(':');
      skipSpace();
      if (key == "descr") {
        h.descr = quoted();
        haveDescr = true;
      } else if (key == "fortran_order") {
        h.fortranOrder = boolean();
        haveOrder = true;
      } else if (key == "shape") {
        h.shape = tuple();
        haveShape = true;
      } else {
        fail(path_, "unexpected header key '" + key + "'");
      }
      skipSpace();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      skipSpace();
      if (peek() != '}')
        fail(path_, "malformed header: expected ',' or '}' at offset " +
                        std::to_string(i_));
    }
    ++i_;
    skipSpace();
    if (i_ != s_.size())
      fail(path_, "malformed header: trailing characters");
    if (!haveDescr || !haveOrder || !haveShape)
      fail(path_, "header must have 'descr', 'fortran_order' and 'shape'");
    return h;
  }

private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skipSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c)
      fail(path_, std::string("malformed header: expected '") + c +
                      "' at offset " + std::to_string(i_));
    ++i_;
  }
  std::string quoted() {
    skipSpace();
    const char q = peek();
    if (q != '\'' && q != '"')
      fail(path_, "malformed header: expected a quoted string at offset " +
                      std::to_string(i_));
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos)
      fail(path_, "malformed header: unterminated string");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    fail(path_, "malformed header: fortran_order must be True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    expect('(');
    while (true) {
      skipSpace();
      if (peek() == ')')
        break;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        fail(path_, "malformed header: shape must be a tuple of non-negative "
                    "integers");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10)
          fail(path_, "malformed header: dimension too large");
        v = v * 10 + (s_[i_++] - '0');
      }
      dims.push_back(v);
      skipSpace();
      if (peek() == ',')
        ++i_;
      else if (peek() != ')')
        fail(path_, "malformed header: expected ',' or ')' in shape");
    }
    ++i_;
    return dims;
  }

  const std::string &s_;
  const std::string &path_;
  size_t i_ = 0;
};

DType dtypeFromDescr(const std::string &descr, const std::string &path) {
  for (const auto &entry : kDTypes)
    if (descr == entry.descr)
      return entry.dtype;
  if (!descr.empty() && descr[0] == '>')
    fail(path, "big-endian dtype '" + descr + "' is not supported");
  fail(path, "unsupported dtype '" + descr +
                 "' (supported: <f4, <f8, <u2 = bfloat16 bits, <i4, <i8)");
}

uint32_t readLittle(const uint8_t *p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T> void store(uint8_t *p, T v) { std::memcpy(p, &v, sizeof(T)); }

} // namespace

const char *dtypeName(DType dtype) { return info(dtype).name; }
const char *dtypeDescr(DType dtype) { return info(dtype).descr; }
size_t dtypeSize(DType dtype) { return info(dtype).size; }

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

uint16_t floatToBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x0040); // keep it a quiet NaN
  // Round to nearest, ties to even: add 0x7FFF plus the lowest kept bit.
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float bfloat16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, 4);
  return value;
}

NpyArray readNpy(const std::string &path) {
  if (!hostIsLittleEndian())
    fail(path, "this reader supports little-endian hosts only");
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail(path, "cannot open for reading");
  const std::vector<uint8_t> raw((std::istreambuf_iterator<char>(file)),
                                 std::istreambuf_iterator<char>());
  if (raw.size() < kMagicLen + 2 ||
      std::memcmp(raw.data(), kMagic, kMagicLen) != 0)
    fail(path, "not a .npy file (bad magic)");
  const int major = raw[kMagicLen], minor = raw[kMagicLen + 1];
  int lenBytes;
  if (major == 1 && minor == 0)
    lenBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lenBytes = 4;
  else
    fail(path, "unsupported .npy version " + std::to_string(major) + "." +
                   std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  const size_t lenAt = kMagicLen + 2;
  if (raw.size() < lenAt + lenBytes)
    fail(path, "truncated header");
  const size_t headerLen = readLittle(raw.data() + lenAt, lenBytes);
  const size_t dataAt = lenAt + lenBytes + headerLen;
  if (raw.size() < dataAt)
    fail(path, "truncated header: needs " + std::to_string(dataAt) +
                   " bytes, file has " + std::to_string(raw.size()));
  const std::string text(raw.begin() + lenAt + lenBytes, raw.begin() + dataAt);
  const HeaderParser::Header header = HeaderParser(text, path).parse();

  NpyArray array;
  array.dtype = dtypeFromDescr(header.descr, path);
  if (header.fortranOrder)
    fail(path, "Fortran-order arrays are not supported (save a C-order copy, "
               "e.g. np.ascontiguousarray)");
  array.shape = header.shape;
  const size_t expected = static_cast<size_t>(array.numel()) * dtypeSize(array.dtype);
  const size_t actual = raw.size() - dataAt;
  if (actual < expected)
    fail(path, "truncated data: shape " + std::to_string(array.numel()) +
                   " elements needs " + std::to_string(expected) +
                   " bytes, file has " + std::to_string(actual));
  if (actual > expected)
    fail(path, "unexpected " + std::to_string(actual - expected) +
                   " trailing bytes after the data");
  array.bytes.assign(raw.begin() + dataAt, raw.end());
  return array;
}

void writeNpy(const std::string &path, const NpyArray &array) {
  if (!hostIsLittleEndian())
    fail(path, "this writer supports little-endian hosts only");
  const size_t bytes = static_cast<size_t>(array.numel()) * dtypeSize(array.dtype);
  if (array.bytes.size() != bytes)
    fail(path, "array holds " + std::to_string(array.bytes.size()) +
                   " bytes, its shape and dtype need " + std::to_string(bytes));
  std::string dict = std::string("{'descr': '") + dtypeDescr(array.dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i)
    dict += (i ? ", " : "") + std::to_string(array.shape[i]);
  dict += array.shape.size() == 1 ? ",), }" : "), }"; // Python's 1-tuple "(n,)"
  // Pad with spaces and a final newline so the data starts 64-byte aligned;
  // version 1.0 stores the header length in 16 bits.
  const bool v1 = dict.size() + 64 <= 65535;
  const size_t prefix = kMagicLen + 2 + (v1 ? 2 : 4);
  size_t total = prefix + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  const size_t headerLen = dict.size();

  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file)
    fail(path, "cannot open for writing");
  file.write(kMagic, kMagicLen);
  const char version[2] = {static_cast<char>(v1 ? 1 : 2), 0};
  file.write(version, 2);
  uint8_t len[4];
  for (int i = 0; i < 4; ++i)
    len[i] = static_cast<uint8_t>(headerLen >> (8 * i));
  file.write(reinterpret_cast<const char *>(len), v1 ? 2 : 4);
  file.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  file.write(reinterpret_cast<const char *>(array.bytes.data()),
             static_cast<std::streamsize>(array.bytes.size()));
  if (!file.flush())
    fail(path, "write failed");
}

std::vector<double> toFloat64(const NpyArray &array) {
  const int64_t n = array.numel();
  const size_t size = dtypeSize(array.dtype);
  if (array.bytes.size() != static_cast<size_t>(n) * size)
    throw std::runtime_error("npy: array bytes do not match its shape");
  std::vector<double> out(n);
  const uint8_t *p = array.bytes.data();
  for (int64_t i = 0; i < n; ++i, p += size) {
    switch (array.dtype) {
    case DType::Float32: out[i] = load<float>(p); break;
    case DType::Float64: out[i] = load<double>(p); break;
    case DType::BFloat16: out[i] = bfloat16ToFloat(load<uint16_t>(p)); break;
    case DType::Int32: out[i] = load<int32_t>(p); break;
    case DType::Int64: out[i] = static_cast<double>(load<int64_t>(p)); break;
    }
  }
  return out;
}

NpyArray fromFloat64(std::vector<int64_t> shape, const std::vector<double> &values,
                     DType dtype) {
  NpyArray array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  if (static_cast<size_t>(array.numel()) != values.size())
    throw std::invalid_argument("npy: " + std::to_string(values.size()) +
                                " values do not fill the given shape");
  const size_t size = dtypeSize(dtype);
  array.bytes.resize(values.size() * size);
  uint8_t *p = array.bytes.data();
  auto integral = [](double v, double lo, double hi) {
    if (!(v >= lo && v <= hi) || std::trunc(v) != v)
      throw std::invalid_argument("npy: value " + std::to_string(v) +
                                  " is not representable as an integer dtype");
    return v;
  };
  for (double v : values) {
    switch (dtype) {
    case DType::Float32: store<float>(p, static_cast<float>(v)); break;
    case DType::Float64: store<double>(p, v); break;
    case DType::BFloat16: store<uint16_t>(p, floatToBFloat16(static_cast<float>(v))); break;
    case DType::Int32:
      store<int32_t>(p, static_cast<int32_t>(integral(v, -2147483648.0, 2147483647.0)));
      break;
    case DType::Int64:
      store<int64_t>(p, static_cast<int64_t>(integral(v, -9.2233720368547758e18, 9.2233720368547748e18)));
      break;
    }
    p += size;
  }
  return array;
}

std::vector<double> readNpyFloat64(const std::string &path,
                                   std::vector<int64_t> *shape) {
  NpyArray array = readNpy(path);
  if (shape)
    *shape = array.shape;
  return toFloat64(array);
}

void writeNpyFloat64(const std::string &path, const std::vector<int64_t> &shape,
                     const std::vector<double> &values, DType dtype) {
  writeNpy(path, fromFloat64(shape, values, dtype));
}

} // namespace ida::io

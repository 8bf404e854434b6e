//===- runtime/support/Sha256.h - SHA-256 digests ---------------*- C++ -*-===//
//
// A small self-contained SHA-256 (FIPS 180-4) for cache keys. The GPU
// machines that build the runtime are not guaranteed to have a crypto
// library, and the keys only need a collision-resistant digest, not speed.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_SUPPORT_SHA256_H
#define IDA_RUNTIME_SUPPORT_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ida {

class Sha256 {
public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  /// Feeds bytes; may be called any number of times before digest().
  Sha256 &update(const void *data, size_t size);
  Sha256 &update(std::string_view text) {
    return update(text.data(), text.size());
  }
  /// Feeds a field of a composite key: its length, then its bytes, so that
  /// ("ab","c") and ("a","bc") hash differently.
  Sha256 &updateField(std::string_view field);
  /// Finishes the hash; the object must not be updated afterwards.
  Digest digest();
  /// digest() as 64 lowercase hex characters.
  std::string hexDigest();

private:
  void compress(const uint8_t *block);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t totalBytes_ = 0;
  bool finished_ = false;
};

/// SHA-256 of `text` as 64 lowercase hex characters.
std::string sha256Hex(std::string_view text);

} // namespace ida

#endif // IDA_RUNTIME_SUPPORT_SHA256_H

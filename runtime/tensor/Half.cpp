//===- runtime/tensor/Half.cpp - 16-bit float conversions -----------------===//

#include "runtime/tensor/Half.h"

#include <cstring>

namespace ida {
namespace {
uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
} // namespace

uint16_t floatToBFloat16(float value) {
  uint32_t u = bitsOf(value);
  if ((u & 0x7fffffffu) > 0x7f800000u) // NaN: keep it quiet and a NaN
    return uint16_t((u >> 16) | 0x0040u);
  // Round to nearest even on the 16 dropped bits; overflow rounds to inf.
  uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return uint16_t((u + rounding) >> 16);
}

float bfloat16ToFloat(uint16_t bits) { return floatOf(uint32_t(bits) << 16); }

uint16_t floatToHalf(float value) {
  uint32_t u = bitsOf(value);
  uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  uint32_t absBits = u & 0x7fffffffu;
  if (absBits > 0x7f800000u) // NaN
    return uint16_t(sign | 0x7e00u);
  if (absBits >= 0x477ff000u) // rounds to >= 65520: infinity
    return uint16_t(sign | 0x7c00u);
  if (absBits < 0x38800000u) { // below the smallest normal half (2^-14)
    // Subnormal or zero: scale so the half's ulp (2^-24) becomes 1 and let
    // the float unit round to nearest even.
    float scaled = floatOf(absBits) * 16777216.0f; // 2^24
    uint32_t rounded = uint32_t(scaled + 0.0f);
    float r = scaled - float(rounded);
    if (r > 0.5f || (r == 0.5f && (rounded & 1u)))
      ++rounded;
    return uint16_t(sign | rounded);
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits.
  uint32_t mant = absBits + 0xc8000000u; // subtract (127-15) << 23
  uint32_t rounding = 0x0fffu + ((mant >> 13) & 1u);
  return uint16_t(sign | ((mant + rounding) >> 13));
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;
  if (exp == 0x1f) // inf / NaN
    return floatOf(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) { // zero / subnormal: mant * 2^-24
    float v = float(mant) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  return floatOf(sign | ((exp + 112) << 23) | (mant << 13));
}

} // namespace ida

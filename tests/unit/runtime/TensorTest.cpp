//===- tests/unit/runtime/TensorTest.cpp - host tensors and dtypes --------===//

#include "runtime/support/Error.h"
#include "runtime/tensor/Half.h"
#include "runtime/tensor/Tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

using namespace ida;

TEST(DType, NamesRoundTrip) {
  for (DType d : {DType::F32, DType::F64, DType::BF16, DType::F16, DType::I32,
                  DType::I64})
    EXPECT_EQ(parseDType(dtypeName(d)), d);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  try {
    parseDType("float32");
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("'float32'"), std::string::npos);
  }
}

TEST(Tensor, ZeroFilledAlignedAndTyped) {
  Tensor t(DType::F32, {2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(t.data<float>()[i], 0.0f);
  EXPECT_THROW(t.data<double>(), Error);
  EXPECT_THROW(t.data<int32_t>(), Error);
  EXPECT_EQ(t.description(), "f32[2, 3]");
  Tensor empty(DType::F64, {0, 4});
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_NE(empty.data(), nullptr);
  EXPECT_THROW(Tensor(DType::F32, {2, -1}), Error);
}

TEST(Tensor, Conversions) {
  Tensor d = Tensor::fromDoubles(DType::F64, {4}, {1.0, -2.5, 1e-3, 3.0000001});
  Tensor f = d.to(DType::F32);
  EXPECT_EQ(f.dtype(), DType::F32);
  EXPECT_EQ(f.data<float>()[1], -2.5f);
  EXPECT_EQ(f.data<float>()[2], 1e-3f);
  Tensor back = f.to(DType::F64);
  EXPECT_EQ(back.data<double>()[2], double(1e-3f));
  Tensor i = Tensor::fromDoubles(DType::F32, {3}, {1.9, -1.9, 7}).to(DType::I32);
  EXPECT_EQ(i.data<int32_t>()[0], 1);
  EXPECT_EQ(i.data<int32_t>()[1], -1);
  Tensor big = Tensor::fromDoubles(DType::I64, {1}, {0});
  big.data<int64_t>()[0] = (int64_t(1) << 40) + 1;
  EXPECT_EQ(big.to(DType::I32).data<int32_t>()[0], 1); // exact low bits
  Tensor h = d.to(DType::F16);
  EXPECT_EQ(h.at(1), -2.5);
  Tensor b = d.to(DType::BF16);
  EXPECT_EQ(b.at(0), 1.0);
  EXPECT_NEAR(b.at(3), 3.0, 1e-2);
  Tensor c = d.clone();
  EXPECT_EQ(c.toDoubles(), d.toDoubles());
}

TEST(Half, RoundingAndSpecials) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // rounds to infinity
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -26)), 0x0000); // rounds to zero
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  // Ties to even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  for (uint32_t bits = 0; bits < 0x7c00; bits += 7)
    EXPECT_EQ(floatToHalf(halfToFloat(uint16_t(bits))), bits);
}

TEST(BFloat16, RoundingAndSpecials) {
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  EXPECT_EQ(bfloat16ToFloat(0x3f80), 1.0f);
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: rounds to even (1).
  EXPECT_EQ(floatToBFloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBFloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(NAN))));
  EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::infinity()), 0x7f80);
}

TEST(Tensor, ViewBorrowsMemory) {
  std::vector<float> storage = {1, 2, 3, 4, 5, 6};
  {
    Tensor v = Tensor::view(storage.data(), DType::F32, {2, 3});
    EXPECT_FALSE(v.ownsMemory());
    EXPECT_EQ(v.data(), storage.data());
    v.data<float>()[5] = 60;
    Tensor owned = v.clone();
    EXPECT_TRUE(owned.ownsMemory());
    EXPECT_EQ(owned.at(5), 60.0);
  } // the view's destructor must not free the vector's memory
  EXPECT_EQ(storage[5], 60.0f);
  EXPECT_THROW(Tensor::view(nullptr, DType::F32, {1}), Error);
}

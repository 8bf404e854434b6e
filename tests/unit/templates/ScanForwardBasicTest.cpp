//===- tests/unit/templates/ScanForwardBasicTest.cpp ----------------------===//
//
// Forward scan (elu1, softmax basis) against ref::forward: chunk lengths
// 16/24/32/64, ragged T, with and without S0, several B*H, both strategies.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/templates/ScanForwardCheck.h"

using namespace ida::tmpl::test;
using idak::Config;

namespace {
// D = F = 8, N = 3, P = 12 (P not a multiple of BV = 8: ragged value tiles).
using Elu1 = Params<8, 8, 0, 3, 12, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;
} // namespace

TEST(ScanForward, OnePassChunkLengthsAndRaggedT) {
  uint64_t seed = 100;
  for (int64_t T : {1, 63, 64, 65, 200}) {
    checkScanForward<Elu1, Config<16, 8>>(Strategy::OnePass, 2, T, 2, true, ++seed);
    checkScanForward<Elu1, Config<24, 16>>(Strategy::OnePass, 1, T, 3, false, ++seed);
    checkScanForward<Elu1, Config<32, 8>>(Strategy::OnePass, 2, T, 1, true, ++seed);
    checkScanForward<Elu1, Config<64, 16>>(Strategy::OnePass, 1, T, 2, true, ++seed);
  }
}

TEST(ScanForward, OnePassChunkOfOne) {
  checkScanForward<Elu1, Config<1, 16>>(Strategy::OnePass, 2, 17, 2, true, 7);
}

TEST(ScanForward, TwoPassChunkLengthsAndRaggedT) {
  uint64_t seed = 300;
  for (int64_t T : {1, 63, 64, 65, 200}) {
    checkScanForward<Elu1, Config<16, 8>>(Strategy::TwoPass, 2, T, 2, true, ++seed);
    checkScanForward<Elu1, Config<24, 16>>(Strategy::TwoPass, 1, T, 3, false, ++seed);
    checkScanForward<Elu1, Config<64, 16>>(Strategy::TwoPass, 1, T, 2, true, ++seed);
  }
}

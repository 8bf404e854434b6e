//===- tests/unit/templates/ScanBackwardTest.cpp - every gradient ---------===//
#include "tests/unit/templates/ScanBackwardCheck.h"

using namespace ida::tmpl::test;
using idak::Config;

namespace {
using Elu1 = Params<8, 8, 0, 3, 12, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, false>;
using Elu1Norm = Params<8, 8, 0, 2, 8, IDA_FEATURE_ELU1, IDA_BASIS_SIGMOID, true>;
} // namespace

TEST(ScanBackward, Elu1RaggedT) {
  uint64_t seed = 500;
  for (int64_t T : {1, 63, 64, 65, 200})
    checkScanBackward<Elu1, Config<16, 64>>(2, T, 2, true, true, ++seed);
  checkScanBackward<Elu1, Config<24, 64>>(1, 65, 3, false, false, ++seed);
}

TEST(ScanBackward, Elu1NormalizeSigmoid) {
  checkScanBackward<Elu1Norm, Config<16, 64>>(2, 65, 2, true, true, 601);
  checkScanBackward<Elu1Norm, Config<32, 64>>(1, 40, 2, false, false, 602);
}

// One value tile on chip at a time: BV < P, exact (12 = 3 x 4) and ragged
// (12 = 5 + 5 + 2, and 8 = 3 + 3 + 2 with normalize, whose z column each tile
// carries and whose dZ0 sums the tiles' copies).
TEST(ScanBackward, ValueTiles) {
  checkScanBackward<Elu1, Config<16, 4>>(2, 65, 2, true, true, 611);
  checkScanBackward<Elu1, Config<16, 5>>(1, 40, 2, true, false, 612);
  checkScanBackward<Elu1Norm, Config<16, 3>>(2, 65, 2, true, true, 613);
  checkScanBackward<Elu1Norm, Config<8, 3>>(1, 17, 1, false, false, 614);
}

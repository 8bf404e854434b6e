//===- tests/unit/templates/ScanForwardFeatureTest.cpp --------------------===//
//
// Forward scan for every feature kind, basis-weight kind and normalize.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/templates/ScanForwardCheck.h"

using namespace ida::tmpl::test;
using idak::Config;

namespace {
using Identity = Params<6, 6, 0, 2, 8, IDA_FEATURE_IDENTITY, IDA_BASIS_SIGMOID, false>;
using Relu = Params<6, 6, 0, 3, 8, IDA_FEATURE_RELU, IDA_BASIS_UNIFORM, false>;
using Taylor2 = Params<4, 21, 0, 2, 8, IDA_FEATURE_TAYLOR2, IDA_BASIS_SOFTMAX, true>;
using Prf = Params<6, 16, 16, 3, 8, IDA_FEATURE_PRF, IDA_BASIS_SOFTMAX, false>;
using Hedgehog = Params<6, 16, 8, 2, 8, IDA_FEATURE_HEDGEHOG, IDA_BASIS_SIGMOID, true>;
using Elu1Norm = Params<8, 8, 0, 4, 16, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, true>;
} // namespace

TEST(ScanForwardFeature, Identity) {
  checkScanForward<Identity, Config<16, 8>>(Strategy::OnePass, 2, 65, 2, true, 11);
}
TEST(ScanForwardFeature, Relu) {
  checkScanForward<Relu, Config<16, 8>>(Strategy::OnePass, 2, 63, 2, true, 12);
}
TEST(ScanForwardFeature, Taylor2Normalize) {
  checkScanForward<Taylor2, Config<16, 8>>(Strategy::OnePass, 2, 65, 2, true, 13);
  checkScanForward<Taylor2, Config<16, 8>>(Strategy::OnePass, 1, 40, 2, false, 14);
}
TEST(ScanForwardFeature, Prf) {
  checkScanForward<Prf, Config<16, 8>>(Strategy::OnePass, 2, 65, 2, true, 15);
}
TEST(ScanForwardFeature, HedgehogNormalize) {
  checkScanForward<Hedgehog, Config<16, 8>>(Strategy::OnePass, 2, 65, 2, true, 16);
}
TEST(ScanForwardFeature, Elu1NormalizeRaggedValueTiles) {
  checkScanForward<Elu1Norm, Config<24, 8>>(Strategy::OnePass, 2, 200, 2, true, 17);
  checkScanForward<Elu1Norm, Config<32, 16>>(Strategy::OnePass, 1, 64, 3, false, 18);
}

TEST(ScanForwardFeature, TwoPassNormalizeAndWeights) {
  checkScanForward<Hedgehog, Config<16, 8>>(Strategy::TwoPass, 2, 65, 2, true, 21);
  checkScanForward<Elu1Norm, Config<24, 8>>(Strategy::TwoPass, 2, 200, 2, true, 22);
  checkScanForward<Prf, Config<32, 8>>(Strategy::TwoPass, 1, 63, 2, false, 23);
}

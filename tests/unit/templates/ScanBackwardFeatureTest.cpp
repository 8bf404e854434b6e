//===- tests/unit/templates/ScanBackwardFeatureTest.cpp -------------------===//
//
// Backward through every feature map (incl. dW for prf/hedgehog) and basis
// kind.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/templates/ScanBackwardCheck.h"

using namespace ida::tmpl::test;
using idak::Config;

namespace {
using Identity = Params<6, 6, 0, 2, 8, IDA_FEATURE_IDENTITY, IDA_BASIS_UNIFORM, false>;
using Relu = Params<6, 6, 0, 3, 8, IDA_FEATURE_RELU, IDA_BASIS_SIGMOID, false>;
using Taylor2 = Params<4, 21, 0, 2, 8, IDA_FEATURE_TAYLOR2, IDA_BASIS_SOFTMAX, true>;
using Prf = Params<6, 16, 16, 3, 8, IDA_FEATURE_PRF, IDA_BASIS_SOFTMAX, false>;
using Hedgehog = Params<6, 16, 8, 2, 8, IDA_FEATURE_HEDGEHOG, IDA_BASIS_SIGMOID, true>;
} // namespace

TEST(ScanBackwardFeature, IdentityUniform) {
  checkScanBackward<Identity, Config<16, 64>>(2, 65, 2, true, true, 701);
}
TEST(ScanBackwardFeature, ReluSigmoid) {
  checkScanBackward<Relu, Config<24, 64>>(2, 63, 2, true, false, 702);
}
TEST(ScanBackwardFeature, Taylor2Normalize) {
  checkScanBackward<Taylor2, Config<16, 64>>(2, 65, 2, true, true, 703);
}
TEST(ScanBackwardFeature, PrfWeights) {
  checkScanBackward<Prf, Config<32, 64>>(2, 65, 2, true, true, 704);
}
TEST(ScanBackwardFeature, HedgehogWeightsNormalize) {
  checkScanBackward<Hedgehog, Config<16, 64>>(2, 65, 2, true, true, 705);
  checkScanBackward<Hedgehog, Config<64, 64>>(1, 200, 1, false, false, 706);
}

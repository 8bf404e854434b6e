//===- tests/unit/runtime/Fixture.h - shared runtime test fixtures -*- C++ -*-===//
//
// The hand-written "scaled cumsum" bundle (fixtures/cumsum) materialised in a
// temporary directory, with templates/common/ida_abi.h pasted into its source
// the way codegen embeds it; plus temporary directories removed at exit.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_TESTS_UNIT_RUNTIME_FIXTURE_H
#define IDA_TESTS_UNIT_RUNTIME_FIXTURE_H

#include "runtime/tensor/Tensor.h"

#include <random>
#include <string>
#include <vector>

namespace ida::test {

/// A fresh directory, deleted when the process exits.
std::string makeTempDir(const std::string &prefix);

/// The fixture manifest text and the kernel source with the ABI pasted in.
std::string cumsumManifest();
std::string cumsumSource();

/// The fixture bundle written once per process; returns its directory.
const std::string &cumsumBundleDir();

/// y = y0 + cumsum over T of scale[h] * x, in double.
std::vector<double> referenceCumsum(const Tensor &x, const Tensor &scale,
                                    const Tensor *y0);

/// Uniform(-1, 1) f32 tensor.
Tensor randomTensor(std::mt19937 &rng, Shape shape);

/// The largest |a - b|.
double maxAbsDiff(const std::vector<double> &a, const std::vector<double> &b);

} // namespace ida::test

#endif // IDA_TESTS_UNIT_RUNTIME_FIXTURE_H

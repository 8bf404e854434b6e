//===- tests/unit/runtime/Fixture.cpp - shared runtime test fixtures ------===//

#include "tests/unit/runtime/Fixture.h"

#include "runtime/support/File.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace ida::test {

namespace fs = std::filesystem;

namespace {

struct TempDirs {
  std::vector<std::string> dirs;
  ~TempDirs() {
    if (std::getenv("IDA_TEST_KEEP_TMP"))
      return;
    for (const std::string &d : dirs) {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  }
};
TempDirs &tempDirs() {
  static TempDirs t;
  return t;
}

std::string fixtureDir() {
  return std::string(IDA_SOURCE_DIR) + "/tests/unit/runtime/fixtures/cumsum";
}

} // namespace

std::string makeTempDir(const std::string &prefix) {
  std::string pattern =
      (fs::temp_directory_path() / ("ida-" + prefix + "-XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp failed for " + pattern);
  tempDirs().dirs.push_back(buf.data());
  return buf.data();
}

std::string cumsumManifest() { return readFile(fixtureDir() + "/manifest.json"); }

std::string cumsumSource() {
  std::string text = readFile(fixtureDir() + "/kernels/cumsum.cpp.in");
  std::string abi =
      readFile(std::string(IDA_SOURCE_DIR) + "/templates/common/ida_abi.h");
  const std::string marker = "// @IDA_ABI@";
  size_t at = text.find(marker);
  if (at == std::string::npos)
    throw std::runtime_error("fixture source lacks the ABI marker");
  return text.replace(at, marker.size(), abi);
}

const std::string &cumsumBundleDir() {
  static const std::string dir = [] {
    std::string d = makeTempDir("bundle");
    writeFileAtomic(d + "/manifest.json", cumsumManifest());
    writeFileAtomic(d + "/kernels/cumsum.cpp", cumsumSource());
    return d;
  }();
  return dir;
}

std::vector<double> referenceCumsum(const Tensor &x, const Tensor &scale,
                                    const Tensor *y0) {
  int64_t B = x.dim(0), T = x.dim(1), H = x.dim(2);
  std::vector<double> xs = x.toDoubles(), s = scale.toDoubles(), y(xs.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      double run = y0 ? y0->at(b * H + h) : 0.0;
      for (int64_t t = 0; t < T; ++t) {
        size_t i = size_t((b * T + t) * H + h);
        run += s[size_t(h)] * xs[i];
        y[i] = run;
      }
    }
  return y;
}

Tensor randomTensor(std::mt19937 &rng, Shape shape) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Tensor t(DType::F32, std::move(shape));
  float *p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i)
    p[i] = float(u(rng));
  return t;
}

double maxAbsDiff(const std::vector<double> &a, const std::vector<double> &b) {
  if (a.size() != b.size())
    return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

} // namespace ida::test

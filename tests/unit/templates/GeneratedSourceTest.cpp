//===- tests/unit/templates/GeneratedSourceTest.cpp - codegen-shaped build -===//
//
// Builds a kernel the way codegen + runtime will: the embedded template texts
// concatenated in the documented order, a generated params struct and an
// OpenMP wrapper, compiled with `g++ -O3 -march=native -fopenmp -shared -fPIC`
// and dlopen'ed; then checks the result against the float64 reference. This
// proves the texts are self-contained (no repo includes) and the wrapper
// shape in docs/templates.md works.
//
//===----------------------------------------------------------------------===//
#include "templates/Embedded.h"
#include "templates/common/ida_abi.h"
#include "tests/unit/templates/TemplateTestSupport.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#ifndef IDA_TEST_CXX
#define IDA_TEST_CXX "g++"
#endif

using namespace ida::tmpl::test;

namespace {

using Gen = Params<8, 8, 0, 2, 16, IDA_FEATURE_ELU1, IDA_BASIS_SOFTMAX, true>;

std::string generatedSource() {
  std::string src;
  for (const char *path :
       {"common/ida_abi.h", "tile/cpu/tile_cpu.h", "kernels/scan_params.h",
        "kernels/scan_prologue.h", "kernels/scan_chunk.h", "kernels/scan_fwd_onepass.h"}) {
    const char *text = ida::templates::get(path);
    EXPECT_NE(text, nullptr) << path;
    src += "// ---- " + std::string(path) + "\n" + (text ? text : "") + "\n";
  }
  src += R"(
struct IdaGenParams {
  static constexpr int D = 8, F = 8, Fp = 0, N = 2, P = 16;
  static constexpr int feature = IDA_FEATURE_ELU1, basis = IDA_BASIS_SOFTMAX;
  static constexpr bool normalize = true, has_S0 = true, has_ST = true;
  using in_t = float;
};
extern "C" void ida_test_scan_fwd(const IdaKernelArgs *args, int num_threads) {
  using Prog = idak::ScanFwdOnePassProgram<IdaGenParams>;
  const IdaKernelArgs &a = *args;
#pragma omp parallel for collapse(3) schedule(dynamic, 1) num_threads(num_threads)
  for (int64_t z = 0; z < a.grid[2]; ++z)
    for (int64_t y = 0; y < a.grid[1]; ++y)
      for (int64_t x = 0; x < a.grid[0]; ++x)
        Prog::run(a, x, y, z);
}
)";
  return src;
}

} // namespace

TEST(GeneratedSource, CompilesStandaloneAndMatchesReference) {
  char dir[] = "/tmp/ida_tmpl_gen_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string cpp = std::string(dir) + "/kernel.cpp", so = std::string(dir) + "/kernel.so";
  std::ofstream(cpp) << generatedSource();
  const std::string cmd = std::string(IDA_TEST_CXX) +
                          " -O3 -march=native -fopenmp -shared -fPIC -DIDA_CFG_C=16 "
                          "-DIDA_CFG_BV=8 -o " + so + " " + cpp + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // Never unloaded: the kernel pulls in libgomp, whose worker threads outlive
  // the call; unloading it under them crashes at exit.
  void *lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  ASSERT_NE(lib, nullptr) << dlerror();
  using Fn = void (*)(const IdaKernelArgs *, int);
  Fn fn = (Fn)dlsym(lib, "ida_test_scan_fwd");
  ASSERT_NE(fn, nullptr);

  const int64_t B = 2, T = 70, H = 3;
  ref::Inputs in = randomInputs<Gen>(B, T, H, true, 4242);
  const ref::Outputs r = ref::forward(refConfig<Gen>(), in);
  DeviceInputs d(in);
  std::vector<float> y(B * T * H * Gen::P), S_T(B * H * Gen::N * Gen::F * Gen::P),
      Z_T(B * H * Gen::N * Gen::F);
  IdaKernelArgs a{};
  void *bufs[] = {d.q.data(), d.k.data(), d.v.data(), d.dt.data(), d.g.data(),
                  d.A_log.data(), d.dt_bias.data(), nullptr, d.S0.data(), d.Z0.data(),
                  y.data(), S_T.data(), Z_T.data()};
  for (int i = 0; i < 13; ++i)
    a.buffers[i] = bufs[i];
  a.B = B;
  a.T = T;
  a.H = H;
  a.grid[0] = (Gen::P + 7) / 8; // NV with BV = 8
  a.grid[1] = H;
  a.grid[2] = B;
  fn(&a, 2);
  expectClose("y", relErr(y, r.y));
  expectClose("S_T", relErr(S_T, r.S_T));
  expectClose("Z_T", relErr(Z_T, r.Z_T));
  std::remove(so.c_str());
  std::remove(cpp.c_str());
  rmdir(dir);
}

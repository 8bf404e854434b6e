//===- runtime/nn/LayerKernels.cpp - ida-train's layers on a Device -------===//
#include "runtime/nn/LayerKernels.h"

#include "runtime/support/Error.h"
#include "templates/Embedded.h"

#include <cmath>
#include <cstring>

namespace ida::nn {

namespace {

// Launch-index order of the programs (LayerKernels::launch takes the index).
enum Program {
  kEmbedFwd,
  kEmbedBwd,
  kRmsFwd,
  kRmsBwdDx,
  kRmsBwdDwPartial,
  kColumnReduce,
  kSwigluFwd,
  kSwigluBwd,
  kConvFwd,
  kConvBwdDx,
  kConvBwdDwPartial,
  kCeFwd,
  kCeBwd,
  kCopyColumns,
  kAxpby,
  kSumSquares,
  kAdamW,
  kNumPrograms
};

const char *const kProgramStructs[kNumPrograms] = {
    "EmbedFwd",     "EmbedBwd",      "RmsNormFwd",       "RmsNormBwdDx",
    "RmsNormBwdDwPartial", "ColumnReduce", "SwigluFwd",  "SwigluBwd",
    "ConvFwd",      "ConvBwdDx",     "ConvBwdDwPartial", "CrossEntropyFwd",
    "CrossEntropyBwd", "CopyColumns", "Axpby",           "SumSquares",
    "AdamWStep"};

constexpr int kWarps = 4;                 // threads per CUDA block: 128
constexpr int64_t kChunk = 4096;          // = idak::nn::kChunk
constexpr int64_t kRowsPerGroup = 64;     // column sums: rows per partial
constexpr int kImmSlots = 8;              // buffers[16..23]

std::string text(const char *path) {
  const char *t = templates::get(path);
  if (!t)
    throw Error(std::string("embedded template missing: ") + path);
  return t;
}

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace

const std::vector<std::string> &layerKernelSymbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> s;
    for (const char *p : kProgramStructs)
      s.push_back(std::string("ida_nn_") + p);
    return s;
  }();
  return symbols;
}

std::string layerKernelSource(const std::string &target) {
  const bool cuda = target == "cuda";
  if (!cuda && target != "cpu")
    throw Error("layer kernels: unknown target '" + target + "'");
  std::string s = "// ida-train layer programs (runtime/nn/LayerKernels.cpp)\n";
  s += "#define IDA_CFG_NUM_WARPS " + std::to_string(kWarps) + "\n";
  if (cuda)
    s += "#define IDA_CUDA_NO_HALF 1\n";
  s += text("common/ida_abi.h");
  s += cuda ? text("tile/cuda/tile_cuda.cuh") : text("tile/cpu/tile_cpu.h");
  s += cuda ? text("tile/cuda/par_cuda.cuh") : text("tile/cpu/par_cpu.h");
  s += text("kernels/nn_layers.h");
  for (int i = 0; i < kNumPrograms; ++i) {
    const std::string prog = std::string("idak::nn::") + kProgramStructs[i];
    const std::string &sym = layerKernelSymbols()[i];
    if (cuda) {
      s += "extern \"C\" __global__ void __launch_bounds__(" +
           std::to_string(32 * kWarps) + ") " + sym +
           "(IdaKernelArgs a) { " + prog +
           "::run(a, blockIdx.x, blockIdx.y, blockIdx.z); }\n";
    } else {
      // Programs of one launch touch disjoint rows: the grid runs in parallel.
      s += "extern \"C\" void " + sym +
           "(const IdaKernelArgs *args, int num_threads) {\n"
           "  const IdaKernelArgs &a = *args;\n"
           "#pragma omp parallel for schedule(static) num_threads(num_threads)\n"
           "  for (int64_t x = 0; x < a.grid[0]; ++x)\n"
           "    " + prog + "::run(a, x, 0, 0);\n}\n";
    }
  }
  return s;
}

/// Launch arguments: pointers first, then the immediates.
struct LayerKernels::Imm {
  IdaKernelArgs a{};
  int nextPtr = 0, nextImm = 0;
  Imm &ptr(const void *p) {
    a.buffers[nextPtr++] = const_cast<void *>(p);
    return *this;
  }
  Imm &i(int64_t v) {
    a.buffers[16 + nextImm++] = reinterpret_cast<void *>(static_cast<intptr_t>(v));
    return *this;
  }
  Imm &f(double v) {
    int64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return i(bits);
  }
};

LayerKernels::LayerKernels(std::shared_ptr<Device> device)
    : device_(std::move(device)) {
  const std::string target = targetName(device_->target());
  KernelBuildRequest req;
  req.kernelName = "nn_layers";
  req.source = layerKernelSource(target);
  req.sourcePath = "<embedded nn_layers (" + target + ")>";
  req.symbols = layerKernelSymbols();
  kernel_ = device_->compile(req);
  gemm_ = makeDeviceGemm(*device_);
}

LayerKernels::~LayerKernels() = default;

DeviceBuffer LayerKernels::zeros(size_t bytes) {
  DeviceBuffer b = device_->allocate(bytes);
  device_->fillZero(b.get(), bytes);
  return b;
}

void LayerKernels::launch(int program, int64_t grid, const Imm &args) {
  if (grid <= 0)
    return;
  static_assert(16 + kImmSlots == IDA_MAX_KERNEL_BUFFERS, "slot layout");
  IdaKernelArgs a = args.a;
  a.grid[0] = grid;
  a.grid[1] = a.grid[2] = 1;
  LaunchGeometry g;
  g.grid[0] = grid;
  g.threads = 32 * kWarps;
  g.smem = 8 * 32 * kWarps; // the tile arena's header; no tiles
  kernel_->launch(size_t(program), a, g);
}

float *LayerKernels::scratch(size_t floats) {
  if (scratch_.size() < floats * sizeof(float))
    scratch_ = device_->allocate(floats * sizeof(float));
  return static_cast<float *>(scratch_.get());
}

double *LayerKernels::scratchF64(size_t n) {
  if (scratchF64_.size() < n * sizeof(double))
    scratchF64_ = device_->allocate(n * sizeof(double));
  return static_cast<double *>(scratchF64_.get());
}

void LayerKernels::embeddingForward(const int32_t *tokens, int64_t M,
                                    const float *E, int64_t d, float *out) {
  launch(kEmbedFwd, M, Imm().ptr(tokens).ptr(E).ptr(out).i(d));
}

void LayerKernels::embeddingBackward(const int32_t *tokens, int64_t M,
                                     const float *dout, int64_t d, int64_t V,
                                     float *dE) {
  launch(kEmbedBwd, V, Imm().ptr(tokens).ptr(dout).ptr(dE).i(d).i(M));
}

void LayerKernels::rmsnormForward(const float *x, const float *w, int64_t M,
                                  int64_t d, double eps, float *y,
                                  float *rstd) {
  launch(kRmsFwd, M, Imm().ptr(x).ptr(w).ptr(y).ptr(rstd).i(d).f(eps));
}

void LayerKernels::rmsnormBackward(const float *dy, const float *x,
                                   const float *w, const float *rstd,
                                   int64_t M, int64_t d, float *dx,
                                   float *dw) {
  launch(kRmsBwdDx, M, Imm().ptr(dy).ptr(x).ptr(w).ptr(rstd).ptr(dx).i(d));
  const int64_t G = cdiv(M, kRowsPerGroup);
  float *part = scratch(size_t(G * d));
  launch(kRmsBwdDwPartial, G,
         Imm().ptr(dy).ptr(x).ptr(rstd).ptr(part).i(d).i(M).i(kRowsPerGroup));
  launch(kColumnReduce, 1, Imm().ptr(part).ptr(dw).i(d).i(G));
}

void LayerKernels::linearForward(const float *x, const float *W, int64_t M,
                                 int64_t K, int64_t N, float *y) {
  gemm_->run(false, true, M, N, K, 1.0f, x, K, W, K, 0.0f, y, N);
}

void LayerKernels::linearBackward(const float *dy, const float *x,
                                  const float *W, int64_t M, int64_t K,
                                  int64_t N, float *dx, float *dW) {
  if (dx)
    gemm_->run(false, false, M, K, N, 1.0f, dy, N, W, K, 1.0f, dx, K);
  if (dW)
    gemm_->run(true, false, N, K, M, 1.0f, dy, N, x, K, 1.0f, dW, K);
}

void LayerKernels::swigluForward(const float *gu, int64_t M, int64_t H,
                                 float *a) {
  launch(kSwigluFwd, M, Imm().ptr(gu).ptr(a).i(H));
}

void LayerKernels::swigluBackward(const float *da, const float *gu, int64_t M,
                                  int64_t H, float *dgu) {
  launch(kSwigluBwd, M, Imm().ptr(da).ptr(gu).ptr(dgu).i(H));
}

void LayerKernels::causalConvForward(const float *x, const float *w, int64_t B,
                                     int64_t Tlen, int64_t C, int64_t Kc,
                                     float *y) {
  launch(kConvFwd, B * Tlen, Imm().ptr(x).ptr(w).ptr(y).i(Tlen).i(C).i(Kc));
}

void LayerKernels::causalConvBackward(const float *dy, const float *x,
                                      const float *w, int64_t B, int64_t Tlen,
                                      int64_t C, int64_t Kc, float *dx,
                                      float *dw) {
  const int64_t M = B * Tlen;
  launch(kConvBwdDx, M, Imm().ptr(dy).ptr(w).ptr(dx).i(Tlen).i(C).i(Kc));
  const int64_t G = cdiv(M, kRowsPerGroup);
  float *part = scratch(size_t(G * C * Kc));
  launch(kConvBwdDwPartial, G,
         Imm().ptr(dy).ptr(x).ptr(part).i(Tlen).i(C).i(Kc).i(M).i(kRowsPerGroup));
  launch(kColumnReduce, 1, Imm().ptr(part).ptr(dw).i(C * Kc).i(G));
}

CrossEntropyStats LayerKernels::crossEntropyForward(float *logits,
                                                    const int32_t *labels,
                                                    const int32_t *hostLabels,
                                                    int64_t M, int64_t V) {
  double *stats = scratchF64(size_t(2 * M));
  launch(kCeFwd, M, Imm().ptr(logits).ptr(labels).ptr(stats).i(V));
  hostF64_.resize(size_t(2 * M));
  device_->copyToHost(hostF64_.data(), stats, hostF64_.size() * sizeof(double));
  CrossEntropyStats st;
  double total = 0;
  for (int64_t m = 0; m < M; ++m) {
    if (hostLabels[m] == kIgnoreLabel)
      continue;
    ++st.scored;
    total += hostF64_[2 * m];
    st.correct += hostF64_[2 * m + 1] != 0.0;
  }
  st.loss = st.scored ? total / double(st.scored) : 0.0;
  return st;
}

void LayerKernels::crossEntropyBackward(const float *probs,
                                        const int32_t *labels, int64_t M,
                                        int64_t V, float scale,
                                        float *dlogits) {
  launch(kCeBwd, M, Imm().ptr(probs).ptr(labels).ptr(dlogits).i(V).f(scale));
}

void LayerKernels::copyColumns(const float *src, int64_t sld, int64_t soff,
                               float *dst, int64_t dld, int64_t doff,
                               int64_t M, int64_t cols, bool accumulate) {
  launch(kCopyColumns, M,
         Imm().ptr(src).ptr(dst).i(cols).i(sld).i(soff).i(dld).i(doff).i(
             accumulate ? 1 : 0));
}

void LayerKernels::axpby(const float *x, float alpha, float *y, int64_t n) {
  launch(kAxpby, cdiv(n, kChunk), Imm().ptr(x).ptr(y).i(n).f(alpha));
}

double LayerKernels::sumSquares(const float *x, int64_t n) {
  const int64_t G = cdiv(n, kChunk);
  if (G == 0)
    return 0;
  double *part = scratchF64(size_t(G));
  launch(kSumSquares, G, Imm().ptr(x).ptr(part).i(n));
  hostF64_.resize(size_t(G));
  device_->copyToHost(hostF64_.data(), part, size_t(G) * sizeof(double));
  double s = 0;
  for (int64_t g = 0; g < G; ++g)
    s += hostF64_[g];
  return s;
}

void LayerKernels::adamw(float *w, const float *g, float *m, float *v,
                         int64_t n, const AdamHyper &h) {
  launch(kAdamW, cdiv(n, kChunk),
         Imm().ptr(w).ptr(g).ptr(m).ptr(v).i(n).f(h.beta1).f(h.beta2).f(h.c1)
             .f(h.c2).f(h.lr).f(h.weightDecay).f(h.eps));
}

} // namespace ida::nn

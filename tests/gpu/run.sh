#!/usr/bin/env bash
# The GPU self-check (docs/cuda.md, "CUDA tile API"). From the repo root:
#
#   tests/gpu/run.sh            # on a machine with an NVIDIA GPU + CUDA toolkit
#
# Configures and builds tests/gpu as a standalone CMake project (only the
# runtime pieces the check needs: support, the NVRTC/driver-API backend, the
# float64 reference and the embedded templates; no MLIR, GTest, CLI11,
# nlohmann_json or BLAS needed), then runs ida_gpu_check: every kernel
# program built with the CUDA tile API through the runtime's NVRTC backend,
# launched with the CudaDevice and compared with ida::ref.
#
# Environment:
#   OUT                         if set, logs go there (build.log, gpu_check.log,
#                               gpu_check.out)
#   IDA_GPU_CHECK_BUILD         build directory (default build-gpucheck)
#   IDA_GPU_CHECK_JOBS          ninja -j (default: nproc, at most 16)
#   IDA_GPU_CHECK_ALLOW_NO_GPU  1: exit 0 with a SKIP message when there is no
#                               CUDA device (dry runs on CPU-only machines)
#   IDA_GPU_CHECK_ARGS          extra arguments (--quick, --preset NAME)
# Exit status: 0 all checks passed (or skipped with ALLOW_NO_GPU=1), 1 a
# check failed, 2 the build failed, 3 no CUDA device.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${IDA_GPU_CHECK_BUILD:-$ROOT/build-gpucheck}"
JOBS="${IDA_GPU_CHECK_JOBS:-$(n=$(nproc 2>/dev/null || echo 4); [ "$n" -gt 16 ] && n=16; echo $n)}"
LOGDIR="${OUT:-$BUILD/logs}"
mkdir -p "$LOGDIR" "$BUILD"
export PATH="/usr/local/cuda/bin:$PATH"
start=$(date +%s)

echo "== ida GPU check: $(date -u +%FT%TZ) on $(hostname)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/   gpu: /'

GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
echo "== configure + build ($BUILD, -j$JOBS)"
if ! { cmake -S "$ROOT/tests/gpu" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$BUILD" -j "$JOBS" --target ida_gpu_check; } >"$LOGDIR/build.log" 2>&1; then
  tail -40 "$LOGDIR/build.log"
  echo "FAIL: build failed (log: $LOGDIR/build.log)"
  exit 2
fi
echo "   built in $(( $(date +%s) - start )) s"

export IDA_CACHE_DIR="${IDA_CACHE_DIR:-$BUILD/cache}"
echo "== ida_gpu_check ${IDA_GPU_CHECK_ARGS:-}"
# shellcheck disable=SC2086
"$BUILD/ida_gpu_check" --log "$LOGDIR/gpu_check.log" ${IDA_GPU_CHECK_ARGS:-} 2>&1 | tee "$LOGDIR/gpu_check.out"
rc=${PIPESTATUS[0]}
echo "== done in $(( $(date +%s) - start )) s, exit $rc (logs: $LOGDIR)"
exit $rc

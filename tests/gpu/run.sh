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
#   IDA_RUN                     an ida-run built with CUDA (e.g. carried from
#                               this machine's build); default: build one
#   IDA_TUNE                    its ida-tune (default: next to IDA_RUN)
#   IDA_TRAIN                   its ida-train (default: next to IDA_RUN)
#
# Then, when gpu-bundles/ exists (scripts/make-gpu-bundles.sh writes it on a
# machine with the compiler), the bundle stage: the runtime without the
# compiler (-DIDA_ENABLE_COMPILER=OFF; it needs CLI11 and nlohmann-json,
# else set IDA_RUN) runs every case of every bundle with `ida-run --target
# cuda` against the float64 reference (gpu-bundles/check.py), `ida-tune
# --target cuda` on a copy of one bundle whose tuning space has a
# configuration too big for a block (tests/gpu/tune_overflow_check.py: it
# must be pruned for its shared-memory arena and the search must go on on
# the same CUDA context; counts in $OUT/tune_overflow.out), ida-train with
# the model on the GPU (tests/gpu/train_check.sh on gpu-bundles/train: the
# device model against the host model, then scripts/run.sh's model trained
# on the device; $OUT/train-*), and, where
# PyTorch with CUDA imports, the Python package's CUDA/DLPack path and
# torch.autograd.gradcheck (tests/gpu/python_torch_check.py on the bundle
# gpu-bundles/py-tiny; the package is built when pybind11 imports, or give
# IDA_PYTHON_DIR), then benchmarks/gpu_baselines.py records the GPU
# baselines (docs/performance.md) into $OUT/gpu_baselines.json (not part of
# the status).
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

if [ -f "$ROOT/gpu-bundles/check.py" ] && [ "$rc" -ne 3 ] &&
   ! grep -q "^SKIP: no CUDA device" "$LOGDIR/gpu_check.out"; then
  idarun="${IDA_RUN:-}"
  if [ -z "$idarun" ]; then
    RT="$ROOT/build-gpurt"
    echo "== runtime for the bundles ($RT, no compiler)"
    # The Python package too where pybind11 is there (for the torch check).
    PY=OFF TARGETS=(ida-run ida-tune ida-train)
    if python3 -c "import pybind11" 2>/dev/null; then PY=ON TARGETS+=(ida_python); fi
    # make-gpu-bundles.sh carries the header-only CLI11 and nlohmann-json
    # (gpu-bundles/deps) for a machine that has neither.
    DEPS=()
    [ -d "$ROOT/gpu-bundles/deps" ] && DEPS=(-DCMAKE_PREFIX_PATH="$ROOT/gpu-bundles/deps")
    if { cmake -S "$ROOT" -B "$RT" "${GEN[@]}" "${DEPS[@]}" -DCMAKE_BUILD_TYPE=Release \
           -DIDA_ENABLE_COMPILER=OFF -DIDA_ENABLE_TESTS=OFF -DIDA_ENABLE_PYTHON=$PY \
           -DPython3_EXECUTABLE="$(command -v python3)" \
           -DCMAKE_DISABLE_FIND_PACKAGE_MLIR=TRUE -DCMAKE_DISABLE_FIND_PACKAGE_LLVM=TRUE &&
         cmake --build "$RT" -j "$JOBS" --target "${TARGETS[@]}"; } >"$LOGDIR/build-runtime.log" 2>&1; then
      idarun="$RT/bin/ida-run"
    else
      tail -20 "$LOGDIR/build-runtime.log"
      echo "FAIL: the runtime did not build (log: $LOGDIR/build-runtime.log); set IDA_RUN"
      [ "$rc" -eq 0 ] && rc=2
    fi
  fi
  if [ -n "$idarun" ]; then
    echo "== bundles: gpu-bundles/check.py with $idarun"
    python3 "$ROOT/gpu-bundles/check.py" --ida-run "$idarun" --target cuda --jobs 4 2>&1 |
      tee "$LOGDIR/bundles.out"
    brc=${PIPESTATUS[0]}
    [ "$brc" -ne 0 ] && [ "$rc" -eq 0 ] && rc=1
    # After check.py, whose runs compiled the default configurations: about
    # 2 new NVRTC builds and a few launches (well under a minute).
    idatune="${IDA_TUNE:-$(dirname "$idarun")/ida-tune}"
    echo "== autotuner with a configuration that does not fit (tests/gpu/tune_overflow_check.py)"
    if [ -x "$idatune" ]; then
      python3 "$ROOT/tests/gpu/tune_overflow_check.py" --ida-tune "$idatune" \
        --ida-run "$idarun" --bundles "$ROOT/gpu-bundles" --out "$LOGDIR" --target cuda
      trc=$?
      [ "$trc" -ne 0 ] && [ "$rc" -eq 0 ] && rc=1
    else
      echo "FAIL: no ida-tune at $idatune (set IDA_TUNE)"
      [ "$rc" -eq 0 ] && rc=1
    fi
    idatrain="${IDA_TRAIN:-$(dirname "$idarun")/ida-train}"
    if [ -d "$ROOT/gpu-bundles/train" ]; then
      echo "== ida-train on the GPU (tests/gpu/train_check.sh)"
      if [ -x "$idatrain" ]; then
        "$ROOT/tests/gpu/train_check.sh" "$idatrain" "$LOGDIR" 2>&1 | tee "$LOGDIR/train_check.out"
        [ "${PIPESTATUS[0]}" -ne 0 ] && [ "$rc" -eq 0 ] && rc=1
      else
        echo "FAIL: no ida-train at $idatrain (set IDA_TRAIN)"
        [ "$rc" -eq 0 ] && rc=1
      fi
    fi
  fi
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    pypkg="${IDA_PYTHON_DIR:-$ROOT/build-gpurt/python}"
    if [ -d "$pypkg/ida" ] && [ -d "$ROOT/gpu-bundles/py-tiny" ]; then
      echo "== Python package on CUDA tensors + gradcheck (tests/gpu/python_torch_check.py)"
      PYTHONPATH="$pypkg" python3 "$ROOT/tests/gpu/python_torch_check.py" \
        --bundle "$ROOT/gpu-bundles/py-tiny" 2>&1 | tee "$LOGDIR/python_torch.out"
      prc=${PIPESTATUS[0]}
      [ "$prc" -ne 0 ] && [ "$rc" -eq 0 ] && rc=1
    fi
    echo "== GPU baselines (benchmarks/gpu_baselines.py)"
    python3 "$ROOT/benchmarks/gpu_baselines.py" --json "$LOGDIR/gpu_baselines.json" 2>&1 |
      tee "$LOGDIR/gpu_baselines.out" | tail -30
  fi
fi
echo "== done in $(( $(date +%s) - start )) s, exit $rc (logs: $LOGDIR)"
exit $rc

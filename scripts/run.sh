#!/usr/bin/env bash
# The main job on the default target. Today: set up, build, then run the
# example hybrid graph through ida-opt (parse, verify, print). Later issues
# turn this into compiling a preset and training the default MQAR model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$@"
build=${IDA_BUILD_DIR:-$root/build}
echo "== ida-opt examples/hybrid_2layer.mlir (parsed, verified, printed)"
"$build/bin/ida-opt" "$root/examples/hybrid_2layer.mlir"

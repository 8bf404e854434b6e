#!/usr/bin/env bash
# The whole test suite: set up, configure, build, then lit + GoogleTest + pytest
# through one ctest run. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$@"
build=${IDA_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure -j "${IDA_JOBS:-2}"

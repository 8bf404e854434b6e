#!/usr/bin/env bash
# Configures and builds IDA with Ninja into ${IDA_BUILD_DIR:-build}.
# Extra arguments go to cmake's configure step (e.g. -DIDA_ENABLE_COMPILER=OFF);
# the Python package is built by default (-DIDA_ENABLE_PYTHON=OFF to skip it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IDA_BUILD_DIR:-$root/build}
jobs=${IDA_JOBS:-2}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} \
  -DPython3_EXECUTABLE="$(command -v "${PYTHON:-python3}")" -DIDA_ENABLE_PYTHON=ON "$@"
cmake --build "$build" -j "$jobs"

# Make `python3 -c "import ida"` work after the build without PYTHONPATH: a
# .pth file (what editable installs use) puts the build tree's package on the
# path. It goes after site-packages, so a `pip install .` copy still wins.
python=$(command -v "${PYTHON:-python3}")
if [ -d "$build/python/ida" ]; then
  site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  if [ -w "$site" ]; then
    echo "$build/python" > "$site/ida-build-tree.pth"
    echo "build.sh: the ida package of $build/python is importable ($site/ida-build-tree.pth)"
  fi
fi

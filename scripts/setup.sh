#!/usr/bin/env bash
# Installs everything IDA needs on a fresh Debian bookworm machine (as root).
# Idempotent: packages already present are not fetched again.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build git python3 python3-pip
  libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
  libgtest-dev nlohmann-json3-dev libcli11-dev libopenblas-dev
)
PIP_PACKAGES=(lit pybind11 numpy pytest scikit-build-core)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing Debian packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import lit, pybind11, numpy, pytest, scikit_build_core' 2>/dev/null; then
  echo "setup.sh: installing Python packages (${PIP_PACKAGES[*]})"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${PIP_PACKAGES[@]}" \
    || "$PYTHON" -m pip install --quiet --break-system-packages "${PIP_PACKAGES[@]}"
fi
echo "setup.sh: ready"

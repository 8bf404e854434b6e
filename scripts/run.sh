#!/usr/bin/env bash
# The main job on the default target (CPU): set up, build, compile the
# default IDA layer with `idac --preset ida`, run its forward entry with
# `ida-run` on random .npy inputs, and compare with the float64 reference
# (`ida-reference`). Prints a short summary; exits non-zero if the relative
# error exceeds the fp32 tolerance of spec §9 (1e-5).
#
# Environment: IDA_BUILD_DIR (default build/), IDA_RUN_B / IDA_RUN_T (batch
# and length, default 2 and 512), IDA_CACHE_DIR (kernel binaries; default
# ~/.cache/ida), IDA_AUTOTUNE (default 0 here: the compiler's default
# configuration; 1 tunes first, one host compile per configuration).
# Extra arguments go to cmake's configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$@"
build=${IDA_BUILD_DIR:-$root/build}
PYTHON=${PYTHON:-python3}
work="$build/main-job"
rm -rf "$work"
mkdir -p "$work/in" "$work/out" "$work/ref"
export IDA_AUTOTUNE=${IDA_AUTOTUNE:-0}
B=${IDA_RUN_B:-2}
T=${IDA_RUN_T:-512}

echo "== idac --preset ida (the default IDA layer: H=8, D=P=64, elu1, N=4 softmax basis, chunk 64)"
"$build/bin/idac" --preset ida --target all -o "$work/ida-layer"
"$build/bin/ida-run" "$work/ida-layer" --list | grep -E '^(bundle|static|entry)' | sed 's/^/   /'

echo "== random inputs: B=$B T=$T"
"$PYTHON" - "$work/ida-layer/manifest.json" "$work/in" "$B" "$T" <<'EOF'
import json, sys
import numpy as np
manifest, out, B, T = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = manifest["x-preset"]
H, D, P, N = p["H"], p["D"], p["P"], p["N"]
rng = np.random.default_rng()
arrays = {
    "q": rng.standard_normal((B, T, H, D)), "k": rng.standard_normal((B, T, H, D)),
    "v": rng.standard_normal((B, T, H, P)), "dt": rng.standard_normal((B, T, H)),
    "g": rng.standard_normal((B, T, H, N)), "A_log": rng.uniform(-1, 1, (H, N)),
    "dt_bias": rng.uniform(-0.5, 0.5, (H,)),
}
for name, a in arrays.items():
    np.save(f"{out}/{name}.npy", a.astype(np.float32))
EOF

echo "== ida-run forward (cpu; the first run compiles the kernel, the second hits the cache)"
inputs=()
for name in q k v dt g A_log dt_bias; do inputs+=(--in "$name=$work/in/$name.npy"); done
t0=$(date +%s.%N)
"$build/bin/ida-run" "$work/ida-layer" --entry forward --target cpu "${inputs[@]}" --out-dir "$work/out"
t1=$(date +%s.%N)
"$build/bin/ida-run" "$work/ida-layer" --entry forward --target cpu "${inputs[@]}" --out-dir "$work/out"
t2=$(date +%s.%N)

echo "== ida-reference forward (float64)"
"$build/bin/ida-reference" forward --feature elu1 --basis-weights softmax \
  --in "$work/in" --out "$work/ref"

"$PYTHON" - "$work" "$B" "$T" "$t0" "$t1" "$t2" <<'EOF'
import json, sys
import numpy as np
work, B, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0, t1, t2 = map(float, sys.argv[4:7])
m = json.load(open(f"{work}/ida-layer/manifest.json"))
kernel = m["entries"]["forward"]["steps"][0]["kernel"]
worst = 0.0
print("== summary")
print(f"   bundle   {work}/ida-layer ({m['x-preset']['command']})")
print(f"   kernel   {kernel} ({m['kernels'][kernel]['template']}, default "
      + ", ".join(f"{k}={v}" for k, v in m['kernels'][kernel]['default'].items()) + ")")
for name in ("y", "S_T"):
    out = np.load(f"{work}/out/{name}.npy").astype(np.float64)
    ref = np.load(f"{work}/ref/{name}.npy").astype(np.float64)
    err = float(np.linalg.norm(out - ref) / np.linalg.norm(ref))
    worst = max(worst, err)
    print(f"   {name:4s}     shape {list(out.shape)}, ||out - ref|| / ||ref|| = {err:.2e}")
print(f"   time     first run {t1 - t0:.2f} s (compile + run), cached run {t2 - t1:.2f} s "
      f"(B={B}, T={T})")
ok = worst <= 1e-5
print(f"   result   {'PASS' if ok else 'FAIL'} (fp32 tolerance 1e-5)")
sys.exit(0 if ok else 1)
EOF

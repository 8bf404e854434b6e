#!/usr/bin/env bash
# Writes bundles for checking the generated CUDA code on a GPU machine into
# gpu-bundles/ (git-ignored; a GPU machine has no MLIR, so bundles are made
# here and carried there):
#
#   gpu-bundles/<preset>-<dtype>/            idac --target all (cuda + cpu;
#                                            bf16 kernels get cuda sources only)
#   gpu-bundles/<preset>-<dtype>/check/<case>/in/*.npy, ref/*.npy, case.json
#                                            fresh random inputs and the float64
#                                            numpy reference (tests/python)
#   gpu-bundles/py-tiny/                     a tiny layer for tests/gpu/python_torch_check.py
#   gpu-bundles/check.py                     runs every case with
#                                            `ida-run --target cuda` and compares
#                                            (pure Python, no numpy needed)
#
# The presets mirror tests/gpu/GpuCheckSource.h (the CUDA engineer's self-check
# of the templates), here compiled through idac, so the check covers what
# codegen adds: wrappers, argument remapping, IdaGenParams, grids, smem. Cases
# per bundle: forward at T in {1, 200} (with S0), forward_vjp at T = 65 (S0 and
# dS_T given), one decode step. Tolerances: fp32 1e-5 (parameter gradients
# included), bf16 inputs 1e-2 (spec §9).
#
# On the GPU machine (needs an ida-run built with CUDA; e.g. carried from
# build*/bin):
#   python3 gpu-bundles/check.py --ida-run build/bin/ida-run [--jobs 8]
#
# Usage: scripts/make-gpu-bundles.sh [OUT_DIR]   (IDA_BUILD_DIR: build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IDA_BUILD_DIR:-$root/build}
out=${1:-$root/gpu-bundles}
PYTHON=${PYTHON:-python3}
idac="$build/bin/idac"
[ -x "$idac" ] || { echo "make-gpu-bundles: $idac not built" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"

# name | idac preset flags (H = 2 keeps the carried data small)
presets=(
  "elu1-n4-d64|--preset ida --heads 2 --head-dim 64 --value-dim 64 --basis 4 --chunk 32"
  "elu1-n4-d64p32|--preset ida --heads 2 --head-dim 64 --value-dim 32 --basis 4 --chunk 16"
  "mamba2-like|--preset mamba2 --heads 2 --head-dim 64 --chunk 32"
  "prf-d32|--preset ida --feature prf --feature-dim 32 --heads 2 --head-dim 32 --value-dim 32 --basis 2 --chunk 32"
  "normalize-elu1-sigmoid|--preset ida --basis-weights sigmoid --normalize --heads 2 --head-dim 32 --value-dim 32 --basis 2 --chunk 32 --strategy twopass"
  "softmax-d64|--preset softmax --heads 2 --head-dim 64"
)
for entry in "${presets[@]}"; do
  name=${entry%%|*}
  flags=${entry#*|}
  for dtype in f32 bf16; do
    # shellcheck disable=SC2086
    "$idac" $flags --dtype "$dtype" --target all -q -o "$out/$name-$dtype" 2>/dev/null
  done
done
# A tiny layer for tests/gpu/python_torch_check.py (gradcheck in float64 on
# the GPU evaluates the Jacobian column by column, so it must be small);
# check.py runs its cases too.
"$idac" --preset ida --basis 2 --chunk 4 --heads 2 --head-dim 3 --value-dim 2 \
  --target all -q -o "$out/py-tiny"
# ida-train's mixers for tests/gpu/train_check.sh: the model of scripts/run.sh
# (d_model 64, 2 heads, N = 4, chunk 64) and a softmax-attention one. These
# are the flags runtime/nn/PresetBundle.cpp passes; ida-train refuses a
# bundle that does not match its model, naming the difference.
"$idac" --preset --mixer ida --feature elu1 --basis 4 --basis-weights softmax \
  --chunk 64 --heads 2 --head-dim 32 --value-dim 32 --dtype f32 --no-decode \
  --target all -q -o "$out/train/ida"
"$idac" --preset --mixer softmax --heads 2 --head-dim 32 --value-dim 32 \
  --dtype f32 --target all -q -o "$out/train/softmax"
# Header-only build dependencies of the runtime's tools (CLI11, nlohmann
# json), as installed here, for a GPU machine that has neither (run.sh puts
# deps/ on CMAKE_PREFIX_PATH). Not part of the repository.
for d in include/CLI include/nlohmann share/cmake/CLI11 share/cmake/nlohmann_json; do
  if [ -d "/usr/$d" ]; then
    mkdir -p "$out/deps/$(dirname "$d")"
    cp -r "/usr/$d" "$out/deps/$d"
  fi
done

"$PYTHON" - "$out" "$root/tests/python" <<'EOF'
"""Random inputs and float64 references for every bundle under OUT."""
import json
import pathlib
import sys

import numpy as np

out, tests = pathlib.Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, tests)
import ida_numpy_ref as ref  # noqa: E402
from reference_inputs import make_inputs  # noqa: E402

ACTIVATIONS = ("q", "k", "v", "dt", "g", "dy")


def bf16(a):
    return ref.from_bf16_bits(ref.to_bf16_bits(a)).astype(np.float64)


def write_case(bundle, case, entry, inputs, expected, tol, param_tol=None):
    d = bundle / "check" / case
    (d / "in").mkdir(parents=True)
    (d / "ref").mkdir()
    names = bundle_inputs(bundle, entry)
    for logical, a in inputs.items():
        np.save(d / "in" / f"{names[logical]}.npy", np.asarray(a, dtype=np.float32))
    outs = bundle_outputs(bundle, entry)
    for logical, a in expected.items():
        np.save(d / "ref" / f"{outs[logical]}.npy", np.asarray(a, dtype=np.float64))
    tols = {outs[n]: param_tol for n in expected if param_tol and n in ("dA_log", "ddt_bias", "dW")}
    (d / "case.json").write_text(json.dumps({"entry": entry, "tol": tol, "tols": tols}))


def logical(entry, name):
    import re
    return re.sub(r"_[0-9]+$", "", name[len(entry) + 1:] if name.startswith(entry + "_") else name)


def bundle_inputs(bundle, entry):
    m = json.loads((bundle / "manifest.json").read_text())
    return {logical(entry, n): n for n in m["entries"][entry]["inputs"]}


def bundle_outputs(bundle, entry):
    m = json.loads((bundle / "manifest.json").read_text())
    return {logical(entry, n): n for n in m["entries"][entry]["outputs"]}


for bundle in sorted(p for p in out.iterdir() if (p / "manifest.json").exists()):
    m = json.loads((bundle / "manifest.json").read_text())
    p = m["x-preset"]
    rng = np.random.default_rng(abs(hash(bundle.name)) % 2**32)
    low = p["dtype"] != "f32"
    tol = 1e-2 if low else 1e-5
    B, H, D, P = 2, p["H"], p["D"], p["P"]
    if p["mixer"] == "softmax":
        for T in (1, 200):
            q, k, v = (rng.standard_normal((B, T, H, D)) for _ in range(3))
            qr, kr, vr = (bf16(a) if low else a for a in (q, k, v))
            write_case(bundle, f"forward-T{T}", "forward", {"q": q, "k": k, "v": v},
                       {"y": ref.softmax_attention(qr, kr, vr)}, tol)
        continue
    opts = ref.Options(feature=p["feature"], feature_param=p["feature_param"],
                       basis_weights=p["basis_weights"], normalize=p["normalize"])

    def rounded(inp):
        return {n: (bf16(a) if low and n in ACTIVATIONS else a) for n, a in inp.items()}

    for T in (1, 200):
        inp = make_inputs(rng, opts, B=B, T=T, H=H, D=D, P=P, N=p["N"], with_state=True)
        want = ref.forward(opts, rounded(inp))
        write_case(bundle, f"forward-T{T}", "forward", inp, want, tol)
    T = 65
    inp = make_inputs(rng, opts, B=B, T=T, H=H, D=D, P=P, N=p["N"], with_state=True)
    fwd = ref.forward(opts, rounded(inp))
    cot = {"dy": rng.standard_normal(fwd["y"].shape), "dS_T": rng.standard_normal(fwd["S_T"].shape)}
    if "Z_T" in fwd:
        cot["dZ_T"] = rng.standard_normal(fwd["Z_T"].shape)
    r = rounded({**inp, **cot})
    want = ref.backward(opts, r, r["dy"], r.get("dS_T"), r.get("dZ_T"))
    write_case(bundle, f"vjp-T{T}", "forward_vjp", {**inp, **cot}, want, tol,
               param_tol=None)
    step = make_inputs(rng, opts, B=B, T=1, H=H, D=D, P=P, N=p["N"], with_state=True)
    S, Z = step.pop("S0"), step.pop("Z0", None)
    y, S1, Z1 = ref.decode_step(opts, rounded(step), S.copy(), None if Z is None else Z.copy())
    dec = {n: (a[:, 0] if n in ACTIVATIONS else a) for n, a in step.items()}
    dec["S"] = S
    want = {"y": y[:, 0], "S_new": S1}
    if Z is not None:
        dec["Z"] = Z
        want["Z_new"] = Z1
    write_case(bundle, "decode", "decode", dec, want, tol)
EOF

cat > "$out/check.py" <<'EOF'
#!/usr/bin/env python3
"""Runs every case under gpu-bundles/*/check/ with ida-run and compares with
the stored float64 references (||out - ref|| / ||ref||). Pure Python.

usage: check.py [--ida-run PATH] [--target cuda] [--jobs N] [--only SUBSTRING]
Exit 0 when every case passes, 1 otherwise."""
import argparse
import array
import ast
import concurrent.futures
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent


def read_npy(path):
    data = pathlib.Path(path).read_bytes()
    assert data[:6] == b"\x93NUMPY", path
    major = data[6]
    hlen = int.from_bytes(data[8:10] if major == 1 else data[8:12], "little")
    start = (10 if major == 1 else 12)
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    body = data[start + hlen:]
    code = {"<f4": "f", "<f8": "d"}[header["descr"]]
    values = array.array(code)
    values.frombytes(body)
    return header["shape"], values


def rel_err(out, ref):
    num = sum((a - b) ** 2 for a, b in zip(out, ref))
    den = sum(b * b for b in ref)
    if any(math.isnan(a) or math.isinf(a) for a in out):
        return float("inf")
    return math.sqrt(num / den) if den > 0 else math.sqrt(num)


def run_case(ida_run, target, case):
    bundle = case.parent.parent
    meta = json.loads((case / "case.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        args = [ida_run, str(bundle), "--entry", meta["entry"], "--target", target, "--out-dir", tmp]
        for f in sorted((case / "in").iterdir()):
            args += ["--in", f"{f.stem}={f}"]
        env = dict(os.environ)
        env.setdefault("IDA_AUTOTUNE", "0")  # the compiler's default configuration
        t0 = time.time()
        r = subprocess.run(args, capture_output=True, text=True, env=env)
        secs = time.time() - t0
        if r.returncode != 0:
            return case, False, f"ida-run failed ({secs:.0f} s): {r.stderr.strip()[-600:]}"
        worst, what, ok = 0.0, "", True
        for f in sorted((case / "ref").iterdir()):
            shape, ref = read_npy(f)
            oshape, out = read_npy(pathlib.Path(tmp) / f.name)
            if tuple(oshape) != tuple(shape):
                return case, False, f"{f.stem}: shape {oshape} != {shape}"
            err = rel_err(out, ref)
            tol = meta["tols"].get(f.stem, meta["tol"])
            ok &= err <= tol
            if err > worst:
                worst, what = err, f.stem
        return case, ok, f"worst {worst:.2e} ({what}), {secs:.1f} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ida-run", default=os.environ.get("IDA_RUN", "build/bin/ida-run"))
    ap.add_argument("--target", default="cuda")
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    cases = sorted(c for c in HERE.glob("*/check/*") if (c / "case.json").exists()
                   and a.only in str(c))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for case, ok, msg in pool.map(lambda c: run_case(a.ida_run, a.target, c), cases):
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'}  {case.parent.parent.name:32s} {case.name:12s} {msg}",
                  flush=True)
    print(f"{len(cases) - failed} of {len(cases)} cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
EOF
chmod +x "$out/check.py"
echo "make-gpu-bundles: wrote $(ls -d "$out"/*/ | wc -l) bundles, $(ls -d "$out"/*/check/* | wc -l) cases, $(du -sh "$out" | cut -f1) in $out"

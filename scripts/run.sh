#!/usr/bin/env bash
# The main job: set up, build, then train the default MQAR model with
# `ida-train` on the default target (auto: CUDA when a GPU is usable, else the
# CPU) using the bundle core: idac compiles the model's mixer (the default IDA
# layer) into a bundle (cached under $IDA_CACHE_DIR/bundles), the runtime
# compiles its forward and forward_vjp kernels with the host compiler (NVRTC on
# a GPU) and tunes them on first use, and every training step runs them.
# Prints the final held-out recall accuracy; exits non-zero if training fails
# or the accuracy is not clearly above chance (5x).
#
# The defaults fit a 2-core machine: about 1 min of compiling and tuning the
# first time (cached afterwards), then 1.5-3 min of training (3000 steps of
# 1024 tokens at 17-35k tokens/s, depending on what else the cores run), to a
# held-out accuracy of about 0.36 against a chance of 1/64.
#
# Environment: IDA_BUILD_DIR (default build/), IDA_RUN_STEPS (default 3000),
# IDA_RUN_TARGET (auto, cpu or cuda; default auto), IDA_CACHE_DIR (bundles,
# kernel binaries, tuning records; default ~/.cache/ida), IDA_AUTOTUNE (0: the
# compiler's default configurations, no tuning). Extra arguments go to
# cmake's configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$@"
build=${IDA_BUILD_DIR:-$root/build}
PYTHON=${PYTHON:-python3}
work="$build/main-job"
rm -rf "$work"
mkdir -p "$work"
steps=${IDA_RUN_STEPS:-3000}
target=${IDA_RUN_TARGET:-auto}

# MQAR: 8 key-value pairs per 64-token sequence, vocabulary 128 (values are
# drawn from 64 tokens, so chance accuracy is 1/64). A 2-layer, d_model 64
# model whose mixer is IDA (2 heads of D = P = 32, elu1 features, N = 4 basis
# functions with softmax weights over them, chunk 64), without the MLP: the
# mixer does the recall.
args=(--task mqar --mixer ida --layers 2 --d-model 64 --heads 2 --no-mlp
      --feature elu1 --basis 4 --chunk 64
      --seq-len 64 --pairs 8 --vocab 128
      --steps "$steps" --batch 16 --lr 3e-3 --seed 0
      --eval-every $((steps >= 6 ? steps / 6 : 1)) --log-every $((steps >= 12 ? steps / 12 : 1))
      --target "$target" --json "$work/metrics.json")
echo "== ida-train ${args[*]}"
t0=$(date +%s.%N)
"$build/bin/ida-train" "${args[@]}"
t1=$(date +%s.%N)

"$PYTHON" - "$work/metrics.json" "$t0" "$t1" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
chance = 1.0 / (m["config"]["vocab"] // 2)
acc = m["final_accuracy"]
print("== summary")
print(f"   core     {m['mixer_core']} on {m['target']} ({m['device']})")
print(f"   bundle   {m.get('bundle', '-')}")
print(f"   training {m['end_step'] - m['start_step']} steps, {m['tokens_per_s']:.0f} tok/s; "
      f"wall time {t1 - t0:.0f} s (including any compiling and tuning)")
print(f"   final    held-out loss {m['final_loss']:.4f}, accuracy {acc:.4f} "
      f"(chance {chance:.4f})")
ok = acc >= 5 * chance
print(f"   result   {'PASS' if ok else 'FAIL'} (accuracy >= 5x chance)")
sys.exit(0 if ok else 1)
EOF

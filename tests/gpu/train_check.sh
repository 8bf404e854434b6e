#!/usr/bin/env bash
# ida-train on a GPU, run by tests/gpu/run.sh (its bundle stage) with the
# bundles scripts/make-gpu-bundles.sh wrote into gpu-bundles/train/:
#
#  1. Agreement: a small model (MLP and conv on) for 6 steps with the model
#     on the device (layer programs + cuBLAS + the bundle on device
#     pointers) and on the host (the mixer still on CUDA): the training
#     losses must agree to 1e-3 relative (fp32 GEMMs with different
#     summation orders on both sides), for the ida and the softmax mixers.
#  2. Learning: scripts/run.sh's model (the README's main job) for 3000
#     steps with the model on the device: reports tokens/s and the held-out
#     accuracy (the CPU reaches ~0.36 there, chance 1/64) and fails below 5x
#     chance, as run.sh does.
#
# Usage: tests/gpu/train_check.sh IDA_TRAIN LOGDIR    (exit 0 pass, 1 fail)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TRAIN=$1
TARGET=${IDA_TRAIN_CHECK_TARGET:-cuda} # cpu: a dry run without a GPU
LOGDIR=$2
B="$ROOT/gpu-bundles/train"
rc=0

small=(--task mqar --layers 2 --d-model 64 --heads 2 --conv 4 --seq-len 48
       --pairs 4 --vocab 64 --steps 6 --batch 4 --seed 3 --eval-every 1000
       --eval-batches 1 --log-every 0 --target "$TARGET")
for mixer in ida softmax; do
  extra=()
  [ "$mixer" = ida ] && extra=(--feature elu1 --basis 4 --chunk 64)
  for where in device host; do
    if ! "$TRAIN" "${small[@]}" --mixer "$mixer" "${extra[@]}" --bundle "$B/$mixer" \
         --model-on "$where" --json "$LOGDIR/train-$mixer-$where.json" \
         >"$LOGDIR/train-$mixer-$where.out" 2>&1; then
      tail -5 "$LOGDIR/train-$mixer-$where.out"
      echo "FAIL  ida-train $mixer --model-on $where (log: $LOGDIR/train-$mixer-$where.out)"
      rc=1
    fi
  done
  python3 - "$LOGDIR/train-$mixer-device.json" "$LOGDIR/train-$mixer-host.json" "$mixer" <<'EOF' || rc=1
import json, sys
try:
    d, h = (json.load(open(p)) for p in sys.argv[1:3])
except (OSError, ValueError) as e:
    print(f"FAIL  agreement {sys.argv[3]}: {e}")
    sys.exit(1)
worst = max(abs(a - b) / abs(b) for a, b in zip(d["train_loss"], h["train_loss"]))
ok = len(d["train_loss"]) == len(h["train_loss"]) == 6 and worst <= 1e-3
print(f"{'PASS' if ok else 'FAIL'}  agreement {sys.argv[3]:8s} device ({d['gemm']}) vs host "
      f"({h['gemm']}): worst loss difference {worst:.2e} over 6 steps")
sys.exit(0 if ok else 1)
EOF
done

run=(--task mqar --mixer ida --layers 2 --d-model 64 --heads 2 --no-mlp
     --feature elu1 --basis 4 --chunk 64 --seq-len 64 --pairs 8 --vocab 128
     --steps 3000 --batch 16 --lr 3e-3 --seed 0 --eval-every 500 --log-every 500
     --target "$TARGET" --model-on device --bundle "$B/ida" --json "$LOGDIR/train-run.json")
if "$TRAIN" "${run[@]}" >"$LOGDIR/train-run.out" 2>&1; then
  python3 - "$LOGDIR/train-run.json" <<'EOF' || rc=1
import json, sys
m = json.load(open(sys.argv[1]))
chance = 1.0 / (m["config"]["vocab"] // 2)
ok = m["final_accuracy"] >= 5 * chance
print(f"{'PASS' if ok else 'FAIL'}  scripts/run.sh's model on {m['device']}, model on the "
      f"device: {m['tokens_per_s']:.0f} tok/s, held-out accuracy {m['final_accuracy']:.4f} "
      f"(chance {chance:.4f})")
sys.exit(0 if ok else 1)
EOF
else
  tail -5 "$LOGDIR/train-run.out"
  echo "FAIL  ida-train run.sh model on the device (log: $LOGDIR/train-run.out)"
  rc=1
fi
exit $rc

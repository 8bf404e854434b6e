#!/usr/bin/env bash
# MQAR recall at matched state size (docs/recall.md): ida, ssm and mamba2 at
# three state sizes per head, and softmax attention as the reference, at two
# sequence lengths. One JSON per run under ${OUT:-benchmarks/results/recall};
# benchmarks/plot_recall.py turns them into the table and the plot.
#
#   bash benchmarks/recall_sweep.sh [extra ida-train flags, e.g. --target cuda]
#
# Environment: IDA_TRAIN (default build/bin/ida-train), STEPS (default 600),
# SEQS ("32 64"), SIZES ("2 4 8": the basis sizes N of ida/ssm), SEEDS ("0";
# seeds other than 0 add "-s<seed>" to the run names). Each step sees 1024
# tokens (batch 1024 / T) and K = T / 8 key-value pairs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
train=${IDA_TRAIN:-$root/build/bin/ida-train}
out=${OUT:-$root/benchmarks/results/recall}
steps=${STEPS:-600}
seqs=${SEQS:-"32 64"}
sizes=${SIZES:-"2 4 8"}
seeds=${SEEDS:-0}
mkdir -p "$out"

# The model: d_model 64, 4 heads of query/key/value size 16, two blocks.
# State per head: ida/ssm N * F * P with F = D = 16, P = 16 -> 256 N;
# mamba2 (N = 1, identity features) D * P -> head-dim D = 16 N matches it.
common=(--task mqar --layers 2 --d-model 64 --heads 4 --value-dim 16 --vocab 64
        --steps "$steps" --lr 3e-3 --log-every 100 --eval-every 100
        --eval-batches 16)

run() { # name, flags...
  local name=$1; shift
  [ "$seed" = 0 ] || name="$name-s$seed"
  if [ -f "$out/$name.json" ]; then
    echo "== $name: have $out/$name.json"
    return
  fi
  echo "== $name"
  "$train" "${common[@]}" --seed "$seed" "$@" --json "$out/$name.json" |
    grep -E "^(ida-train|mixer|target|done)"
}

for seed in $seeds; do
for T in $seqs; do
  K=$((T / 8))
  B=$((1024 / T))
  for N in $sizes; do
    run "ida-T$T-N$N" --mixer ida --seq-len "$T" --pairs "$K" --batch "$B" --head-dim 16 --basis "$N" "${@}"
    run "ssm-T$T-N$N" --mixer ssm --seq-len "$T" --pairs "$K" --batch "$B" --head-dim 16 --basis "$N" "${@}"
    run "mamba2-T$T-D$((16 * N))" --mixer mamba2 --seq-len "$T" --pairs "$K" --batch "$B" \
      --head-dim $((16 * N)) "${@}"
  done
  run "softmax-T$T" --mixer softmax --seq-len "$T" --pairs "$K" --batch "$B" --head-dim 16 "${@}"
done
done
echo "results in $out; plot: python3 benchmarks/plot_recall.py $out"

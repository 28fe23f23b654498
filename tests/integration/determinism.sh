#!/usr/bin/env bash
# Test: with --deterministic, the same seed and world size give identical
#   bytes: equal accuracy matrices, confusion counts and final-parameter
#   fingerprints, for the MLP (many small buckets, overlapped) and the
#   reduced ResNet-18 (BatchNorm buffers averaged across ranks). A different
#   seed must change the fingerprint (so the check can fail).
# Usage: determinism.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
"$mnemo" prepare --source synthetic --output "$work/s" --tasks 2 --classes-per-task 2 \
  --synthetic-train-per-class 40 --synthetic-test-per-class 10 --synthetic-side 8 >/dev/null 2>&1
train() {  # run model seed extra...
  local run=$1 model=$2 seed=$3
  shift 3
  timeout 300 "$mpiexec" -n 2 "$mnemo" train --stream "$work/s" --run-dir "$work/$run" --model "$model" \
    --seed "$seed" --deterministic --threads 1 --debug-collectives "$@" >"$work/$run.log" 2>&1 \
    || { cat "$work/$run.log"; echo "FAIL: $run"; exit 1; }
}
train mlp-a mlp 7 --bucket-mb 0.0001
train mlp-b mlp 7 --bucket-mb 0.0001
train mlp-c mlp 8 --bucket-mb 0.0001
train resnet-a resnet18 7 --batch-size 8 --lr 0.05
train resnet-b resnet18 7 --batch-size 8 --lr 0.05
grep -qE "in ([2-9]|[1-9][0-9]+) gradient bucket" "$work/mlp-a.log" || { cat "$work/mlp-a.log"; echo "FAIL: not many buckets"; exit 1; }
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def load(run):
    r = json.load(open(f"{w}/{run}/results.json"))
    return r["accuracy"], r["confusion"], r["model_fingerprint"]
for a, b in (("mlp-a", "mlp-b"), ("resnet-a", "resnet-b")):
    assert load(a) == load(b), f"{a} and {b} differ"
assert load("mlp-a")[2] != load("mlp-c")[2], "a different seed gave the same parameters"
print("deterministic runs identical; another seed differs")
PY
echo "1 passed, 0 failed"

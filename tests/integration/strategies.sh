#!/usr/bin/env bash
# Test: every strategy runs on a tiny synthetic 3-task stream under
#   mpiexec -n 2 and writes complete results; the rehearsal strategies keep
#   more of the old tasks than finetune.
# Usage: strategies.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
"$mnemo" prepare --source synthetic --output "$work/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 200 --synthetic-test-per-class 30 --synthetic-noise 60 >/dev/null 2>&1
strategies="finetune cumulative joint er er-ace der derpp agem ewc si lwf gdumb icarl"
for s in $strategies; do
  timeout 120 "$mpiexec" -n 2 "$mnemo" train --stream "$work/s" --run-dir "$work/$s" --strategy "$s" \
    --replay-capacity 60 --lr 0.05 --threads 1 --debug-collectives >"$work/$s.log" 2>&1 \
    || { cat "$work/$s.log"; echo "FAIL: strategy $s"; exit 1; }
done
python3 - "$work" $strategies <<'PY'
import json, sys
work, names = sys.argv[1], sys.argv[2:]
old = {}
for s in names:
    r = json.load(open(f"{work}/{s}/results.json"))
    assert r["complete"] and r["config"]["strategy"] == s, s
    m = r["accuracy"]["class_il"]
    old[s] = sum(m[2][:2]) / 2
    print(f"{s:10s} class-IL ACC {r['metrics']['class_il']['acc']:.3f}  old tasks {old[s]:.3f}")
for s in ("er", "der", "derpp", "er-ace", "cumulative", "joint", "gdumb", "icarl"):
    assert old[s] > old["finetune"] + 0.2, f"{s} does not beat finetune on old tasks"
PY
echo "1 passed, 0 failed"

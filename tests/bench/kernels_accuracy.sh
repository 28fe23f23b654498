#!/usr/bin/env bash
# Benchmark (not a test): the fused training kernels (--kernels fused, the
#   default) keep accuracy within noise of LibTorch's autograd layers
#   (--kernels autograd). Split Fashion-MNIST, 1 rank, batch 10, buffer 500,
#   lr 0.1, seeds 0..S-1; er and derpp with one head (class-IL), er with
#   per-task heads (task-IL, the head-mask path). Prints mean +- std of the
#   final ACC for each kernel, the difference, and the training time ratio.
# Usage: tests/bench/kernels_accuracy.sh [BUILD_DIR] [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
seeds=${2:-3}
source tests/bench/bench_env.sh
for case in "er single" "derpp single" "er per-task"; do
  set -- $case
  for kernels in fused autograd; do
    for ((seed = 0; seed < seeds; seed++)); do
      "$mnemo" train --stream "$stream" --run-dir "$work/$1-$2-$kernels-$seed" --strategy "$1" --head "$2" \
        --kernels "$kernels" --seed "$seed" --threads 1 >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
    done
  done
done
python3 - "$work" "$seeds" <<'PY'
import json, statistics, sys
work, seeds = sys.argv[1], int(sys.argv[2])
print(f"{'strategy':8s} {'head':8s} {'metric':9s} {'fused':>15s} {'autograd':>15s} {'diff':>7s} {'time ratio':>11s}")
for strategy, head in (("er", "single"), ("derpp", "single"), ("er", "per-task")):
    metric = "class_il" if head == "single" else "task_il"
    acc, secs = {}, {}
    for k in ("fused", "autograd"):
        runs = [json.load(open(f"{work}/{strategy}-{head}-{k}-{s}/results.json")) for s in range(seeds)]
        acc[k] = [100 * r["metrics"][metric]["acc"] for r in runs]
        secs[k] = sum(t["seconds"] for r in runs for t in r["tasks"])
    sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
    f, a = acc["fused"], acc["autograd"]
    print(f"{strategy:8s} {head:8s} {metric:9s} {statistics.mean(f):7.2f} ± {sd(f):4.2f} {statistics.mean(a):7.2f} ± {sd(a):4.2f}"
          f" {statistics.mean(f) - statistics.mean(a):+7.2f} {secs['autograd'] / secs['fused']:10.2f}x")
PY

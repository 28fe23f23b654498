#!/usr/bin/env bash
# Benchmark (not a test): training throughput on 1 rank against 2 ranks,
#   1 thread per rank, finetune on Split Fashion-MNIST with the MLP, 4
#   epochs. Two comparisons, samples/s from results.json:
#     per-rank batch B: 1 rank at global batch B, 2 ranks at global 2B
#                       (each rank computes B rows per step; the target's
#                       reading: ">= 1.8x at batch 128 per rank");
#     global batch B:   both at global batch B (each of 2 ranks computes B/2).
#   And the machine's ceiling for the first: two independent 1-rank runs at
#   batch B at the same time, one per core (no communication at all), their
#   summed samples/s against the 1-rank run.
#   Each configuration runs R times, interleaved (a run trains for about a
#   second, so the machine's noise shows); it prints the median ratio and
#   the range over the R rounds.
# Usage: tests/bench/scaling.sh [BUILD_DIR] [B] [R]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
batch=${2:-128}
rounds=${3:-3}
source tests/bench/bench_env.sh
train() {  # RUN_DIR BATCH [launcher...]
  local dir=$1 b=$2
  shift 2
  "$@" "$mnemo" train --stream "$stream" --run-dir "$dir" --strategy finetune --batch-size "$b" --threads 1 \
    --epochs 4 >/dev/null 2>&1
}
for round in $(seq "$rounds"); do
  train "$work/$round-one" "$batch" mpirun -np 1 --bind-to core
  train "$work/$round-weak" $((2 * batch)) mpirun -np 2 --bind-to core
  train "$work/$round-strong" "$batch" mpirun -np 2 --bind-to core
  train "$work/$round-pair0" "$batch" taskset -c 0 &  # the ceiling: two single-process runs side by side
  train "$work/$round-pair1" "$batch" taskset -c 1
  wait
done
python3 - "$work" "$batch" "$rounds" <<'PY'
import json, statistics, sys
w, b, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def rate(run):
    r = json.load(open(f"{w}/{run}/results.json"))
    seconds = sum(t["seconds"] for t in r["tasks"])
    return sum(t["train_samples"] for t in r["tasks"]) / seconds, sum(t["comm_seconds"] for t in r["tasks"]) / seconds
rows = {k: [] for k in ("one", "pair", "weak", "strong", "weak_comm", "strong_comm")}
for i in range(1, rounds + 1):
    one = rate(f"{i}-one")[0]
    rows["one"].append(one)
    rows["pair"].append((rate(f"{i}-pair0")[0] + rate(f"{i}-pair1")[0]) / one)
    for k in ("weak", "strong"):
        r, c = rate(f"{i}-{k}")
        rows[k].append(r / one)
        rows[k + "_comm"].append(100 * c)
def show(k, fmt="{:.2f}x"):
    v = rows[k]
    return f"{fmt.format(statistics.median(v))} (range {fmt.format(min(v))}-{fmt.format(max(v))})"
print(f"{rounds} rounds; 1 rank, batch {b}: {show('one', '{:,.0f}')} samples/s")
print(f"ceiling: two independent 1-rank runs at once, one per core: {show('pair')}")
print(f"per-rank batch {b}: 2 ranks {show('weak')} (target >= 1.8x); "
      f"collectives {show('weak_comm', '{:.0f}%')} of the time")
print(f"global batch {b}:   2 ranks {show('strong')}; collectives {show('strong_comm', '{:.0f}%')} of the time")
PY
